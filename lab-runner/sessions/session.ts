import type { FastifyBaseLogger } from 'fastify';
import type { Cluster } from '../providers/provider.ts';
import { KubelabError } from '@kubelab/kit/errors';
import type { ErrorDetail, Lifetime, SessionNode, SessionState, SessionSummary, Step } from '../schemas/api.ts';
import type { SessionRow, Store } from '../store/store.ts';
import { commandFromShell, type NotebookRepository } from '../store/notebook.ts';
import type { ShellCommand } from '../notebook/shell-marks.ts';
import { nodesOf, type Environment } from './environment.ts';
import { errors, type BusyWork } from './errors.ts';
import { describeLifetime, expiryReason, inWarning, LIFETIME, type Clock, type LabTimes, type LifetimePolicy } from './lifetime.ts';
import type { LabLesson } from './manager.ts';
import { StepList } from './steps.ts';

export type SessionEvent =
  | { type: 'step'; step: Step }
  | { type: 'ready'; summary: SessionSummary }
  | { type: 'failed'; error: ErrorDetail }
  /** The lab entered the warning window before its time limit. */
  | { type: 'expiring'; lifetime: Lifetime }
  /** The lab ended (its time limit, idleness, the host, or the learner): close the stream. */
  | { type: 'ended'; error: ErrorDetail | undefined }
  /** The server is shutting down: close the stream (the client reconnects). */
  | { type: 'shutdown' };

export interface SessionDeps {
  store: Store;
  /** A new Environment for a cluster (the provider and the log are the manager's), telling `onCommand` each terminal command. */
  environment(cluster: string, onCommand?: (command: ShellCommand) => void): Environment;
  /** Where the journal goes; no journal without it (tests of other things). */
  notebook?: NotebookRepository | undefined;
  log: FastifyBaseLogger;
  /** The server's time limit and idle timeout. */
  policy: LifetimePolicy;
  clock: Clock;
}

const ERROR_DETAIL = (error: KubelabError): ErrorDetail => ({ code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) });

/**
 * One learner's lab, live or ended: its row in the store plus what exists only in memory (the environment,
 * provisioning work, steps, event subscribers). It owns its state: every transition goes through a mark…()
 * method, which writes the store and tells the subscribers, and readers only read.
 *
 *   provisioning ──markReady──▶ ready ──beginProvisioning (Recreate)──▶ provisioning
 *        └──markFailed──▶ failed ──beginProvisioning──▶ provisioning          any ──end──▶ ended
 */
export class Session {
  readonly id: string;
  readonly tokenHash: string;
  readonly lessonSlug: string;
  /** Undefined when the lesson has been removed from the course since the session started. */
  readonly lesson: LabLesson | undefined;
  readonly profile: SessionRow['profile'];
  readonly createdAt: string;
  /** Whose lab it is ('local' on a learner's own machine): whose journal its commands, cells and checks go to. */
  readonly learner: string;
  readonly #deps: SessionDeps;
  /** The exercise the learner has open in the page: what the journal files the next commands under. */
  #focus: string | undefined;
  #state: SessionState;
  #cluster: string;
  #error: ErrorDetail | undefined;
  #nodes: SessionNode[];
  #environment: Environment | undefined;
  #steps: StepList = new StepList();
  readonly #subscribers = new Set<(event: SessionEvent) => void>();
  #work: { controller: AbortController; done: Promise<void> } | undefined;
  #ending: Promise<void> | undefined;
  #busy: BusyWork | undefined;
  #lastActivity: number;
  #activityWritten: number;
  #extensions: number;
  #warned = false;

