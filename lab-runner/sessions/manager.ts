import type { FastifyBaseLogger } from 'fastify';
import { contextFromKubeconfig, runCheck, type CheckContext, type CheckResult } from '@kubelab/checkers';
import { findExercise, findLesson, loadLessons, type CatalogLesson } from '@kubelab/labs/catalog';
import type { Exercise } from '@kubelab/labs';
import { runExerciseScript } from '@kubelab/labs/scripts';
import { KubelabError } from '@kubelab/kit/errors';
import type { Cluster, ClusterProvider } from '../providers/provider.ts';
import type { Profile } from '@kubelab/labs/profiles';
import { TerminalSession } from '../terminal/bridge.ts';
import type { SessionRow, Store } from '../store/store.ts';
import { errors } from './errors.ts';
import type { WarmPool } from './pool.ts';
import { runStep } from '@kubelab/kit/status';
import type { ErrorDetail, SessionNode, SessionState, SessionSummary, Step } from '../schemas/api.ts';
import { StepList } from './steps.ts';
import { hashToken, newClusterName, newSessionId, newToken, tokenMatches } from './tokens.ts';

/** The session's own provisioning steps (the provider reports the cluster's), by stable id. */
export const sessionSteps = {
  removing: { id: 'remove-old', title: 'Removing the old environment' },
  warm: { id: 'take-warm', title: 'Taking a warm cluster' },
  terminal: { id: 'start-terminal', title: 'Starting terminal' },
  exercises: { id: 'prepare-exercises', title: 'Preparing exercises' },
} as const;

export type SessionEvent =
  | { type: 'step'; step: Step }
  | { type: 'ready'; summary: SessionSummary }
  | { type: 'failed'; error: ErrorDetail }
  /** The server is shutting down: close the stream (the client reconnects). */
  | { type: 'shutdown' };

/** A session as the running server knows it: its row, plus what lives only in memory. */
export interface LiveSession {
  readonly id: string;
  readonly tokenHash: string;
  readonly lessonSlug: string;
  /** Undefined when the lesson has been removed from the course since the session started. */
  readonly lesson: CatalogLesson | undefined;
  readonly profile: Profile;
  readonly createdAt: string;
  cluster: string;
  state: SessionState;
  error?: ErrorDetail;
  nodes: SessionNode[];
  steps: StepList;
  readonly subscribers: Set<(event: SessionEvent) => void>;
  /** Provisioning under way. */
  work?: { controller: AbortController; done: Promise<void> };
  ending?: Promise<void>;
  terminal?: TerminalSession;
  toolboxStarted: boolean;
  kubeconfig?: Promise<string>;
  checkContext?: CheckContext;
}

export interface SessionManagerOptions {
  store: Store;
  provider: ClusterProvider;
  pool: WarmPool;
  maxSessions: number;
  log: FastifyBaseLogger;
}

function toErrorDetail(error: unknown, fallbackHint: string): ErrorDetail {
  if (error instanceof KubelabError) {
    return { code: error.code, message: error.message, hint: error.hint ?? fallbackHint };
  }
  return { code: 'E_PROVISION_FAILED', message: error instanceof Error ? error.message : String(error), hint: fallbackHint };
}

const now = (): string => new Date().toISOString();

/**
 * Learner sessions: each holds one cluster (with its toolbox and terminal) for one lesson. Rows live in the
 * store; the in-memory side (provisioning work, steps, subscribers, terminal, check context) is rebuilt lazily.
 * One session never reaches another's cluster, terminal or results: every entry point starts from a session
 * that `authenticate` returned for that session's own token.
 */
export class SessionManager {
  readonly maxSessions: number;
  private readonly store: Store;
  private readonly provider: ClusterProvider;
  private readonly pool: WarmPool;
  private readonly log: FastifyBaseLogger;
  private readonly sessions = new Map<string, LiveSession>();
  private listing: Promise<Cluster[]> | undefined;

  constructor(options: SessionManagerOptions) {
    this.store = options.store;
    this.provider = options.provider;
    this.pool = options.pool;
    this.maxSessions = options.maxSessions;
    this.log = options.log;
  }

  liveCount(): number {
    return this.store.liveSessionCount();
  }

