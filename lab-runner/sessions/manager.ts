import type { FastifyBaseLogger } from 'fastify';
import { findLesson, loadLessons, type CatalogLesson } from '@kubelab/labs/catalog';
import { KubelabError } from '@kubelab/kit/errors';
import type { ServerProfile } from '../config.ts';
import type { Cluster, ClusterProvider } from '../providers/provider.ts';
import type { NodeViewId, NodeViewOutput } from '../providers/node-views.ts';
import type { AdminSession, ErrorDetail, Lifetime } from '../schemas/api.ts';
import type { SessionRow, Store } from '../store/store.ts';
import type { NotebookRepository } from '../store/notebook.ts';
import type { CellEntry, CheckResult } from '../schemas/api.ts';
import type { TerminalSession } from '../terminal/bridge.ts';
import { ClusterProbe, Environment, nodesOf } from './environment.ts';
import { errors } from './errors.ts';
import { Exercises } from './exercises.ts';
import { expiresAt, idleEndsAt, lifetimePolicy, systemClock, type Clock, type LifetimePolicy } from './lifetime.ts';
import { hashToken, newClusterName, newSessionId, newToken, tokenMatches } from './ids.ts';
import type { WarmPool } from './pool.ts';
import { provision } from './provision.ts';
import { Session } from './session.ts';

/** A notebook cell's bounds: its output, its time, and how many run at once per session. */
export const CELL_LIMITS = { maxBytes: 64 * 1024, timeoutMs: 60_000, perSession: 2 } as const;

/** What the lab-runner needs of a lesson (the catalog's CatalogLesson, which has more, is one). */
export type LabLesson = Pick<CatalogLesson, 'slug' | 'profile' | 'exercises'> & {
  page: Pick<CatalogLesson['page'], 'title'> & Partial<Pick<CatalogLesson['page'], 'nodeAccess' | 'addons'>>;
};

/** Whether a server of this profile starts labs for the lesson: not one that needs node access, in a workshop. */
export const startsLabsFor = (profile: ServerProfile, lesson: LabLesson): boolean => !(profile === 'workshop' && lesson.page.nodeAccess === true);

/** Where sessions find their lessons: the course under labs/lessons, or a test's own. */
export interface Lessons {
  /** In course order. */
  all(): Promise<LabLesson[]>;
  find(slug: string): Promise<LabLesson | undefined>;
}

export const courseLessons: Lessons = { all: loadLessons, find: findLesson };

export interface SessionManagerOptions {
  store: Store;
  provider: ClusterProvider;
  pool: WarmPool;
  maxSessions: number;
  log: FastifyBaseLogger;
  lessons?: Lessons;
  /** Who the server is for: a workshop refuses lessons that need node access. Self-paced if not given. */
  serverProfile?: ServerProfile;
  /** The time limit and idle timeout (config.sessionTtlMinutes, config.idleMinutes); none if not given. */
  limits?: { sessionTtlMinutes: number; idleMinutes: number };
  /** The clock lifetimes are measured with (tests give their own). */
  clock?: Clock;
  /** The learners' journals: each session's terminal commands, cells and checks go there. None if not given. */
  notebook?: NotebookRepository;
}

/** What one pass of the reaper did (for the log and the tests). */
export interface ReapReport {
  /** Sessions ended by their time limit, idleness or both: id → why. */
  expired: Record<string, 'ttl' | 'idle'>;
  /** Sessions that entered their warning window. */
  warned: string[];
  /** Ready sessions whose cluster was gone (deleted behind the lab server's back): now failed, their slot free. */
  clusterGone: string[];
}

/**
 * Learner sessions: each holds one cluster (with its toolbox and terminal) for one lesson. Rows live in the
 * store; sessions in use are kept here. One session never reaches another's cluster, terminal or results: every
 * entry point starts from a session that `authenticate` returned for that session's own token.
 */
