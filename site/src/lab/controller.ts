/**
 * One lab per lesson page: the session's life from "Start lab" through provisioning to a ready terminal, and
 * what every widget on the page asks of it (Check, Reset exercise, Run). Widgets read `snapshot` and listen for
 * `change` events; the state machine itself is the pure reducer in reducer.ts.
 *
 * Each lab attempt (resume, Start lab, Recreate, End lab) has its own AbortController: opening the next attempt
 * aborts the previous one, which cancels its requests and its event stream in one place. Events of an older
 * attempt that still arrive are ignored by the reducer.
 *
 * The session ({id, token}) is kept in localStorage per lesson, so a reload reconnects to the same cluster; when
 * the server no longer knows it, it is forgotten.
 *
 * Auto-check (one exercise at a time per page) runs under the attempt too: a lab that stops being ready ends it.
 */
import {
  api,
  ApiError,
  followAutoCheck,
  followSessionEvents,
  isSessionGone,
  isSessionGoneCode,
  LabError,
  problemOf,
  type CheckResult,
  type Credentials,
  type Lifetime,
  type Profile,
  type SessionSummary,
} from './api.ts';
import { AUTO_CHECK_HIDDEN_MS, type AutoCheckEnd } from './auto-check.ts';
import { CLUSTER_GONE_CODES, expiredNotice, NOTICES, PROBLEMS, type Problem } from './messages.ts';
import { initialSnapshot, reduce, type LabEvent, type LabSnapshot } from './reducer.ts';
import { store, type StoredSession } from './store.ts';
import type { CellEntry } from '@kubelab/lab-runner/api';
import type * as TerminalModule from '../terminal/kubelab-terminal.ts';
import type { KubelabTerminal, TerminalStatus } from '../terminal/kubelab-terminal.ts';

export type { LabPhase, LabSnapshot } from './reducer.ts';
export type { AutoCheckEnd } from './auto-check.ts';

/** An auto-check the page runs: its exercise, how it ended (once it has), and the switch to turn it off. */
export interface AutoCheckRun {
  readonly exercise: string;
  readonly ended: Promise<AutoCheckEnd>;
  stop(): void;
}

let terminalModule: Promise<typeof TerminalModule> | undefined;
/** The terminal code (xterm and its addons) loads only when a lab starts. */
export function loadTerminal() {
  terminalModule ??= import('../terminal/kubelab-terminal.ts');
  return terminalModule;
}

/** One lab attempt: its number (events carry it) and the signal that cancels its work. */
interface Attempt {
  readonly id: number;
  readonly signal: AbortSignal;
  abort(): void;
}

/** How long to wait before following a dropped event stream again. */
const REFOLLOW_MS = 1000;

export class LabController extends EventTarget {
  readonly lesson: string;
  readonly profile: Profile;
  /** The lesson needs the nodes themselves: a workshop server runs no lab for it (self-paced only). */
  readonly nodeAccess: boolean;
  #snapshot: LabSnapshot = initialSnapshot;
  #session: StoredSession | undefined;
  #attempt: Attempt = { id: 0, signal: new AbortController().signal, abort() {} };
  #terminal: KubelabTerminal | undefined;
  /** The auto-check running now (one per page): aborting its controller with an AutoCheckEnd says why it ended. */
  #autoCheck: { exercise: string; controller: AbortController } | undefined;
  #hiddenTimer: ReturnType<typeof setTimeout> | undefined;
  #watchingVisibility = false;