  constructor(row: SessionRow, lesson: LabLesson | undefined, deps: SessionDeps) {
    this.id = row.id;
    this.tokenHash = row.tokenHash;
    this.lessonSlug = row.lesson;
    this.lesson = lesson;
    this.profile = row.profile;
    this.createdAt = row.createdAt;
    this.learner = row.learner ?? 'local';
    this.#deps = deps;
    this.#state = row.state;
    this.#cluster = row.cluster;
    this.#error = row.error;
    this.#nodes = row.nodes;
    this.#lastActivity = Date.parse(row.lastActivityAt ?? row.createdAt);
    this.#activityWritten = this.#lastActivity;
    this.#extensions = row.extensions ?? 0;
    // A ready row (restored after a restart) has a cluster to use; its toolbox is started again on first use.
    if (row.state === 'ready') this.#environment = this.#newEnvironment(row.cluster);
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The cluster the session holds, or is being given. */
  get cluster(): string {
    return this.#cluster;
  }

  get error(): ErrorDetail | undefined {
    return this.#error;
  }

  get environment(): Environment | undefined {
    return this.#environment;
  }

  get steps(): StepList {
    return this.#steps;
  }

  /** The state a request sees: a session being ended is already ended to everyone but end() itself. */
  get #visibleState(): SessionState {
    return this.#ending ? 'ended' : this.#state;
  }

