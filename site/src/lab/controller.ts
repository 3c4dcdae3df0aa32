/**
 * One lab per lesson page: the session's life from "Start lab" through provisioning to a ready terminal, and
 * what every widget on the page asks of it (Check, Reset exercise, Run). Widgets listen for `change` events.
 *
 * The session ({id, token}) is kept in localStorage per lesson, so a reload reconnects to the same cluster;
 * when the server no longer knows it (404/403) it is forgotten.
 */
import { api, ApiError, type CheckResult, type Credentials, type ErrorBody, type SessionSummary, type Step } from './api.ts';
import { store, type StoredSession } from './store.ts';
import type { KubelabTerminal, TerminalStatus } from '../terminal/kubelab-terminal.ts';

export type LabPhase =
  /** No lab: the panel offers Start lab. */
  | 'idle'
  /** Looking up a remembered session after a reload. */
  | 'resuming'
  /** POST /api/sessions in flight. */
  | 'starting'
  /** The cluster is being made: steps stream in. */
  | 'provisioning'
  | 'ready'
  /** Something went wrong; `error` says what, `canRecreate` whether the session can be reset. */
  | 'failed';

export interface LabSnapshot {
  phase: LabPhase;
  steps: Step[];
  error: ErrorBody | undefined;
  /** Whether Recreate (POST reset) applies, rather than Try again (a new session). */
  canRecreate: boolean;
  summary: SessionSummary | undefined;
  /** Client clock: when provisioning began, for the elapsed time. */
  startedAt: number | undefined;
  terminal: TerminalStatus | undefined;
  /** A note after the lab ended, e.g. "Your lab session ended." */
  notice: string | undefined;
}

const GONE = new Set([401, 403, 404]);

/** What the learner does when the cluster is gone, in the panel's words (the server's hint names the API). */
const CLUSTER_GONE_HINT = 'Press Recreate to get a fresh cluster for this lesson. Your check history is kept.';

function plain(error: ErrorBody): ErrorBody {
  return error.code === 'E_CLUSTER_GONE' ? { ...error, hint: CLUSTER_GONE_HINT } : error;
}

let terminalModule: Promise<typeof import('../terminal/kubelab-terminal.ts')> | undefined;
/** The terminal code (xterm and its addons) loads only when a lab starts. */
export function loadTerminal() {
  terminalModule ??= import('../terminal/kubelab-terminal.ts');
  return terminalModule;
}