  constructor(lesson: string, profile: Profile, nodeAccess = false) {
    super();
    this.lesson = lesson;
    this.profile = profile;
    this.nodeAccess = nodeAccess;
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

  /**
   * Picks up the session remembered for this lesson, if the server still has it. A lesson that needs node access
   * first asks the server whether it runs labs for it (a workshop does not): if not, the panel says so.
   */
  async resume(): Promise<void> {
    if (this.nodeAccess && !(await this.#startable())) {
      this.#dispatch({ type: 'unavailable', attempt: this.#attempt.id });
      return;
    }
    const stored = store.session(this.lesson);
    if (!stored) return;
    this.#session = stored;
    const attempt = this.#open();
    this.#dispatch({ type: 'resuming', attempt: attempt.id, startedAt: stored.createdAt });
    await this.#guard(attempt, async () => this.#apply(attempt, await api.session(stored, attempt.signal)), NOTICES.previousEnded);
  }

  /** Start lab: a new session and cluster for this lesson. */
  async start(): Promise<void> {
    const { phase } = this.#snapshot;
    if (phase === 'starting' || phase === 'provisioning') return;
    return this.#launch('start');
  }

  /**
   * Recreate: a new cluster for the same session (after the old one is gone or failed). `restore` replays the
   * exercises the learner passed in this lesson on it and checks them again, a provisioning step each.
   */
  recreate(options: { restore?: boolean } = {}): Promise<void> {
    return this.#session ? this.#launch('recreate', options.restore === true) : this.#launch('start');
  }

  /** Try again after a failure: recreate when there is a session, else start afresh. */
  retry(): Promise<void> {
    return this.#launch(this.#session && this.#snapshot.canRecreate ? 'recreate' : 'start');
  }

  /**
   * Extend: more time before the lab's time limit. Resolves with the new lifetime (the panel shows it); a refusal
   * (no extension left) is thrown for the panel to show, and leaves the lab as it is.
   */
  async extend(): Promise<Lifetime> {
    return this.#whileReady(async (credentials, signal) => {
      const lifetime = await api.extend(credentials, signal);
      this.#dispatch({ type: 'extended', attempt: this.#attempt.id, lifetime, at: Date.now() });
      return lifetime;
    });
  }