  // ── Lifecycle ────────────────────────────────────────────────────────────────────────────────────────────

  /** Starts a session for `lessonSlug`: returns at once with its id and token, and provisions in the background. */
  async create(lessonSlug: string): Promise<{ session: LiveSession; token: string }> {
    const lesson = await findLesson(lessonSlug);
    if (!lesson) throw errors.unknownLesson(lessonSlug, (await loadLessons()).map((l) => l.slug));
    // From here to the insert nothing awaits, so two concurrent requests cannot both take the last place.
    if (this.store.liveSessionCount() >= this.maxSessions) throw errors.capacityReached(this.maxSessions);
    const token = newToken();
    const row: SessionRow = {
      id: newSessionId(),
      tokenHash: hashToken(token),
      lesson: lesson.slug,
      cluster: newClusterName('s'),
      profile: lesson.profile,
      state: 'provisioning',
      nodes: [],
      createdAt: now(),
    };
    this.store.createSession(row);
    const session = this.fromRow(row, lesson);
    this.sessions.set(session.id, session);
    this.log.info({ session: session.id, lesson: lesson.slug, cluster: session.cluster }, 'session started');
    this.startProvisioning(session);
    return { session, token };
  }

  /** Recreates the environment: a new cluster replaces the old one (steps stream on /events again). */
  resetEnvironment(session: LiveSession): void {
    if (session.state === 'provisioning' || session.state === 'ended' || session.ending) {
      throw errors.notReady(session.id, session.ending ? 'ended' : session.state);
    }
    if (session.state === 'failed' && this.store.liveSessionCount() >= this.maxSessions) throw errors.capacityReached(this.maxSessions);
    const old = session.cluster;
    this.forgetEnvironment(session);
    session.cluster = newClusterName('s');
    session.state = 'provisioning';
    delete session.error;
    session.nodes = [];
    this.store.updateSession(session.id, { state: 'provisioning', cluster: session.cluster, nodes: [], error: null });
    this.log.info({ session: session.id, old, cluster: session.cluster }, 'recreating the environment');
    this.startProvisioning(session, old);
  }

  /** Ends the session: stops provisioning, disposes the terminal, deletes the cluster (and its toolbox). */
  end(session: LiveSession): Promise<void> {
    if (session.state === 'ended') return Promise.resolve();
    session.ending ??= (async () => {
      session.work?.controller.abort();
      await session.work?.done;
      this.forgetEnvironment(session);
      try {
        await this.provider.delete(session.cluster);
      } catch (error) {
        session.ending = undefined;
        throw error;
      }
      session.state = 'ended';
      this.store.updateSession(session.id, { state: 'ended', endedAt: now() });
      this.sessions.delete(session.id);
      this.log.info({ session: session.id, cluster: session.cluster }, 'session ended');
    })();
    return session.ending;
  }

  /** Drops what belongs to the current cluster: terminal, toolbox flag, kubeconfig and check context. */
  private forgetEnvironment(session: LiveSession): void {
    session.terminal?.dispose();
    session.terminal = undefined;
    session.toolboxStarted = false;
    session.kubeconfig = undefined;
    session.checkContext = undefined;
  }

  private startProvisioning(session: LiveSession, replacing?: string): void {
    const controller = new AbortController();
    session.steps = new StepList((step) => this.publish(session, { type: 'step', step }));
    const done = this.provision(session, controller.signal, replacing).finally(() => {
      if (session.work?.controller === controller) session.work = undefined;
    });
    session.work = { controller, done };
  }

