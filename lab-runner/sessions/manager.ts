import type { FastifyBaseLogger } from 'fastify';
import { findLesson, loadLessons, type CatalogLesson } from '@kubelab/labs/catalog';
import type { Cluster, ClusterProvider } from '../providers/provider.ts';
import type { ErrorDetail } from '../schemas/api.ts';
import type { SessionRow, Store } from '../store/store.ts';
import type { TerminalSession } from '../terminal/bridge.ts';
import { ClusterProbe, Environment, nodesOf } from './environment.ts';
import { errors } from './errors.ts';
import { Exercises } from './exercises.ts';
import { hashToken, newClusterName, newSessionId, newToken, tokenMatches } from './ids.ts';
import type { WarmPool } from './pool.ts';
import { provision } from './provision.ts';
import { Session } from './session.ts';

/** What the lab-runner needs of a lesson (the catalog's CatalogLesson, which has more, is one). */
export type LabLesson = Pick<CatalogLesson, 'slug' | 'profile' | 'exercises'> & { page: Pick<CatalogLesson['page'], 'title'> };

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

  constructor(options: SessionManagerOptions) {
    this.#store = options.store;
    this.#provider = options.provider;
    this.#pool = options.pool;
    this.maxSessions = options.maxSessions;
    this.#log = options.log;
    this.#lessons = options.lessons ?? courseLessons;
    this.exercises = new Exercises({ store: this.#store, clusters: new ClusterProbe(this.#provider), log: this.#log });
  }

  liveCount(): number {
    return this.#store.liveSessionCount();
  }

  /** Starts a session for `lessonSlug`: returns at once with its id and token, and provisions in the background. */
  async create(lessonSlug: string): Promise<{ session: Session; token: string }> {
    const lesson = await this.#lessons.find(lessonSlug);
    if (!lesson) throw errors.unknownLesson(lessonSlug, (await this.#lessons.all()).map((l) => l.slug));
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
      createdAt: new Date().toISOString(),
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
  async recreate(session: Session): Promise<void> {
    await session.exclusive('recreate', () => {
      session.requireRecreatable();
      if (session.state === 'failed' && this.#store.liveSessionCount() >= this.maxSessions) throw errors.capacityReached(this.maxSessions);
      this.#log.info({ session: session.id, old: session.cluster }, 'recreating the environment');
      this.#provision(session, session.cluster);
    });
  }

  #provision(session: Session, replacing: string | undefined): void {
    const status = session.beginProvisioning(newClusterName('s'));
    const context = { session, provider: this.#provider, pool: this.#pool, replacing };
    session.provision((signal) => provision(context, status, signal, this.#log));
  }

  /** Ends the session: stops provisioning, closes the terminal, deletes the cluster (and its toolbox). */
  async end(session: Session): Promise<void> {
    await session.end((cluster) => this.#provider.delete(cluster));
    this.#sessions.delete(session.id);
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
      environment: (cluster) => new Environment(cluster, this.#provider, this.#log),
      log: this.#log,
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