  /** Whether this server starts labs for the lesson (GET /api/lessons); true when it cannot tell. */
  async #startable(): Promise<boolean> {
    try {
      const lesson = (await api.lessons()).find((candidate) => candidate.slug === this.lesson);
      return lesson?.startable !== false;
    } catch {
      return true; // the server does not answer: Start lab will say so
    }
  }

  /** End lab: delete the session and its cluster. */
  async end(): Promise<void> {
    const session = this.#session;
    const attempt = this.#open();
    this.#terminal?.disconnect();
    this.#forget();
    this.#dispatch({ type: 'ended', attempt: attempt.id, notice: NOTICES.ended });
    if (!session) return;
    try {
      // Not tied to the attempt: the cluster must be deleted even if the learner starts a new lab at once.
      await api.endSession(session);
    } catch {
      /* already gone, or the server is down: nothing more to do here */
    }
  }

  /** A widget learnt that the cluster is gone (409 E_CLUSTER_GONE): offer Recreate. */
  clusterGone(error: Problem): void {
    this.#clusterGone(this.#attempt, error);
  }

  /** Types a command into the terminal and presses Enter. False when no lab is ready. */
  runCommand(command: string): boolean {
    if (!this.ready || !this.#terminal) return false;
    this.dispatchEvent(new CustomEvent('reveal'));
    return this.#terminal.runCommand(command);
  }

  /**
   * Whether typeCommand can put this command at the prompt without the shell running it: one line always can;
   * several lines only while the shell takes pastes as a whole (bracketed paste).
   */
  canTypeWithoutRunning(command: string): boolean {
    return this.ready && (this.#terminal?.canPasteWithoutRunning(command) ?? false);
  }

  /** Puts a command at the terminal's prompt, without pressing Enter, and focuses the terminal. False when no lab is ready. */
  typeCommand(command: string): boolean {
    if (!this.ready || !this.#terminal || !this.#terminal.canPasteWithoutRunning(command)) return false;
    this.dispatchEvent(new CustomEvent('reveal'));
    const typed = this.#terminal.pasteCommand(command);
    if (typed) this.#terminal.focusTerminal();
    return typed;
  }

  /** Runs a code block of the page as a notebook cell in the lab's toolbox (not in the terminal's shell). */
  runCell(cell: { cell: string; code: string; exercise?: string | undefined }): Promise<CellEntry> {
    return this.#whileReady((credentials, signal) => api.runCell(credentials, cell, signal));
  }

  /** Tells the lab which exercise the learner has open, so the terminal's next commands are filed under it. */
  async focusExercise(exercise: string | null): Promise<void> {
    const credentials = this.credentials;
    if (!credentials || !this.ready) return;
    await api.focus(credentials, exercise, this.#attempt.signal);
  }

  check(exercise: string): Promise<CheckResult> {
    return this.#whileReady((credentials, signal) => api.check(credentials, exercise, signal));
  }

  async resetExercise(exercise: string): Promise<void> {
    await this.#whileReady((credentials, signal) => api.resetExercise(credentials, exercise, signal));
  }

  /**
   * Auto-check: the exercise is checked at once and again each time the cluster changes (the server watches it),
   * each result handed to `onCheck`, until it passes. One at a time per page: turning it on for an exercise turns
   * it off for the one before. It also ends when the lab stops being ready, when the page stays hidden for
   * AUTO_CHECK_HIDDEN_MS, and when the server ends it; `ended` says why. A gone cluster or session is noticed as
   * Check notices it (the panel offers Recreate, or Start lab).
   */
  autoCheck(exercise: string, onCheck: (result: CheckResult) => void): AutoCheckRun {
    this.#autoCheck?.controller.abort({ why: 'replaced', by: exercise } satisfies AutoCheckEnd);
    const controller = new AbortController();
    const current = { exercise, controller };
    this.#autoCheck = current;
    this.#watchVisibility();
    const ended = this.#followAutoCheck(exercise, onCheck, controller.signal).finally(() => {
      if (this.#autoCheck === current) this.#autoCheck = undefined;
      this.#syncHiddenTimer();
    });
    this.#syncHiddenTimer();
    return { exercise, ended, stop: () => controller.abort({ why: 'off' } satisfies AutoCheckEnd) };
  }

  async #followAutoCheck(exercise: string, onCheck: (result: CheckResult) => void, stop: AbortSignal): Promise<AutoCheckEnd> {
    const credentials = this.credentials;
    const { phase } = this.#snapshot;
    if (!credentials || phase !== 'ready') {
      return { why: 'failed', problem: phase === 'starting' || phase === 'provisioning' || phase === 'resuming' ? PROBLEMS.stillStarting : PROBLEMS.noLab };
    }
    const attempt = this.#attempt;
    const signal = AbortSignal.any([stop, attempt.signal]);
    let failure: Problem | undefined;
    try {
      const end = await followAutoCheck(
        api,
        credentials,
        exercise,
        {
          onCheck: (result) => {
            if (!signal.aborted) onCheck(result);
          },
          onFailed: (error) => (failure = error),
        },
        { signal },
      );
      if (end === 'passed') return { why: 'passed' };
      if (end === 'failed' && failure && !signal.aborted) return { why: 'failed', problem: this.#noticeProblem(attempt, failure) };
    } catch (error) {
      // A refused stream (the cluster already gone, too many streams, the server down): as Check would say it.
      if (!signal.aborted) return { why: 'failed', problem: this.#noticeProblem(attempt, problemOf(error)) };
    }
    if (stop.aborted) return stop.reason as AutoCheckEnd;
    if (attempt.signal.aborted) return { why: 'lab-changed' };
    // The server ended the stream: its time limit, a restart, or the lab itself ended. Ask which.
    await this.#guard(attempt, async () => {
      let summary: SessionSummary;
      try {
        summary = await api.session(credentials, attempt.signal);
      } catch (error) {
        if (isSessionGone(error)) throw error;
        return; // not answering (restarting): the terminal says so, and auto-check is off either way
      }
      if (summary.state !== 'ready') await this.#apply(attempt, summary);
    });
    if (stop.aborted) return stop.reason as AutoCheckEnd;
    return this.#attempt === attempt && this.ready ? { why: 'closed' } : { why: 'lab-changed' };
  }

  /** A problem an auto-check met: a gone cluster or session is acted on as #whileReady does. The problem, as the card shows it. */
  #noticeProblem(attempt: Attempt, problem: Problem): Problem {
    if (CLUSTER_GONE_CODES.has(problem.code)) this.#clusterGone(attempt, problem);
    else if (isSessionGoneCode(problem.code)) this.#lose(attempt, problem.code === 'E_SESSION_EXPIRED' ? expiredNotice(problem) : NOTICES.sessionLost);
    return problem;
  }

  /** Ends the running auto-check, saying why. */
  #stopAutoCheck(end: AutoCheckEnd): void {
    this.#autoCheck?.controller.abort(end);
  }

  /** A page hidden for AUTO_CHECK_HIDDEN_MS turns auto-check off; coming back before then keeps it on. */
  #watchVisibility(): void {
    if (this.#watchingVisibility) return;
    this.#watchingVisibility = true;
    document.addEventListener('visibilitychange', () => this.#syncHiddenTimer());
  }

  #syncHiddenTimer(): void {
    const wanted = this.#autoCheck !== undefined && document.visibilityState === 'hidden';
    if (wanted && this.#hiddenTimer === undefined) {
      this.#hiddenTimer = setTimeout(() => {
        this.#hiddenTimer = undefined;
        this.#stopAutoCheck({ why: 'hidden' });
      }, AUTO_CHECK_HIDDEN_MS);
    } else if (!wanted && this.#hiddenTimer !== undefined) {
      clearTimeout(this.#hiddenTimer);
      this.#hiddenTimer = undefined;
    }
  }

  // ---- the sequences ----

  /** Start lab and Recreate: ask for a session (or a new cluster for this one), then follow it until ready. */
  async #launch(how: 'start' | 'recreate', restore = false): Promise<void> {
    void loadTerminal(); // fetch the terminal code while the cluster is made
    this.#terminal?.disconnect();
    const attempt = this.#open();
    this.#dispatch({ type: 'started', attempt: attempt.id, at: Date.now() });
    let session: StoredSession;
    let restoring: readonly string[];
    try {
      ({ session, restoring } = await this.#request(how, restore, attempt.signal));
    } catch (error) {
      if (attempt.signal.aborted) return;
      if (how === 'recreate' && isSessionGone(error)) {
        this.#forget();
        return this.#launch('start');
      }
      this.#dispatch({ type: 'failed', attempt: attempt.id, error: problemOf(error), canRecreate: how === 'recreate' });
      if (error instanceof ApiError && error.code === 'E_SELF_PACED_ONLY') this.#dispatch({ type: 'unavailable', attempt: attempt.id });
      return;
    }
    this.#session = session;
    store.setSession(this.lesson, session);
    this.#dispatch({ type: 'created', attempt: attempt.id, restoring });
    await this.#guard(attempt, () => this.#follow(attempt));
  }

  /** The session to follow, and the exercises a Recreate with restore replays (the server's list). */
  async #request(how: 'start' | 'recreate', restore: boolean, signal: AbortSignal): Promise<{ session: StoredSession; restoring: readonly string[] }> {
    if (how === 'recreate' && this.#session) {
      const { restoring } = await api.recreate(this.#session, restore ? { restore: true } : {}, signal);
      return { session: { ...this.#session, createdAt: Date.now() }, restoring };
    }
    const created = await api.createSession(this.lesson, signal);
    return { session: { id: created.id, token: created.token, lesson: this.lesson, profile: this.profile, createdAt: Date.now() }, restoring: [] };
  }

  /** Acts on where the session stands (after a reload, a dropped stream, or a terminal that lost its session). */
  async #apply(attempt: Attempt, summary: SessionSummary): Promise<void> {
    if (summary.state !== 'ready') this.#terminal?.disconnect();
    if (summary.state === 'ended') this.#forget();
    this.#dispatch({ type: 'summary', attempt: attempt.id, summary, at: Date.now() });
    if (summary.state === 'provisioning') await this.#follow(attempt);
    else if (summary.state === 'ready') await this.#becomeReady(attempt, summary, Date.now());
  }

  /** Follows the provisioning events (the server replays the steps so far) until the lab is ready or failed. */
  async #follow(attempt: Attempt): Promise<void> {
    const session = this.#session;
    if (!session) return;
    let ready: SessionSummary | undefined;
    let readyAt = 0;
    const end = await followSessionEvents(
      api,
      session,
      {
        onStep: (step) => this.#dispatch({ type: 'step', attempt: attempt.id, step }),
        onReady: (summary) => {
          ready = summary;
          readyAt = Date.now();
        },
        onFailed: (error) => this.#dispatch({ type: 'failed', attempt: attempt.id, error, canRecreate: true }),
      },
      { signal: attempt.signal },
    );
    if (end === 'ready' && ready) return this.#becomeReady(attempt, ready, readyAt);
    if (end === 'closed') {
      // The stream dropped (the server restarted, the network blinked): ask where things stand, then go on.
      await sleep(REFOLLOW_MS, attempt.signal);
      await this.#apply(attempt, await api.session(session, attempt.signal));
    }
  }

  /** `at`: when the summary arrived (the lab's time limit counts from there). */
  async #becomeReady(attempt: Attempt, summary: SessionSummary, at: number): Promise<void> {
    const { KubelabTerminal } = await loadTerminal();
    const session = this.#session;
    if (attempt.signal.aborted || !session) return; // the import is the one wait nothing can cancel
    const element = document.querySelector('kubelab-terminal');
    if (!(element instanceof KubelabTerminal)) return;
    if (this.#terminal !== element) {
      this.#terminal = element;
      element.addEventListener('statuschange', (event) => this.#onTerminalStatus((event as CustomEvent<TerminalStatus>).detail));
    }
    this.#dispatch({ type: 'ready', attempt: attempt.id, summary, at });
    element.connect(api.terminalUrl(session));
  }

  #onTerminalStatus(status: TerminalStatus): void {
    const attempt = this.#attempt;
    this.#dispatch({ type: 'terminal', attempt: attempt.id, status });
    const session = this.#session;
    // The server closed with "session ended", or reconnecting keeps failing: ask whether the session lives.
    if (!session || !(status.state === 'session-ended' || (status.state === 'reconnecting' && status.attempt === 3))) return;
    void this.#guard(attempt, async () => {
      let summary: SessionSummary;
      try {
        summary = await api.session(session, attempt.signal);
      } catch (error) {
        if (isSessionGone(error)) throw error;
        return; // the server is not answering: the terminal keeps reconnecting and says so
      }
      if (summary.state !== 'ready') await this.#apply(attempt, summary);
    });
  }

  /** Check and Reset exercise: only while the lab is ready, cancelled with the attempt, and a gone cluster noticed. */
  async #whileReady<T>(work: (credentials: Credentials, signal: AbortSignal) => Promise<T>): Promise<T> {
    const credentials = this.credentials;
    const { phase } = this.#snapshot;
    if (!credentials || phase !== 'ready') {
      throw new LabError(phase === 'starting' || phase === 'provisioning' || phase === 'resuming' ? PROBLEMS.stillStarting : PROBLEMS.noLab);
    }
    const attempt = this.#attempt;
    try {
      return await work(credentials, attempt.signal);
    } catch (error) {
      if (attempt.signal.aborted) throw new LabError(PROBLEMS.labChanged);
      if (error instanceof ApiError && CLUSTER_GONE_CODES.has(error.code)) this.#clusterGone(attempt, error.detail);
      else if (isSessionGone(error)) this.#lose(attempt, goneNotice(error, NOTICES.sessionLost));
      throw error;
    }
  }

  // ---- helpers ----

  /** Opens the next lab attempt, cancelling everything the previous one was doing. */
  #open(): Attempt {
    this.#attempt.abort();
    const controller = new AbortController();
    this.#attempt = { id: this.#attempt.id + 1, signal: controller.signal, abort: () => controller.abort() };
    return this.#attempt;
  }

  /**
   * Runs the rest of an attempt. Cancelled work ends quietly; a session the server forgot ends the lab with a
   * notice; any other error is shown, with Recreate when there is a session to recreate.
   */
  async #guard(attempt: Attempt, work: () => Promise<void>, notice: string = NOTICES.sessionLost): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (attempt.signal.aborted) return;
      if (isSessionGone(error)) this.#lose(attempt, goneNotice(error, notice));
      else this.#dispatch({ type: 'failed', attempt: attempt.id, error: problemOf(error), canRecreate: this.#session !== undefined });
    }
  }

  #clusterGone(attempt: Attempt, error: Problem): void {
    attempt.abort(); // the stream and terminal of a cluster that is gone have nothing more to say
    this.#terminal?.disconnect();
    this.#dispatch({ type: 'gone', attempt: attempt.id, error });
  }

  #lose(attempt: Attempt, notice: string): void {
    attempt.abort();
    this.#terminal?.disconnect();
    this.#forget();
    this.#dispatch({ type: 'lost', attempt: attempt.id, notice });
  }

  #dispatch(event: LabEvent): void {
    const next = reduce(this.#snapshot, event);
    if (next === this.#snapshot) return;
    this.#snapshot = next;
    // Auto-check needs a ready lab: whatever ended that (End lab, Recreate, a lost session) ends it too.
    if (next.phase !== 'ready') this.#stopAutoCheck({ why: 'lab-changed' });
    this.dispatchEvent(new CustomEvent('change', { detail: next }));
  }

  #forget(): void {
    this.#session = undefined;
    store.setSession(this.lesson, undefined);
  }
}

/** What the panel says once the server no longer has the session: why it ended, when the server ended it itself. */
function goneNotice(error: unknown, otherwise: string): string {
  return error instanceof ApiError && error.code === 'E_SESSION_EXPIRED' ? expiredNotice(error) : otherwise;
}

/** Waits, or stops early (throwing the abort reason) when the signal fires. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

let controller: LabController | undefined;

/**
 * The page's lab controller: one lesson per page, read from the lab panel (<kubelab-lab data-lesson
 * data-profile data-node-access>). Undefined on pages without a lab.
 */
export function labController(): LabController | undefined {
  if (controller) return controller;
  const host = document.querySelector<HTMLElement>('kubelab-lab');
  const lesson = host?.dataset['lesson'];
  if (!lesson) return undefined;
  controller = new LabController(lesson, host.dataset['profile'] === 'multi' ? 'multi' : 'single', host.dataset['nodeAccess'] === 'true');
  return controller;
}
