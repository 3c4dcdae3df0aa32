/**
 * The typed client of the lab-runner's HTTP API, for the browser (same origin) and for Node (tests, the bench,
 * e2e fixtures). Every type comes from the API's own schemas (schemas/api.ts), so client and server cannot drift.
 * Errors come back as ApiError with the server's stable code and hint.
 */
import type { ErrorCode } from '@kubelab/kit/errors';
import type {
  CellEntry,
  CheckResult,
  CourseProgress,
  CreatedSession,
  EnvironmentReset,
  ErrorDetail,
  ExerciseReset,
  Health,
  LessonList,
  Lifetime,
  NodeViewList,
  NodeViewResult,
  Notebook,
  NoteEntry,
  NoteSaved,
  SessionSummary,
} from '../schemas/api.ts';

/** Codes the client itself raises, beside the server's: the server did not answer, or answered nonsense. */
export type ClientErrorCode = ErrorCode | 'E_NETWORK' | 'E_BAD_RESPONSE';

/** The API's error shape (ErrorDetail), with the client's own codes beside the server's. */
export type ClientErrorDetail = Omit<ErrorDetail, 'code'> & { code: ClientErrorCode };

/** An error the lab-runner returned (or a network failure on the way to it), with its code and next step. */
export class ApiError extends Error {
  /** The HTTP status; 0 when the server did not answer. */
  readonly status: number;
  readonly code: ClientErrorCode;
  readonly hint: string | undefined;

  constructor(status: number, body: ClientErrorDetail, options: { cause?: unknown } = {}) {
    super(body.message, options);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.hint = body.hint;
  }