export class SessionManager {
  readonly maxSessions: number;
  readonly exercises: Exercises;
  readonly #store: Store;
  readonly #provider: ClusterProvider;
  readonly #pool: WarmPool;
  readonly #log: FastifyBaseLogger;
  readonly #lessons: Lessons;
  readonly #sessions = new Map<string, Session>();
  readonly serverProfile: ServerProfile;
  readonly policy: LifetimePolicy;
  readonly #clock: Clock;
  readonly notebook: NotebookRepository | undefined;
  #reaping: Promise<ReapReport> | undefined;

  constructor(options: SessionManagerOptions) {
    this.#store = options.store;
    this.#provider = options.provider;
    this.#pool = options.pool;
    this.maxSessions = options.maxSessions;
    this.#log = options.log;
    this.#lessons = options.lessons ?? courseLessons;
    this.serverProfile = options.serverProfile ?? 'self-paced';
    this.policy = lifetimePolicy(options.limits ?? { sessionTtlMinutes: 0, idleMinutes: 0 });
    this.#clock = options.clock ?? systemClock;
    this.notebook = options.notebook;
    this.exercises = new Exercises({ store: this.#store, clusters: new ClusterProbe(this.#provider), log: this.#log, notebook: this.notebook });
  }

  liveCount(): number {
    return this.#store.liveSessionCount();
  }

  /** Starts a session for `lessonSlug`: returns at once with its id and token, and provisions in the background. */
  /** Starts a lab of lesson `lessonSlug` for `learner` ('local': the one learner of a personal machine). */
  async create(lessonSlug: string, learner = 'local'): Promise<{ session: Session; token: string }> {
    const lesson = await this.#lessons.find(lessonSlug);
    if (!lesson) throw errors.unknownLesson(lessonSlug, (await this.#lessons.all()).map((l) => l.slug));
    if (!startsLabsFor(this.serverProfile, lesson)) throw errors.selfPacedOnly(lesson.slug);
    // From here to the insert nothing awaits, so two concurrent requests cannot both take the last place.
    if (this.#store.liveSessionCount() >= this.maxSessions) throw errors.capacityReached(this.maxSessions);
    const token = newToken();
    const row: SessionRow = {
      id: newSessionId(),
      tokenHash: hashToken(token),
      lesson: lesson.slug,
      cluster: newClusterName('s'),
      profile: lesson.profile,
      state: 'provisioning',
      nodes: [],
      createdAt: new Date(this.#clock()).toISOString(),
      learner,
    };
    this.#store.createSession(row);
    const session = this.#session(row, lesson);
    this.#sessions.set(session.id, session);
    this.#log.info({ session: session.id, lesson: lesson.slug }, 'session started');
    this.#provision(session, undefined);
    return { session, token };
  }

  /**
   * Recreate: a new cluster replaces the old one (its steps stream on /events again). Refused while a check or an
   * exercise reset of the session runs (E_SESSION_BUSY); once it has begun, the session is provisioning, which
   * refuses those in turn.
   */
  async recreate(session: Session, options: { restore?: boolean } = {}): Promise<{ restoring: string[] }> {
    // The exercises to restore: the learner's passes in this lesson, whichever lab they were made in.
    const restoring = options.restore && this.notebook && session.lesson ? await this.#passedExercises(session) : [];
    return session.exclusive('recreate', () => {
      session.requireRecreatable();
      if (session.state === 'failed' && this.#store.liveSessionCount() >= this.maxSessions) throw errors.capacityReached(this.maxSessions);
      this.#log.info({ session: session.id, old: session.cluster, restoring }, 'recreating the environment');
      this.#provision(session, session.cluster, restoring);
      return { restoring };
    });
  }

  async #passedExercises(session: Session): Promise<string[]> {
    const exercises = session.lesson?.exercises.map((e) => e.id) ?? [];
    const [progress] = await this.notebook!.progress(session.learner, { [session.lessonSlug]: exercises });
    return (progress?.exercises ?? []).filter((e) => e.state === 'passed' || e.state === 'passed-with-help').map((e) => e.exercise);
  }

  /**
   * Runs a notebook cell: `code` with bash in the session's toolbox (the terminal's user, kubeconfig and working
   * directory, not its interactive shell), bounded by CELL_LIMITS, and records it in the learner's journal. At most
   * CELL_LIMITS.perSession at once per session (E_SESSION_BUSY); E_CLUSTER_GONE when the cluster was deleted.
   */
  async runCell(session: Session, cell: { cell: string; code: string; exercise?: string | undefined }): Promise<CellEntry> {
    const env = session.requireEnvironment();
    if (!this.notebook) throw new KubelabError('E_INTERNAL', 'this lab server keeps no notebook');
    if (session.cellsRunning >= CELL_LIMITS.perSession) throw errors.busy('cells');
    session.cellsRunning++;
    try {
      const startedAt = new Date();
      let run;
      try {
        await env.startToolbox();
        run = await this.#provider.runInToolbox(env.cluster, cell.code, CELL_LIMITS);
      } catch (error) {
        if (error instanceof KubelabError && (error.code === 'E_CLUSTER_NOT_FOUND' || error.code === 'E_TOOLBOX_FAILED')) await this.exercises.live(session, env);
        session.requireEnvironment(env);
        throw error;
      }
      const output = run.timedOut ? `${run.output}\n[stopped after ${CELL_LIMITS.timeoutMs / 1000} s]` : run.output;
      return await this.notebook.addCell(session.learner, session.lessonSlug, session.id, {
        cell: cell.cell,
        code: cell.code,
        exitCode: run.exitCode,
        output,
        durationMs: Date.now() - startedAt.getTime(),
        truncated: run.truncated || run.timedOut,
        startedAt: startedAt.toISOString(),
        endedAt: new Date().toISOString(),
        ...(cell.exercise ? { exercise: cell.exercise } : {}),
      });
    } finally {
      session.cellsRunning--;
    }
  }

  /**
   * Runs a read-only node view (providers/node-views.ts) on a node of the session's cluster: one at a time per
   * session (E_SESSION_BUSY), like checks, so a learner cannot pile up processes on the host.
   */
  async nodeView(session: Session, node: string, view: NodeViewId): Promise<NodeViewOutput> {
    const env = session.requireEnvironment();
    return session.exclusive('view', async () => {
      try {
        return await this.#provider.nodeView(env.cluster, node, view);
      } catch (error) {
        if ((error as KubelabError).code === 'E_CLUSTER_NOT_FOUND') await this.exercises.live(session, env);
        throw error;
      }
    });
  }

  #provision(session: Session, replacing: string | undefined, restore: readonly string[] = []): void {
    const status = session.beginProvisioning(newClusterName('s'));
    const recordCheck = (result: CheckResult) => this.#store.addCheck(session.id, result);
    const context = { session, provider: this.#provider, pool: this.#pool, replacing, restore, recordCheck };
    session.provision((signal) => provision(context, status, signal, this.#log));
  }

  /**
   * Ends the session: stops provisioning, closes the terminal, deletes the cluster (and its toolbox). `why`, when
   * the learner did not ask for it (E_SESSION_EXPIRED), is what the learner is told from then on.
   */
  async end(session: Session, why?: KubelabError): Promise<void> {
    await session.end((cluster) => this.#provider.delete(cluster), why);
    this.#sessions.delete(session.id);
  }

  /** One more extension of the session's time limit (E_BAD_REQUEST without a limit or past the last one). */
  extend(session: Session): Lifetime {
    return session.extend();
  }

  // ── The host's view ──────────────────────────────────────────────────────────────────────────────────────

  /** Every session that has not ended, oldest first, as the host sees it (cluster names included). */
  async adminList(): Promise<AdminSession[]> {
    const out: AdminSession[] = [];
    for (const row of this.#store.openSessions()) {
      const session = await this.#get(row.id);
      if (!session || session.state === 'ended') continue;
      const times = session.times;
      const expires = expiresAt(this.policy, times);
      const idle = idleEndsAt(this.policy, times);
      out.push({
        id: session.id,
        lesson: session.lessonSlug,
        state: session.state,
        cluster: session.cluster,
        createdAt: session.createdAt,
        lastActivityAt: new Date(session.lastActivity).toISOString(),
        ...(expires !== undefined ? { expiresAt: new Date(expires).toISOString() } : {}),
        ...(idle !== undefined ? { idleEndsAt: new Date(idle).toISOString() } : {}),
        extensions: session.extensions,
        ...(session.error ? { error: session.error } : {}),
      });
    }
    return out;
  }

  /** The host ends a session (whatever its learner is doing): E_SESSION_NOT_FOUND for an unknown id. */
  async endByHost(id: string): Promise<void> {
    const session = await this.#get(id);
    if (!session) throw errors.sessionNotFound(id);
    if (session.state === 'ended') return;
    this.#log.info({ session: id, cluster: session.cluster }, 'the host ends a session');
    await this.end(session, errors.expired('host'));
  }

  // ── The reaper ───────────────────────────────────────────────────────────────────────────────────────────

  /**
   * One pass of the reaper (plugins/reaper.ts runs it every minute): ends the labs past their time limit or idle
   * timeout and frees their clusters (the check history is kept), tells the labs entering their warning window,
   * and reconciles ready sessions against the provider: a cluster deleted behind the lab server's back (`npx
   * kubelab cluster delete`, `docker rm`) fails its session with E_CLUSTER_GONE, which frees its slot and offers
   * the learner Recreate. Overlapping calls share one pass.
   */
  reap(): Promise<ReapReport> {
    this.#reaping ??= this.#reap().finally(() => {
      this.#reaping = undefined;
    });
    return this.#reaping;
  }

  async #reap(): Promise<ReapReport> {
    const report: ReapReport = { expired: {}, warned: [], clusterGone: [] };
    const open: Session[] = [];
    for (const row of this.#store.openSessions()) {
      const session = await this.#get(row.id);
      if (session && session.state !== 'ended') open.push(session);
    }
    const minutes = { ttl: Math.round(this.policy.ttlMs / 60_000), idle: Math.round(this.policy.idleMs / 60_000) };
    for (const session of open) {
      const why = session.expiry();
      if (why) {
        try {
          await this.end(session, errors.expired(why, minutes[why]));
          report.expired[session.id] = why;
        } catch (error) {
          this.#log.warn({ err: error, session: session.id }, 'could not end an expired session; trying again at the next pass');
        }
      } else if (session.warnIfExpiring()) {
        report.warned.push(session.id);
        this.#log.info({ session: session.id }, 'session enters its warning window');
      }
    }
    report.clusterGone = await this.#reconcile(open.filter((session) => session.state === 'ready'));
    return report;
  }

  /** Ready sessions whose cluster the provider no longer has: failed (E_CLUSTER_GONE), so their slot is free. */
  async #reconcile(ready: Session[]): Promise<string[]> {
    // What each session held before the provider was asked: one recreated meanwhile is on another cluster.
    const held = ready.map((session) => ({ session, env: session.environment })).filter(({ env }) => env !== undefined);
    if (held.length === 0) return [];
    let names: Set<string>;
    try {
      names = new Set((await this.#provider.list()).map((cluster) => cluster.name));
    } catch (error) {
      this.#log.warn({ err: error }, 'cannot list clusters; the reaper reconciles at its next pass');
      return [];
    }
    const gone: string[] = [];
    for (const { session, env } of held) {
      if (names.has(env!.cluster) || session.state !== 'ready' || session.environment !== env) continue;
      this.#log.info({ session: session.id, cluster: env!.cluster }, 'the cluster of a ready session is gone; its slot is freed');
      const { code, message, hint } = errors.clusterGone(session.id);
      session.markFailed({ code, message, ...(hint ? { hint } : {}) });
      gone.push(session.id);
    }
    return gone;
  }

  /**
   * The session's terminal, created on first use. Checks first that the session is ready and its cluster still
   * exists, and (for a session restored after a restart) starts its toolbox.
   */
  async terminal(session: Session, log: FastifyBaseLogger = this.#log): Promise<TerminalSession> {
    const env = await this.exercises.live(session);
    try {
      await env.startToolbox();
    } catch (error) {
      session.requireEnvironment(env); // ended or recreated meanwhile: say that, not what it did to the toolbox
      throw error;
    }
    return session.requireEnvironment(env).terminal(log.child({ session: session.id }));
  }

  /**
   * The session `id`, if `token` is its token. Missing token → E_TOKEN_MISSING, unknown session →
   * E_SESSION_NOT_FOUND, wrong token → E_TOKEN_INVALID.
   */
  async authenticate(id: string, token: string | undefined, where: 'header' | 'query'): Promise<Session> {
    if (!token) throw errors.tokenMissing(where);
    const session = await this.#get(id);
    if (!session) throw errors.sessionNotFound(id);
    if (!tokenMatches(token, session.tokenHash)) throw errors.tokenInvalid();
    return session;
  }

  async #get(id: string): Promise<Session | undefined> {
    const known = this.#sessions.get(id);
    if (known) return known;
    if (!/^[0-9a-f]{1,64}$/.test(id)) return undefined;
    const row = this.#store.getSession(id);
    if (!row) return undefined;
    const session = this.#session(row, await this.#lessons.find(row.lesson));
    if (session.state !== 'ended') this.#sessions.set(id, session);
    return session;
  }

  #session(row: SessionRow, lesson: LabLesson | undefined): Session {
    return new Session(row, lesson, {
      store: this.#store,
      environment: (cluster, onCommand) => new Environment(cluster, this.#provider, this.#log, onCommand),
      notebook: this.notebook,
      log: this.#log,
      policy: this.policy,
      clock: this.#clock,
    });
  }

  /**
   * After a restart: sessions that were ready and whose cluster still exists come back usable; every other live
   * session is marked ended (a half-made cluster is deleted). Touches the provider only if there is something
   * to restore. The data directory's lock makes these rows this server's alone.
   */
  async restore(): Promise<void> {
    const rows = this.#store.liveSessions();
    if (rows.length === 0) return;
    let clusters: Map<string, Cluster>;
    try {
      clusters = new Map((await this.#provider.list()).map((c) => [c.name, c]));
    } catch (error) {
      this.#log.warn({ err: error }, 'cannot list clusters; sessions are restored when they are next used');
      return;
    }
    for (const row of rows) {
      const lesson = await this.#lessons.find(row.lesson);
      const cluster = clusters.get(row.cluster);
      if (row.state === 'ready' && cluster && lesson) {
        this.#sessions.set(row.id, this.#session({ ...row, nodes: nodesOf(cluster) }, lesson));
        this.#log.info({ session: row.id, cluster: row.cluster }, 'session restored');
        continue;
      }
      const hint = 'Start a new session (POST /api/sessions).';
      const error: ErrorDetail =
        row.state === 'provisioning'
          ? { code: 'E_INTERRUPTED', message: 'the lab server restarted while this lab was starting', hint }
          : !lesson
            ? { code: 'E_UNKNOWN_LESSON', message: `the lesson "${row.lesson}" is no longer on this server`, hint }
            : { code: 'E_CLUSTER_GONE', message: "the lab environment's cluster no longer exists", hint };
      this.#session(row, lesson).markEnded(error);
      this.#log.info({ session: row.id, cluster: row.cluster, reason: error.code }, 'session not restorable; marked ended');
      if (cluster) {
        await this.#provider.delete(row.cluster).catch((e: unknown) => this.#log.warn({ err: e, cluster: row.cluster }, 'could not delete a half-made cluster'));
      }
    }
  }

  /** On server shutdown: see Session.shutdown. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#sessions.values()].map((session) => session.shutdown()));
  }
}