  /** A session's clock: when it started, when its learner last did something, how often it was extended. */
  get times(): LabTimes {
    return { createdAt: Date.parse(this.createdAt), lastActivityAt: this.#lastActivity, extensions: this.#extensions };
  }

  /** Why a session is refused work: not ready (E_SESSION_NOT_READY), or ended by its time limit (E_SESSION_EXPIRED). */
  #notReady(state: SessionState): KubelabError {
    if (state === 'ended' && this.#error?.code === 'E_SESSION_EXPIRED') {
      return new KubelabError('E_SESSION_EXPIRED', this.#error.message, this.#error.hint ? { hint: this.#error.hint } : {});
    }
    // The reaper fails a ready session whose cluster it finds gone: it did start, and Recreate is the way on.
    if (state === 'failed' && this.#error?.code === 'E_CLUSTER_GONE') return errors.clusterGone(this.id);
    return errors.notReady(this.id, state);
  }

  /**
   * The environment of a ready session. With `expected`, also that it is still that one: work begun on an
   * environment must not land on its successor (Recreate) or on an ended session.
   */
  requireEnvironment(expected?: Environment): Environment {
    const state = this.#visibleState;
    if (state !== 'ready' || !this.#environment) throw this.#notReady(state);
    if (expected && this.#environment !== expected) throw this.#notReady(state);
    return this.#environment;
  }

  /** Recreate needs a session that is neither starting nor over. */
  requireRecreatable(): void {
    const state = this.#visibleState;
    if (state === 'provisioning' || state === 'ended') throw this.#notReady(state);
  }

  // ── Lifetime ─────────────────────────────────────────────────────────────────────────────────────────────

  /** When the learner last typed in the terminal or used the API (ms since the epoch). */
  get lastActivity(): number {
    return this.#lastActivity;
  }

  get extensions(): number {
    return this.#extensions;
  }

  /**
   * The learner did something (terminal input, an API request): the idle timeout starts again. Written to the
   * store at most once a minute, so a restart loses at most that much of it.
   */
  touch(): void {
    if (this.#visibleState === 'ended') return;
    const at = this.#deps.clock();
    if (at <= this.#lastActivity) return;
    this.#lastActivity = at;
    if (at - this.#activityWritten < LIFETIME.persistActivityEveryMs) return;
    this.#activityWritten = at;
    this.#deps.store.updateSession(this.id, { lastActivityAt: new Date(at).toISOString() });
  }

  /** The lab's time limit and idle timeout as they stand; undefined on a server that bounds neither. */
  lifetime(): Lifetime | undefined {
    return describeLifetime(this.#deps.policy, this.times, this.#deps.clock());
  }

  /** Adds one extension to the time limit; refused without a limit, past the last extension, or once ended. */
  extend(): Lifetime {
    const policy = this.#deps.policy;
    if (this.#visibleState === 'ended') throw errors.cannotExtend('ended');
    if (policy.ttlMs === 0) throw errors.cannotExtend('unbounded');
    if (this.#extensions >= policy.maxExtensions) throw errors.cannotExtend('used', policy.maxExtensions);
    this.#extensions++;
    this.#warned = inWarning(policy, this.times, this.#deps.clock());
    this.#deps.store.updateSession(this.id, { extensions: this.#extensions });
    this.#deps.log.info({ session: this.id, extensions: this.#extensions }, 'session extended');
    return this.lifetime()!;
  }

  /** Why the session is over by now (its time limit, or idleness), if it is. */
  expiry(): 'ttl' | 'idle' | undefined {
    if (this.#visibleState === 'ended') return undefined;
    return expiryReason(this.#deps.policy, this.times, this.#deps.clock());
  }

  /** Tells the subscribers once that the warning window has begun; true when it did so now. */
  warnIfExpiring(): boolean {
    if (this.#warned || this.#visibleState === 'ended' || !inWarning(this.#deps.policy, this.times, this.#deps.clock())) return false;
    this.#warned = true;
    this.#publish({ type: 'expiring', lifetime: this.lifetime()! });
    return true;
  }

  summary(): SessionSummary {
    const lifetime = this.#state === 'ended' ? undefined : this.lifetime();
    const results = Object.fromEntries(
      Object.entries(this.#deps.store.latestChecks(this.id)).map(([exercise, { passed, criteria, durationMs }]) => [
        exercise,
        { exercise, passed, criteria, durationMs },
      ]),
    );
    return {
      id: this.id,
      lesson: this.lessonSlug,
      state: this.#state,
      profile: this.profile,
      nodes: this.#nodes,
      steps: this.#steps.snapshot(),
      results,
      ...(this.#error ? { error: this.#error } : {}),
      ...(lifetime ? { lifetime } : {}),
    };
  }

  // ── Events ───────────────────────────────────────────────────────────────────────────────────────────────

  /** Calls `listener` with every later event of the session; returns the unsubscribe function. */
  subscribe(listener: (event: SessionEvent) => void): () => void {
    this.#subscribers.add(listener);
    return () => this.#subscribers.delete(listener);
  }

  #publish(event: SessionEvent): void {
    for (const listener of [...this.#subscribers]) {
      try {
        listener(event);
      } catch (error) {
        this.#deps.log.warn({ err: error, session: this.id }, 'an event listener failed');
      }
    }
  }

  // ── The journal ─────────────────────────────────────────────────────────────────────────────────────────────

  #newEnvironment(cluster: string): Environment {
    return this.#deps.environment(cluster, this.#deps.notebook ? (command) => this.#recordCommand(command) : undefined);
  }

  /** The exercise the learner has open (the page says so as they move through it); undefined: none. */
  get focus(): string | undefined {
    return this.#focus;
  }

  focusOn(exercise: string | undefined): void {
    this.#focus = exercise;
  }

  /** Notebook cells running now (they do not take the session's one-at-a-time slot: a cell is like a typed command). */
  cellsRunning = 0;

  #recordCommand(command: ShellCommand): void {
    const notebook = this.#deps.notebook;
    if (!notebook) return;
    notebook
      .addCommand(this.learner, this.lessonSlug, this.id, commandFromShell(command, this.#focus))
      .catch((error: unknown) => this.#deps.log.warn({ err: error, session: this.id }, 'could not record a terminal command in the journal'));
  }

  // ── Transitions ──────────────────────────────────────────────────────────────────────────────────────────

  /** Provisioning starts (again) toward `cluster`: the old environment goes, and the steps start afresh. */
  beginProvisioning(cluster: string): StepList {
    this.#dropEnvironment();
    this.#state = 'provisioning';
    this.#cluster = cluster;
    this.#error = undefined;
    this.#nodes = [];
    this.#steps = new StepList((step) => this.#publish({ type: 'step', step }));
    this.#deps.store.updateSession(this.id, { state: 'provisioning', cluster, nodes: [], error: null });
    return this.#steps;
  }

  /** Provisioning has a cluster (made for the session, or taken from the pool): from now on it is the session's. */
  useCluster(cluster: Cluster): Environment {
    this.#dropEnvironment();
    this.#cluster = cluster.name;
    this.#nodes = nodesOf(cluster);
    this.#environment = this.#newEnvironment(cluster.name);
    this.#deps.store.updateSession(this.id, { cluster: cluster.name, nodes: this.#nodes });
    return this.#environment;
  }

  markReady(): void {
    this.#state = 'ready';
    this.#deps.store.updateSession(this.id, { state: 'ready', readyAt: this.#now(), error: null });
    this.#deps.log.info({ session: this.id, cluster: this.#cluster }, 'session ready');
    this.#publish({ type: 'ready', summary: this.summary() });
  }

  /** Provisioning failed; the lab's cluster has been deleted, so it has no nodes either. */
  markFailed(error: ErrorDetail): void {
    this.#dropEnvironment();
    this.#state = 'failed';
    this.#error = error;
    this.#nodes = [];
    this.#deps.store.updateSession(this.id, { state: 'failed', error, nodes: [] });
    this.#publish({ type: 'failed', error });
  }

  /** An ended session (also one that could not be restored after a restart, or that expired, with why). */
  markEnded(error?: ErrorDetail): void {
    this.#dropEnvironment();
    this.#state = 'ended';
    if (error) this.#error = error;
    this.#deps.store.updateSession(this.id, { state: 'ended', endedAt: this.#now(), ...(error ? { error } : {}) });
    this.#publish({ type: 'ended', error });
  }

  #now(): string {
    return new Date(this.#deps.clock()).toISOString();
  }

  /**
   * The cluster of `env` turned out to be gone: its terminal and caches go, and work that was under way on it
   * no longer lands. The session stays ready on a fresh environment of the same name, so every request answers
   * E_CLUSTER_GONE until the learner recreates it.
   */
  environmentLost(env: Environment): void {
    if (this.#environment !== env) return;
    env.dispose();
    this.#environment = env.fresh();
  }

  #dropEnvironment(): void {
    this.#environment?.dispose();
    this.#environment = undefined;
  }

  /**
   * Runs `work` as the session's one check, exercise reset or recreate: while it runs, another is refused with
   * E_SESSION_BUSY (not queued), so one learner cannot pile up processes on the host.
   */
  async exclusive<T>(what: BusyWork, work: () => T | Promise<T>): Promise<T> {
    if (this.#busy) throw errors.busy(this.#busy);
    this.#busy = what;
    try {
      return await work();
    } finally {
      this.#busy = undefined;
    }
  }

  // ── Work and ending ──────────────────────────────────────────────────────────────────────────────────────

  /** Runs provisioning in the background; end() and shutdown() abort it and wait for it. */
  provision(work: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    const done = work(controller.signal).finally(() => {
      if (this.#work?.controller === controller) this.#work = undefined;
    });
    this.#work = { controller, done };
  }

  /**
   * Ends the session: stops provisioning, drops the environment, then `remove`s the cluster. `why`: the session
   * did not end at its learner's request (E_SESSION_EXPIRED), shown to the learner from then on.
   */
  end(remove: (cluster: string) => Promise<void>, why?: KubelabError): Promise<void> {
    if (this.#state === 'ended') return Promise.resolve();
    this.#ending ??= (async () => {
      await this.#stopWork();
      this.#dropEnvironment();
      try {
        await remove(this.#cluster);
      } catch (error) {
        this.#ending = undefined;
        throw error;
      }
      this.markEnded(why ? ERROR_DETAIL(why) : undefined);
      this.#deps.log.info({ session: this.id, cluster: this.#cluster, ...(why ? { reason: why.message } : {}) }, 'session ended');
    })();
    return this.#ending;
  }

  /**
   * The server is closing: provisioning stops (the provider removes half-made clusters), the terminal closes and
   * event streams end. The cluster of a ready session is kept for the next start.
   */
  async shutdown(): Promise<void> {
    await this.#stopWork();
    await this.#ending?.catch(() => {});
    this.#environment?.dispose();
    this.#publish({ type: 'shutdown' });
  }

  async #stopWork(): Promise<void> {
    const work = this.#work;
    work?.controller.abort();
    await work?.done;
  }
}