export class LabController extends EventTarget {
  readonly lesson: string;
  readonly profile: 'single' | 'multi';
  #snapshot: LabSnapshot = {
    phase: 'idle',
    steps: [],
    error: undefined,
    canRecreate: false,
    summary: undefined,
    startedAt: undefined,
    terminal: undefined,
    notice: undefined,
  };
  #session: StoredSession | undefined;
  #events: EventSource | undefined;
  #terminal: KubelabTerminal | undefined;
  #generation = 0;

  constructor(lesson: string, profile: 'single' | 'multi') {
    super();
    this.lesson = lesson;
    this.profile = profile;
  }

  get snapshot(): Readonly<LabSnapshot> {
    return this.#snapshot;
  }

  get credentials(): Credentials | undefined {
    return this.#session ? { id: this.#session.id, token: this.#session.token } : undefined;
  }

  get ready(): boolean {
    return this.#snapshot.phase === 'ready';
  }

  #set(patch: Partial<LabSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    this.dispatchEvent(new CustomEvent('change', { detail: this.#snapshot }));
  }

  /** Picks up the session remembered for this lesson, if the server still has it. */
  async resume(): Promise<void> {
    const stored = store.session(this.lesson);
    if (!stored) return;
    this.#session = stored;
    this.#set({ phase: 'resuming', startedAt: stored.createdAt });
    const generation = ++this.#generation;
    try {
      const summary = await api.getSession(stored);
      if (generation !== this.#generation) return;
      this.#apply(summary);
    } catch (error) {
      if (generation !== this.#generation) return;
      if (error instanceof ApiError && GONE.has(error.status)) {
        this.#forget();
        this.#set({ phase: 'idle', notice: 'Your previous lab session has ended. Start a new lab when you are ready.' });
      } else {
        this.#fail(error, true);
      }
    }
  }

  /** Start lab: a new session and cluster for this lesson. */
  async start(): Promise<void> {
    if (this.#snapshot.phase === 'starting' || this.#snapshot.phase === 'provisioning') return;
    void loadTerminal(); // fetch the terminal code while the cluster is made
    const generation = ++this.#generation;
    this.#set({ phase: 'starting', steps: [], error: undefined, notice: undefined, startedAt: Date.now(), summary: undefined });
    try {
      const created = await api.createSession(this.lesson);
      if (generation !== this.#generation) return;
      this.#session = { id: created.id, token: created.token, lesson: this.lesson, profile: this.profile, createdAt: Date.now() };
      store.setSession(this.lesson, this.#session);
      this.#set({ phase: 'provisioning', canRecreate: true });
      this.#follow();
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#fail(error, false);
    }
  }

  /** Recreate: a new cluster for the same session (after the old one is gone or failed). */
  async recreate(): Promise<void> {
    if (!this.#session) return this.start();
    void loadTerminal();
    const generation = ++this.#generation;
    this.#terminal?.disconnect();
    this.#set({ phase: 'starting', steps: [], error: undefined, notice: undefined, startedAt: Date.now(), summary: undefined, terminal: undefined });
    try {
      await api.resetSession(this.#session);
      if (generation !== this.#generation) return;
      this.#session = { ...this.#session, createdAt: Date.now() };
      store.setSession(this.lesson, this.#session);
      this.#set({ phase: 'provisioning', canRecreate: true });
      this.#follow();
    } catch (error) {
      if (generation !== this.#generation) return;
      if (error instanceof ApiError && GONE.has(error.status)) {
        this.#forget();
        return this.start();
      }
      this.#fail(error, true);
    }
  }

  /** Try again after a failure: recreate when there is a session, else start afresh. */
  retry(): Promise<void> {
    return this.#session && this.#snapshot.canRecreate ? this.recreate() : this.start();
  }

  /** End lab: delete the session and its cluster. */
  async end(): Promise<void> {
    const session = this.#session;
    ++this.#generation;
    this.#closeEvents();
    this.#terminal?.disconnect();
    this.#forget();
    this.#set({ phase: 'idle', steps: [], error: undefined, summary: undefined, terminal: undefined, notice: 'Lab ended: its cluster is deleted.' });
    if (session) {
      try {
        await api.deleteSession(session);
      } catch {
        /* already gone, or the server is down: nothing more to do here */
      }
    }
  }

  /** A widget learnt that the cluster is gone (409 E_CLUSTER_GONE): offer Recreate. */
  clusterGone(error: ErrorBody): void {
    this.#closeEvents();
    this.#terminal?.disconnect();
    this.#set({ phase: 'failed', error: plain(error), canRecreate: true, terminal: undefined });
  }

  /** Types a command into the terminal and presses Enter. False when no lab is ready. */
  runCommand(command: string): boolean {
    if (!this.ready || !this.#terminal) return false;
    this.dispatchEvent(new CustomEvent('reveal'));
    return this.#terminal.runCommand(command);
  }

  async check(exercise: string): Promise<CheckResult> {
    const credentials = this.#requireReady();
    try {
      return await api.check(credentials, exercise);
    } catch (error) {
      this.#noticeGone(error);
      throw error;
    }
  }

  async resetExercise(exercise: string): Promise<void> {
    const credentials = this.#requireReady();
    try {
      await api.resetExercise(credentials, exercise);
    } catch (error) {
      this.#noticeGone(error);
      throw error;
    }
  }

  #requireReady(): Credentials {
    const credentials = this.credentials;
    if (!credentials || !this.ready) {
      throw new ApiError(409, {
        code: this.#snapshot.phase === 'provisioning' || this.#snapshot.phase === 'starting' ? 'E_SESSION_NOT_READY' : 'E_NO_LAB',
        message:
          this.#snapshot.phase === 'provisioning' || this.#snapshot.phase === 'starting'
            ? 'Your lab is still starting.'
            : 'No lab is running for this lesson.',
        hint:
          this.#snapshot.phase === 'provisioning' || this.#snapshot.phase === 'starting'
            ? 'Wait until the provisioning steps are all ticked, then check again.'
            : 'Press Start lab in the lab panel, do the task in the terminal, then check again.',
      });
    }
    return credentials;
  }

  #noticeGone(error: unknown): void {
    if (!(error instanceof ApiError)) return;
    if (error.code === 'E_CLUSTER_GONE') {
      this.clusterGone({ code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
    } else if (GONE.has(error.status) && error.code !== 'E_UNKNOWN_EXERCISE') {
      this.#sessionLost();
    }
  }

  #sessionLost(): void {
    ++this.#generation;
    this.#closeEvents();
    this.#terminal?.disconnect();
    this.#forget();
    this.#set({
      phase: 'idle',
      steps: [],
      summary: undefined,
      terminal: undefined,
      error: undefined,
      notice: 'Your lab session has ended (it expired or the server restarted). Start a new lab to carry on.',
    });
  }

  #apply(summary: SessionSummary): void {
    const steps = summary.steps ?? this.#snapshot.steps;
    switch (summary.state) {
      case 'provisioning':
        this.#set({ phase: 'provisioning', summary, steps, canRecreate: true });
        this.#follow();
        break;
      case 'ready':
        this.#set({ summary, steps });
        void this.#becomeReady(summary);
        break;
      case 'failed':
        this.#set({
          phase: 'failed',
          summary,
          steps,
          canRecreate: true,
          error: plain(summary.error ?? { code: 'E_PROVISIONING_FAILED', message: 'Your lab could not be created.', hint: 'Press Recreate to try again.' }),
        });
        break;
      case 'ended':
        this.#forget();
        this.#set({ phase: 'idle', steps: [], summary: undefined, notice: 'Your previous lab session has ended.' });
        break;
    }
  }

  #follow(): void {
    const session = this.#session;
    if (!session) return;
    this.#closeEvents();
    const generation = this.#generation;
    const source = new EventSource(api.eventsUrl(session));
    this.#events = source;
    source.addEventListener('step', (event) => {
      const step = JSON.parse((event as MessageEvent<string>).data) as Step;
      const steps = [...this.#snapshot.steps];
      const index = steps.findIndex((s) => s.id === step.id);
      if (index === -1) steps.push(step);
      else steps[index] = step;
      this.#set({ steps });
    });
    source.addEventListener('ready', (event) => {
      this.#closeEvents();
      const summary = JSON.parse((event as MessageEvent<string>).data) as SessionSummary;
      this.#set({ summary, steps: summary.steps ?? this.#snapshot.steps });
      void this.#becomeReady(summary);
    });
    source.addEventListener('failed', (event) => {
      this.#closeEvents();
      const error = plain(JSON.parse((event as MessageEvent<string>).data) as ErrorBody);
      this.#set({ phase: 'failed', error, canRecreate: true });
    });
    source.addEventListener('error', () => {
      // A dropped stream reconnects by itself (the server replays the steps); a refused one is CLOSED.
      if (source.readyState !== EventSource.CLOSED || generation !== this.#generation) return;
      this.#closeEvents();
      void api.getSession(session).then(
        (summary) => generation === this.#generation && this.#apply(summary),
        (error) => {
          if (generation !== this.#generation) return;
          if (error instanceof ApiError && GONE.has(error.status)) this.#sessionLost();
          else this.#fail(error, true);
        },
      );
    });
  }

  async #becomeReady(summary: SessionSummary): Promise<void> {
    const generation = this.#generation;
    const session = this.#session;
    if (!session) return;
    const { KubelabTerminal } = await loadTerminal();
    if (generation !== this.#generation) return;
    const element = document.querySelector<KubelabTerminal>('kubelab-terminal');
    if (!(element instanceof KubelabTerminal)) return;
    if (this.#terminal !== element) {
      this.#terminal = element;
      element.addEventListener('statuschange', (event) => this.#onTerminalStatus((event as CustomEvent<TerminalStatus>).detail));
    }
    this.#set({ phase: 'ready', summary, error: undefined });
    element.connect(api.terminalUrl(session));
  }

  #onTerminalStatus(status: TerminalStatus): void {
    this.#set({ terminal: status });
    const session = this.#session;
    if (!session) return;
    // The server closed with "session ended", or reconnecting keeps failing: ask whether the session lives.
    if (status.state === 'session-ended' || (status.state === 'reconnecting' && status.attempt === 3)) {
      const generation = this.#generation;
      void api.getSession(session).then(
        (summary) => {
          if (generation !== this.#generation) return;
          if (summary.state !== 'ready') {
            this.#terminal?.disconnect();
            this.#apply(summary);
          }
        },
        (error) => {
          if (generation !== this.#generation) return;
          if (error instanceof ApiError && GONE.has(error.status)) this.#sessionLost();
        },
      );
    }
  }

  #fail(error: unknown, canRecreate: boolean): void {
    const body: ErrorBody =
      error instanceof ApiError
        ? { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }
        : { code: 'E_UNEXPECTED', message: error instanceof Error ? error.message : String(error), hint: 'Reload the page and try again.' };
    this.#closeEvents();
    this.#set({ phase: 'failed', error: body, canRecreate: canRecreate && this.#session !== undefined });
  }

  #closeEvents(): void {
    this.#events?.close();
    this.#events = undefined;
  }

  #forget(): void {
    this.#session = undefined;
    store.setSession(this.lesson, undefined);
  }
}

let controller: LabController | undefined;

/**
 * The page's lab controller: one lesson per page, read from the lab panel (<kubelab-lab data-lesson
 * data-profile>). Undefined on pages without a lab.
 */
export function labController(): LabController | undefined {
  if (controller) return controller;
  const host = document.querySelector<HTMLElement>('kubelab-lab');
  const lesson = host?.dataset['lesson'];
  if (!lesson) return undefined;
  controller = new LabController(lesson, host.dataset['profile'] === 'multi' ? 'multi' : 'single');
  return controller;
}