  private async provision(session: LiveSession, signal: AbortSignal, replacing: string | undefined): Promise<void> {
    const steps = session.steps;
    let haveCluster = false;
    try {
      if (replacing) await runStep(steps, sessionSteps.removing.id, sessionSteps.removing.title, () => this.provider.delete(replacing));
      const warm = this.pool.take(session.profile);
      let cluster: Cluster;
      if (warm) {
        session.cluster = warm.name;
        this.store.updateSession(session.id, { cluster: warm.name });
        cluster = await runStep(steps, sessionSteps.warm.id, sessionSteps.warm.title, async () => warm, () => 'ready in advance, so this lab starts in seconds');
      } else {
        cluster = await this.provider.create({ name: session.cluster, profile: session.profile }, steps, signal);
      }
      haveCluster = true;
      session.nodes = cluster.nodes.map(({ name, role }) => ({ name, role }));
      this.store.updateSession(session.id, { nodes: session.nodes });
      signal.throwIfAborted();

      await runStep(steps, sessionSteps.terminal.id, sessionSteps.terminal.title, async () => {
        const { container } = await this.provider.startToolbox(cluster.name);
        session.toolboxStarted = true;
        return container;
      });
      signal.throwIfAborted();

      const exercises = session.lesson?.exercises ?? [];
      await runStep(
        steps,
        sessionSteps.exercises.id,
        sessionSteps.exercises.title,
        async (step) => {
          const kubeconfig = await this.kubeconfig(session);
          for (const exercise of exercises) {
            if (!exercise.setup) continue;
            step.progress(exercise.title);
            await runExerciseScript(`setup of exercise "${exercise.id}"`, exercise.setup, kubeconfig, { signal });
          }
        },
        () => `${exercises.length} exercise${exercises.length === 1 ? '' : 's'} ready`,
      );

      session.state = 'ready';
      this.store.updateSession(session.id, { state: 'ready', readyAt: now(), error: null });
      this.log.info({ session: session.id, cluster: session.cluster }, 'session ready');
      this.publish(session, { type: 'ready', summary: this.summary(session) });
      this.pool.fill();
    } catch (cause) {
      const error = toErrorDetail(
        signal.aborted ? new KubelabError('E_ABORTED', 'the lab environment was stopped before it was ready', { cause }) : cause,
        `Press Recreate to try again (POST /api/sessions/${session.id}/reset). If it keeps failing, run \`npx kubelab doctor\` on the lab server.`,
      );
      this.log.warn({ session: session.id, cluster: session.cluster, err: cause }, 'provisioning failed');
      // A cluster that will never be used is freed now (the provider already removed a half-made one).
      this.forgetEnvironment(session);
      const cleanup = haveCluster ? this.provider.delete(session.cluster) : undefined;
      await cleanup?.catch((e: unknown) => this.log.warn({ err: e, cluster: session.cluster }, 'could not delete the cluster of a failed session'));
      session.state = 'failed';
      session.error = error;
      this.store.updateSession(session.id, { state: 'failed', error });
      this.publish(session, { type: 'failed', error });
      this.pool.fill();
    }
  }

  // ── Lookup and auth ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * The session `id`, if `token` is its token. Missing token → E_TOKEN_MISSING, unknown session →
   * E_SESSION_NOT_FOUND, wrong token → E_TOKEN_INVALID.
   */
  async authenticate(id: string, token: string | undefined, where: 'header' | 'query'): Promise<LiveSession> {
    if (!token) throw errors.tokenMissing(where);
    const session = await this.get(id);
    if (!session) throw errors.sessionNotFound(id);
    if (!tokenMatches(token, session.tokenHash)) throw errors.tokenInvalid();
    return session;
  }

  private async get(id: string): Promise<LiveSession | undefined> {
    const live = this.sessions.get(id);
    if (live) return live;
    if (!/^[0-9a-f]{1,64}$/.test(id)) return undefined;
    const row = this.store.getSession(id);
    if (!row) return undefined;
    const session = this.fromRow(row, await findLesson(row.lesson));
    if (session.state !== 'ended') this.sessions.set(id, session);
    return session;
  }

  private fromRow(row: SessionRow, lesson: CatalogLesson | undefined): LiveSession {
    return {
      id: row.id,
      tokenHash: row.tokenHash,
      lessonSlug: row.lesson,
      lesson,
      profile: row.profile,
      createdAt: row.createdAt,
      cluster: row.cluster,
      state: row.state,
      ...(row.error ? { error: row.error } : {}),
      nodes: row.nodes,
      steps: new StepList(),
      subscribers: new Set(),
      toolboxStarted: false,
    };
  }