  /** The error as the API's error shape, for showing it. */
  get detail(): ClientErrorDetail {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

/** A lab session's id and its secret token: what every session route needs. */
export interface Credentials {
  id: string;
  token: string;
}

export interface LabApiOptions {
  /** Where the lab-runner is, e.g. http://127.0.0.1:4321. Empty (the default) means this page's origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /**
   * The launch token the lab server printed, sent with createSession by clients that are not a browser (tests,
   * the bench). A browser needs none: opening the launch link gave it the cookie, which rides along.
   */
  launchToken?: string | undefined;
}

export class LabApi {
  readonly baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #launchToken: string | undefined;
  /**
   * Outside a browser, the learner cookie a workshop server gives (plugins/learner.ts), sent back as a browser
   * would: a Node client is one learner. A browser keeps its own (fetch never shows Set-Cookie).
   */
  #learnerCookie: string | undefined;

  constructor(options: LabApiOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/$/, '');
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#launchToken = options.launchToken;
  }

  health(signal?: AbortSignal): Promise<Health> {
    return this.#request('GET', '/healthz', { signal });
  }

  lessons(signal?: AbortSignal): Promise<LessonList> {
    return this.#request('GET', '/api/lessons', { signal });
  }

  /**
   * Starts a lab for a lesson: returns at once with the session's credentials; follow its events until ready.
   * Needs the launch token (the browser's cookie, or `launchToken`): 401/403 E_LAUNCH_REQUIRED otherwise.
   */
  createSession(lesson: string, signal?: AbortSignal): Promise<CreatedSession> {
    return this.#request('POST', '/api/sessions', { token: this.#launchToken, body: { lesson }, signal });
  }

  session(c: Credentials, signal?: AbortSignal): Promise<SessionSummary> {
    return this.#request('GET', sessionPath(c.id), { token: c.token, signal });
  }

  /** Ends the lab and deletes its cluster. Ending an ended session is not an error. */
  async endSession(c: Credentials, signal?: AbortSignal): Promise<void> {
    await this.#request('DELETE', sessionPath(c.id), { token: c.token, signal });
  }

  /** Recreate: a new cluster for the same session; its steps stream on the events again. */
  recreate(c: Credentials, options: { restore?: boolean } = {}, signal?: AbortSignal): Promise<EnvironmentReset> {
    return this.#request('POST', `${sessionPath(c.id)}/reset`, { token: c.token, body: options.restore ? { restore: true } : {}, signal });
  }

  /** Adds time to the lab's time limit (a workshop's); its new lifetime. 400 E_BAD_REQUEST past the last extension. */
  extend(c: Credentials, signal?: AbortSignal): Promise<Lifetime> {
    return this.#request('POST', `${sessionPath(c.id)}/extend`, { token: c.token, body: {}, signal });
  }

  check(c: Credentials, exercise: string, signal?: AbortSignal): Promise<CheckResult> {
    return this.#request('POST', `${exercisePath(c.id, exercise)}/check`, { token: c.token, body: {}, signal });
  }

  resetExercise(c: Credentials, exercise: string, signal?: AbortSignal): Promise<ExerciseReset> {
    return this.#request('POST', `${exercisePath(c.id, exercise)}/reset`, { token: c.token, body: {}, signal });
  }

  /** The read-only node views a lab offers (what GET .../nodes/:node/views/:view can run). */
  nodeViews(signal?: AbortSignal): Promise<NodeViewList> {
    return this.#request('GET', '/api/node-views', { signal });
  }

  /** Runs a node view on one of the session cluster's nodes (as its summary names them). */
  nodeView(c: Credentials, node: string, view: NodeViewResult['view'], signal?: AbortSignal): Promise<NodeViewResult> {
    return this.#request('GET', `${sessionPath(c.id)}/nodes/${encodeURIComponent(node)}/views/${encodeURIComponent(view)}`, { token: c.token, signal });
  }

  // ── The notebook: the learner's (the launch token, or the browser's cookies) ──────────────────────────────────

  /** Progress in every lesson, and the lesson to continue with. */
  progress(signal?: AbortSignal): Promise<CourseProgress> {
    return this.#request('GET', '/api/progress', { token: this.#launchToken, signal });
  }

  /** A lesson's notebook: its timeline (of one exercise, or after an entry id), its cell outputs and progress. */
  notebook(lesson: string, query: { exercise?: string; after?: number } = {}, signal?: AbortSignal): Promise<Notebook> {
    const params = new URLSearchParams();
    if (query.exercise) params.set('exercise', query.exercise);
    if (query.after) params.set('after', String(query.after));
    const search = params.size ? `?${params}` : '';
    return this.#request('GET', `${notebookPath(lesson)}${search}`, { token: this.#launchToken, signal });
  }

  addNote(lesson: string, markdown: string, exercise?: string, signal?: AbortSignal): Promise<NoteEntry> {
    return this.#request('POST', `${notebookPath(lesson)}/notes`, { token: this.#launchToken, body: { markdown, ...(exercise ? { exercise } : {}) }, signal });
  }

  /** Saves a note over the revision it was edited from; on a newer one (another tab) the text becomes a new note. */
  saveNote(lesson: string, note: Pick<NoteEntry, 'id' | 'revision'>, markdown: string, signal?: AbortSignal): Promise<NoteSaved> {
    return this.#request('PUT', `${notebookPath(lesson)}/notes/${note.id}`, { token: this.#launchToken, body: { markdown, revision: note.revision }, signal });
  }

  async deleteNote(lesson: string, id: number, signal?: AbortSignal): Promise<void> {
    await this.#request('DELETE', `${notebookPath(lesson)}/notes/${id}`, { token: this.#launchToken, signal });
  }

  clearCells(lesson: string, signal?: AbortSignal): Promise<{ cleared: number }> {
    return this.#request('POST', `${notebookPath(lesson)}/cells/clear`, { token: this.#launchToken, body: {}, signal });
  }

  async solutionShown(lesson: string, exercise: string, signal?: AbortSignal): Promise<void> {
    await this.#request('POST', `${notebookPath(lesson)}/exercises/${encodeURIComponent(exercise)}/solution-shown`, { token: this.#launchToken, body: {}, signal });
  }

  /** The notebook as Markdown: one lesson's, or the whole course's. */
  exportMarkdown(lesson?: string, signal?: AbortSignal): Promise<string> {
    return this.#request('GET', lesson ? `${notebookPath(lesson)}/export.md` : '/api/notebook/export.md', { token: this.#launchToken, signal, text: true });
  }

  /** Where exportMarkdown's file is, for a download link. */
  exportUrl(lesson?: string): string {
    return `${this.baseUrl}${lesson ? `${notebookPath(lesson)}/export.md` : '/api/notebook/export.md'}`;
  }

  /** Runs a code block of the page as a notebook cell in the lab's toolbox; the entry holds its output. */
  runCell(c: Credentials, cell: { cell: string; code: string; exercise?: string | undefined }, signal?: AbortSignal): Promise<CellEntry> {
    return this.#request('POST', `${sessionPath(c.id)}/cells`, { token: c.token, body: cell, signal });
  }

  /** Says which exercise the learner has open (null: none): the journal files the next commands under it. */
  async focus(c: Credentials, exercise: string | null, signal?: AbortSignal): Promise<void> {
    await this.#request('PUT', `${sessionPath(c.id)}/focus`, { token: c.token, body: { exercise }, signal });
  }

  /** The provisioning event stream (see events.ts), token in the query as the browser's EventSource needs it. */
  eventsUrl(c: Credentials): string {
    return `${this.baseUrl}${sessionPath(c.id)}/events?token=${encodeURIComponent(c.token)}`;
  }

  /** An exercise's auto-check stream (followAutoCheck), token in the query as the browser's EventSource needs it. */
  autoCheckUrl(c: Credentials, exercise: string): string {
    return `${this.baseUrl}${exercisePath(c.id, exercise)}/auto-check?token=${encodeURIComponent(c.token)}`;
  }

  /** The terminal WebSocket's absolute URL (ws: or wss:, following the base URL or this page's origin). */
  terminalUrl(c: Credentials): string {
    const page = (globalThis as { location?: { protocol: string; host: string } }).location;
    const origin = this.baseUrl || `${page?.protocol ?? 'http:'}//${page?.host ?? 'localhost'}`;
    return `${origin.replace(/^http/, 'ws')}${sessionPath(c.id)}/terminal?token=${encodeURIComponent(c.token)}`;
  }

  async #request<T>(
    method: string,
    path: string,
    options: { token?: string | undefined; body?: unknown; signal?: AbortSignal | undefined; text?: boolean } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: options.text ? 'text/markdown, application/json' : 'application/json' };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    if (this.#learnerCookie) headers['cookie'] = this.#learnerCookie;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.#fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: options.signal ?? null,
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new ApiError(
        0,
        { code: 'E_NETWORK', message: 'The lab server did not answer.', hint: 'Check that Kubelab is still running (npm start), then try again.' },
        { cause: error },
      );
    }
    const learner = /(?:^|,\s*)((?:__Host-)?kubelab-learner-\d+=[0-9a-f]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
    if (learner) this.#learnerCookie = learner;
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (options.text && response.ok) return text as T;
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!response.ok) {
      const error = (data as { error?: ErrorDetail } | undefined)?.error;
      throw new ApiError(
        response.status,
        error && typeof error.code === 'string'
          ? error
          : { code: 'E_BAD_RESPONSE', message: `The lab server answered ${response.status} ${response.statusText}.`, hint: 'Try again; if it persists, the lab server log has the details.' },
      );
    }
    if (data === undefined && text) {
      throw new ApiError(response.status, { code: 'E_BAD_RESPONSE', message: `The lab server sent something that is not JSON for ${method} ${path}.` });
    }
    return data as T;
  }
}

const notebookPath = (lesson: string): string => `/api/notebook/${encodeURIComponent(lesson)}`;
const sessionPath = (id: string): string => `/api/sessions/${encodeURIComponent(id)}`;
const exercisePath = (id: string, exercise: string): string => `${sessionPath(id)}/exercises/${encodeURIComponent(exercise)}`;
