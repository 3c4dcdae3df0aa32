/**
 * The typed client of the lab-runner's HTTP API, for the browser (same origin) and for Node (tests, the bench,
 * e2e fixtures). Every type comes from the API's own schemas (schemas/api.ts), so client and server cannot drift.
 * Errors come back as ApiError with the server's stable code and hint.
 */
import type { ErrorCode } from '@kubelab/kit/errors';
import type {
  CheckResult,
  CreatedSession,
  EnvironmentReset,
  ErrorDetail,
  ExerciseReset,
  Health,
  LessonList,
  Lifetime,
  NodeViewList,
  NodeViewResult,
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
  recreate(c: Credentials, signal?: AbortSignal): Promise<EnvironmentReset> {
    return this.#request('POST', `${sessionPath(c.id)}/reset`, { token: c.token, body: {}, signal });
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

  /** The provisioning event stream (see events.ts), token in the query as the browser's EventSource needs it. */
  eventsUrl(c: Credentials): string {
    return `${this.baseUrl}${sessionPath(c.id)}/events?token=${encodeURIComponent(c.token)}`;
  }

  /** The terminal WebSocket's absolute URL (ws: or wss:, following the base URL or this page's origin). */
  terminalUrl(c: Credentials): string {
    const page = (globalThis as { location?: { protocol: string; host: string } }).location;
    const origin = this.baseUrl || `${page?.protocol ?? 'http:'}//${page?.host ?? 'localhost'}`;
    return `${origin.replace(/^http/, 'ws')}${sessionPath(c.id)}/terminal?token=${encodeURIComponent(c.token)}`;
  }

  async #request<T>(method: string, path: string, options: { token?: string | undefined; body?: unknown; signal?: AbortSignal | undefined } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
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
    if (response.status === 204) return undefined as T;
    const text = await response.text();
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

const sessionPath = (id: string): string => `/api/sessions/${encodeURIComponent(id)}`;
const exercisePath = (id: string, exercise: string): string => `${sessionPath(id)}/exercises/${encodeURIComponent(exercise)}`;