  summary(session: LiveSession): SessionSummary {
    const results = Object.fromEntries(
      Object.entries(this.store.latestChecks(session.id)).map(([exercise, { passed, criteria, durationMs }]) => [
        exercise,
        { exercise, passed, criteria, durationMs },
      ]),
    );
    return {
      id: session.id,
      lesson: session.lessonSlug,
      state: session.state,
      profile: session.profile,
      nodes: session.nodes,
      steps: session.steps.snapshot(),
      results,
      ...(session.error ? { error: session.error } : {}),
    };
  }

  // ── Events ───────────────────────────────────────────────────────────────────────────────────────────────

  /** Calls `listener` with every later event of the session; returns the unsubscribe function. */
  subscribe(session: LiveSession, listener: (event: SessionEvent) => void): () => void {
    session.subscribers.add(listener);
    return () => session.subscribers.delete(listener);
  }

  private publish(session: LiveSession, event: SessionEvent): void {
    for (const listener of [...session.subscribers]) {
      try {
        listener(event);
      } catch (error) {
        this.log.warn({ err: error, session: session.id }, 'an event listener failed');
      }
    }
  }

  // ── Exercises ────────────────────────────────────────────────────────────────────────────────────────────

  exercise(session: LiveSession, id: string): Exercise {
    const exercise = session.lesson ? findExercise(session.lesson, id) : undefined;
    if (!exercise) throw errors.unknownExercise(id, session.lessonSlug, session.lesson?.exercises.map((e) => e.id) ?? []);
    return exercise;
  }

  /** The session must be ready and its cluster must still exist (a learner or the host may have deleted it). */
  private async requireEnvironment(session: LiveSession): Promise<void> {
    this.requireReady(session);
    if (!(await this.clusterExists(session.cluster))) {
      this.forgetEnvironment(session);
      throw errors.clusterGone(session.id, session.cluster);
    }
  }

  private requireReady(session: LiveSession): void {
    if (session.state !== 'ready' || session.ending) throw errors.notReady(session.id, session.ending ? 'ended' : session.state);
  }

  /** Whether the cluster exists; concurrent callers share one provider.list(). */
  private async clusterExists(name: string): Promise<boolean> {
    this.listing ??= this.provider.list().finally(() => {
      this.listing = undefined;
    });
    return (await this.listing).some((cluster) => cluster.name === name);
  }

  private kubeconfig(session: LiveSession): Promise<string> {
    const cluster = session.cluster;
    if (!session.kubeconfig) {
      const pending = this.provider.kubeconfig(cluster);
      session.kubeconfig = pending;
      pending.catch(() => {
        if (session.kubeconfig === pending) session.kubeconfig = undefined;
      });
    }
    return session.kubeconfig;
  }

  /** Runs the exercise's check against the session's cluster and records the result in the check history. */
  async check(session: LiveSession, exerciseId: string): Promise<CheckResult> {
    const exercise = this.exercise(session, exerciseId);
    this.requireReady(session);
    const cluster = session.cluster;
    let kubeconfig: string;
    try {
      kubeconfig = await this.kubeconfig(session);
    } catch (error) {
      await this.requireEnvironment(session);
      throw error;
    }
    const context = (session.checkContext ??= contextFromKubeconfig(kubeconfig));
    const result = await runCheck(exercise.id, (signal) => exercise.check(context, signal), { timeoutMs: exercise.timeoutMs });
    // Asking the engine whether the cluster still exists costs more than the check itself (docker ps and
    // inspect), so it is asked only when the check could not read the cluster: the one case where it matters.
    if (result.criteria.some((criterion) => criterion.id === 'check-ran' && !criterion.passed)) await this.requireEnvironment(session);
    this.requireSameEnvironment(session, cluster);
    this.store.addCheck(session.id, result);
    this.log.info({ session: session.id, exercise: exercise.id, passed: result.passed, durationMs: result.durationMs }, 'check');
    return result;
  }

  /** Puts the cluster back to the exercise's starting state: its cleanup script, then its setup script. */
  async resetExercise(session: LiveSession, exerciseId: string): Promise<void> {
    const exercise = this.exercise(session, exerciseId);
    await this.requireEnvironment(session);
    const kubeconfig = await this.kubeconfig(session);
    await runExerciseScript(`cleanup of exercise "${exercise.id}"`, exercise.cleanup, kubeconfig);
    if (exercise.setup) await runExerciseScript(`setup of exercise "${exercise.id}"`, exercise.setup, kubeconfig);
    this.log.info({ session: session.id, exercise: exercise.id }, 'exercise reset');
  }

  /**
   * After an await, the session may have ended or moved to a new cluster (Recreate): work begun for the old
   * environment must not land on the new one.
   */
  private requireSameEnvironment(session: LiveSession, cluster: string): void {
    this.requireReady(session);
    if (session.cluster !== cluster) throw errors.notReady(session.id, session.state);
  }

  // ── Terminal ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * The session's terminal, created on first use. Checks first that the session is ready and its cluster still
   * exists, and (for a session restored after a restart) that its toolbox runs.
   */
  async terminal(session: LiveSession, log?: FastifyBaseLogger): Promise<TerminalSession> {
    const cluster = session.cluster;
    await this.requireEnvironment(session);
    this.requireSameEnvironment(session, cluster);
    if (!session.toolboxStarted) {
      await this.provider.startToolbox(cluster);
      // Ending the lab while the toolbox started removes the cluster: remove this toolbox with it.
      if (session.cluster !== cluster || session.state !== 'ready' || session.ending) {
        await this.provider.delete(cluster).catch(() => {});
        throw errors.notReady(session.id, session.ending ? 'ended' : session.state);
      }
      session.toolboxStarted = true;
    }
    if (!session.terminal || session.terminal.disposed) {
      session.terminal = new TerminalSession({
        argv: this.provider.shellArgv(session.cluster),
        log: (log ?? this.log).child({ session: session.id }),
      });
    }
    return session.terminal;
  }

  // ── Restart and shutdown ─────────────────────────────────────────────────────────────────────────────────

  /**
   * After a restart: sessions that were ready and whose cluster still exists come back usable; every other
   * live session is marked ended (a half-made cluster is deleted). Touches the provider only if there is
   * something to restore.
   */
  async restore(): Promise<void> {
    const rows = this.store.liveSessions();
    if (rows.length === 0) return;
    let clusters: Map<string, Cluster>;
    try {
      clusters = new Map((await this.provider.list()).map((c) => [c.name, c]));
    } catch (error) {
      this.log.warn({ err: error }, 'cannot list clusters; sessions are restored when they are next used');
      return;
    }
    for (const row of rows) {
      const lesson = await findLesson(row.lesson);
      const cluster = clusters.get(row.cluster);
      if (row.state === 'ready' && cluster && lesson) {
        const session = this.fromRow(row, lesson);
        session.nodes = cluster.nodes.map(({ name, role }) => ({ name, role }));
        this.sessions.set(row.id, session);
        this.log.info({ session: row.id, cluster: row.cluster }, 'session restored');
        continue;
      }
      const hint = 'Start a new lab from the lesson page.';
      const error: ErrorDetail =
        row.state === 'provisioning'
          ? { code: 'E_INTERRUPTED', message: 'the lab server restarted while this lab was starting', hint }
          : !lesson
            ? { code: 'E_UNKNOWN_LESSON', message: `the lesson "${row.lesson}" is no longer on this server`, hint }
            : { code: 'E_CLUSTER_GONE', message: `the lab environment's cluster (${row.cluster}) no longer exists`, hint };
      this.store.updateSession(row.id, { state: 'ended', endedAt: now(), error });
      this.log.info({ session: row.id, cluster: row.cluster, reason: error.code }, 'session not restorable; marked ended');
      if (cluster) {
        await this.provider.delete(row.cluster).catch((e: unknown) => this.log.warn({ err: e, cluster: row.cluster }, 'could not delete a half-made cluster'));
      }
    }
  }

  /**
   * On server shutdown: stops provisioning (the provider removes half-made clusters), disposes terminals and
   * closes event streams. Clusters of ready sessions are kept: they come back after a restart.
   */
  async close(): Promise<void> {
    const sessions = [...this.sessions.values()];
    for (const session of sessions) session.work?.controller.abort();
    await Promise.allSettled(sessions.map((s) => s.work?.done));
    await Promise.allSettled(sessions.map((s) => s.ending));
    for (const session of sessions) {
      session.terminal?.dispose();
      session.terminal = undefined;
      this.publish(session, { type: 'shutdown' });
    }
  }
}
