import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { KubelabError } from '@kubelab/kit/errors';
import type { CheckResult, Criterion, ErrorDetail, Profile, SessionNode, SessionState } from '../schemas/api.ts';

/**
 * The lab-runner's durable state, in SQLite (node:sqlite): sessions, their check history, and the warm pool's
 * clusters, and the learners' notebooks (notebook.ts). WAL with synchronous=NORMAL: a committed write survives a crash
 * or SIGKILL of the lab-runner (it is in the WAL file when the commit returns); a power loss may lose the last
 * moments before it. FULL would fsync at every commit, and node:sqlite commits on the event loop: with ten
 * terminals ending commands at once, the journal's p95 write went from 0.5 ms to 21 ms (npm run bench:notebook),
 * a stall every learner's keystroke echo would feel.
 * Clusters themselves live in Docker; after a restart the session manager matches these rows against
 * provider.list().
 */

export interface SessionRow {
  id: string;
  tokenHash: string;
  lesson: string;
  cluster: string;
  profile: Profile;
  state: SessionState;
  error?: ErrorDetail;
  nodes: SessionNode[];
  createdAt: string;
  readyAt?: string;
  endedAt?: string;
  /** The last terminal input or API request of the learner (written at most once a minute); createdAt until then. */
  lastActivityAt?: string;
  /** How many times the learner extended the lab's time limit. */
  extensions?: number;
  /** Whose lab it is: 'local' on a learner's own machine, else the learner's id (plugins/learner.ts). */
  learner?: string;
}

export interface StoredCheck extends CheckResult {
  checkedAt: string;
}

export interface PoolRow {
  name: string;
  profile: Profile;
  state: 'creating' | 'ready';
  createdAt: string;
}

/** How many checks of one exercise a session's history keeps: the newest. */
export const maxChecksPerExercise = 50;

/** Each entry moves the schema one version forward; PRAGMA user_version records how far a database has come. */
export const migrations = [
  `CREATE TABLE sessions (
     id          TEXT PRIMARY KEY,
     token_hash  TEXT NOT NULL,
     lesson      TEXT NOT NULL,
     cluster     TEXT NOT NULL,
     profile     TEXT NOT NULL,
     state       TEXT NOT NULL CHECK (state IN ('provisioning', 'ready', 'failed', 'ended')),
     error       TEXT,
     nodes       TEXT NOT NULL DEFAULT '[]',
     created_at  TEXT NOT NULL,
     ready_at    TEXT,
     ended_at    TEXT
   );
   CREATE INDEX sessions_state ON sessions (state);
   CREATE TABLE checks (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     session_id  TEXT NOT NULL REFERENCES sessions (id),
     exercise    TEXT NOT NULL,
     passed      INTEGER NOT NULL,
     criteria    TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     checked_at  TEXT NOT NULL
   );
   CREATE INDEX checks_session ON checks (session_id, exercise, id);
   CREATE TABLE pool (
     name        TEXT PRIMARY KEY,
     profile     TEXT NOT NULL,
     state       TEXT NOT NULL CHECK (state IN ('creating', 'ready')),
     created_at  TEXT NOT NULL
   );`,
  // Session lifetime: the learner's last activity (for the idle timeout) and the extensions of the time limit.
  `ALTER TABLE sessions ADD COLUMN last_activity_at TEXT;
   ALTER TABLE sessions ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;`,
  // The lab notebook (notebook.ts): whose each session is, and the journal of everything a learner did, kept by
  // learner and lesson so it outlives sessions and clusters. `body` is the entry's JSON, by kind.
  `ALTER TABLE sessions ADD COLUMN learner TEXT NOT NULL DEFAULT 'local';
   CREATE TABLE journal (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     learner     TEXT NOT NULL,
     lesson      TEXT NOT NULL,
     exercise    TEXT,
     kind        TEXT NOT NULL CHECK (kind IN ('command', 'cell', 'check', 'note', 'solution')),
     session_id  TEXT,
     started_at  TEXT NOT NULL,
     ended_at    TEXT,
     body        TEXT NOT NULL,
     revision    INTEGER NOT NULL DEFAULT 1,
     updated_at  TEXT NOT NULL
   );
   CREATE INDEX journal_timeline ON journal (learner, lesson, id);
   CREATE INDEX journal_exercises ON journal (learner, lesson, exercise, kind);`,
];

/** The schema version this Kubelab writes (a database at an older one is migrated when opened). */
export const schemaVersion = migrations.length;

interface RawSession {
  id: string;
  token_hash: string;
  lesson: string;
  cluster: string;
  profile: string;
  state: string;
  error: string | null;
  nodes: string;
  created_at: string;
  ready_at: string | null;
  ended_at: string | null;
  last_activity_at: string | null;
  extensions: number;
  learner: string;
}

interface RawCheck {
  exercise: string;
  passed: number;
  criteria: string;
  duration_ms: number;
  checked_at: string;
}

function toSession(raw: RawSession): SessionRow {
  return {
    id: raw.id,
    tokenHash: raw.token_hash,
    lesson: raw.lesson,
    cluster: raw.cluster,
    profile: raw.profile === 'multi' ? 'multi' : 'single',
    state: raw.state as SessionState,
    ...(raw.error ? { error: JSON.parse(raw.error) as ErrorDetail } : {}),
    nodes: JSON.parse(raw.nodes) as SessionNode[],
    createdAt: raw.created_at,
    ...(raw.ready_at ? { readyAt: raw.ready_at } : {}),
    ...(raw.ended_at ? { endedAt: raw.ended_at } : {}),
    ...(raw.last_activity_at ? { lastActivityAt: raw.last_activity_at } : {}),
    ...(raw.extensions ? { extensions: raw.extensions } : {}),
    learner: raw.learner,
  };
}

function toCheck(raw: RawCheck): StoredCheck {
  return {
    exercise: raw.exercise,
    passed: raw.passed === 1,
    criteria: JSON.parse(raw.criteria) as Criterion[],
    durationMs: raw.duration_ms,
    checkedAt: raw.checked_at,
  };
}

/** What went wrong opening the database at `path`, in words that say what to do; the file is left as it is. */
export function databaseError(path: string, cause: unknown): KubelabError {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (/locked|busy/i.test(message)) {
    return new KubelabError('E_DATABASE', `the database ${path} is locked by another process`, {
      hint: 'Another program holds it open for writing (a second lab server, or an sqlite3 shell): close it, or give this server its own KUBELAB_DATA_DIR.',
      cause,
    });
  }
  return new KubelabError('E_DATABASE', `the database ${path} cannot be read (${message})`, {
    hint: `It is damaged or is not a Kubelab database. Kubelab does not reset it: move it aside (mv ${path} ${path}.broken) to start with an empty one, or restore it from a backup.`,
    cause,
  });
}

export class Store {
  readonly path: string;
  private readonly db!: DatabaseSync;

  /**
   * Opens (creating if needed) the database at `path`; ':memory:' gives a throwaway one. A file that is not a
   * database, is damaged, or stays locked by another process is an E_DATABASE error naming the file: never reset.
   */
  constructor(path: string, options: { busyTimeoutMs?: number } = {}) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new DatabaseSync(path);
      this.db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;`);
      const [check] = this.db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
      if (check?.quick_check !== 'ok') throw new Error(`integrity check: ${check?.quick_check ?? 'no answer'}`);
      this.migrate();
    } catch (error) {
      if (this.db?.isOpen) this.db.close();
      if (error instanceof KubelabError) throw error;
      throw databaseError(path, error);
    }
  }

  /** The connection, for the repositories that share this database (notebook.ts). */
  get database(): DatabaseSync {
    return this.db;
  }

  private migrate(): void {
    const { user_version: version } = this.db.prepare('PRAGMA user_version').get() as { user_version: number };
    if (version > migrations.length) {
      throw new KubelabError('E_DATABASE', `the database ${this.path} was written by a newer Kubelab (schema ${version}, this one knows ${migrations.length})`, {
        hint: 'Run the newer Kubelab, or give this one a data directory of its own (KUBELAB_DATA_DIR).',
      });
    }
    for (let next = version; next < migrations.length; next++) {
      this.transaction(() => {
        this.db.exec(migrations[next]!);
        this.db.exec(`PRAGMA user_version = ${next + 1}`);
      });
    }
  }

  transaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  createSession(row: SessionRow): void {
    this.db
      .prepare(
        `INSERT INTO sessions (id, token_hash, lesson, cluster, profile, state, error, nodes, created_at, ready_at, ended_at, last_activity_at, extensions, learner)
         VALUES (:id, :tokenHash, :lesson, :cluster, :profile, :state, :error, :nodes, :createdAt, :readyAt, :endedAt, :lastActivityAt, :extensions, :learner)`,
      )
      .run({
        id: row.id,
        tokenHash: row.tokenHash,
        lesson: row.lesson,
        cluster: row.cluster,
        profile: row.profile,
        state: row.state,
        error: row.error ? JSON.stringify(row.error) : null,
        nodes: JSON.stringify(row.nodes),
        createdAt: row.createdAt,
        readyAt: row.readyAt ?? null,
        endedAt: row.endedAt ?? null,
        lastActivityAt: row.lastActivityAt ?? null,
        extensions: row.extensions ?? 0,
        learner: row.learner ?? 'local',
      });
  }

  getSession(id: string): SessionRow | undefined {
    const raw = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as RawSession | undefined;
    return raw ? toSession(raw) : undefined;
  }

  /** Updates the given fields; `error: null` clears a stored error. */
  updateSession(
    id: string,
    patch: Partial<Pick<SessionRow, 'cluster' | 'state' | 'nodes' | 'readyAt' | 'endedAt' | 'lastActivityAt' | 'extensions'>> & { error?: ErrorDetail | null },
  ): void {
    const columns: Record<string, string | number | null> = {};
    if (patch.cluster !== undefined) columns.cluster = patch.cluster;
    if (patch.state !== undefined) columns.state = patch.state;
    if (patch.nodes !== undefined) columns.nodes = JSON.stringify(patch.nodes);
    if (patch.readyAt !== undefined) columns.ready_at = patch.readyAt;
    if (patch.endedAt !== undefined) columns.ended_at = patch.endedAt;
    if (patch.error !== undefined) columns.error = patch.error ? JSON.stringify(patch.error) : null;
    if (patch.lastActivityAt !== undefined) columns.last_activity_at = patch.lastActivityAt;
    if (patch.extensions !== undefined) columns.extensions = patch.extensions;
    const names = Object.keys(columns);
    if (names.length === 0) return;
    this.db.prepare(`UPDATE sessions SET ${names.map((n) => `${n} = :${n}`).join(', ')} WHERE id = :id`).run({ ...columns, id });
  }

  /** Sessions that hold (or are getting) a cluster: what capacity counts. */
  liveSessions(): SessionRow[] {
    return (this.db.prepare(`SELECT * FROM sessions WHERE state IN ('provisioning', 'ready') ORDER BY created_at`).all() as unknown as RawSession[]).map(toSession);
  }

  /** Sessions that have not ended (live, or failed and waiting for Recreate), oldest first: what the host lists. */
  openSessions(): SessionRow[] {
    return (this.db.prepare(`SELECT * FROM sessions WHERE state != 'ended' ORDER BY created_at`).all() as unknown as RawSession[]).map(toSession);
  }

  liveSessionCount(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM sessions WHERE state IN ('provisioning', 'ready')`).get() as { n: number }).n;
  }

  /**
   * Records a check, and drops the oldest of that session's checks of the same exercise beyond the last
   * `maxChecksPerExercise`: a learner can press Check as often as they like, and the history stays bounded.
   */
  addCheck(sessionId: string, result: CheckResult, checkedAt = new Date().toISOString()): void {
    this.transaction(() => {
      this.db
        .prepare('INSERT INTO checks (session_id, exercise, passed, criteria, duration_ms, checked_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(sessionId, result.exercise, result.passed ? 1 : 0, JSON.stringify(result.criteria), result.durationMs, checkedAt);
      this.db
        .prepare(
          `DELETE FROM checks WHERE session_id = :session AND exercise = :exercise AND id <= (
             SELECT id FROM checks WHERE session_id = :session AND exercise = :exercise ORDER BY id DESC LIMIT 1 OFFSET :keep)`,
        )
        .run({ session: sessionId, exercise: result.exercise, keep: maxChecksPerExercise });
    });
  }

  /** Every check the session ran (the last `maxChecksPerExercise` of each exercise), oldest first. */
  checks(sessionId: string): StoredCheck[] {
    return (this.db.prepare('SELECT * FROM checks WHERE session_id = ? ORDER BY id').all(sessionId) as unknown as RawCheck[]).map(toCheck);
  }

  /** The latest check of each exercise. */
  latestChecks(sessionId: string): Record<string, StoredCheck> {
    const rows = this.db
      .prepare('SELECT * FROM checks WHERE id IN (SELECT max(id) FROM checks WHERE session_id = ? GROUP BY exercise) ORDER BY id')
      .all(sessionId) as unknown as RawCheck[];
    return Object.fromEntries(rows.map((raw) => [raw.exercise, toCheck(raw)]));
  }

  putPoolCluster(row: PoolRow): void {
    this.db
      .prepare('INSERT INTO pool (name, profile, state, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET state = excluded.state')
      .run(row.name, row.profile, row.state, row.createdAt);
  }

  removePoolCluster(name: string): void {
    this.db.prepare('DELETE FROM pool WHERE name = ?').run(name);
  }

  poolClusters(): PoolRow[] {
    return (this.db.prepare('SELECT name, profile, state, created_at FROM pool ORDER BY created_at').all() as unknown as {
      name: string;
      profile: string;
      state: string;
      created_at: string;
    }[]).map((raw) => ({
      name: raw.name,
      profile: raw.profile === 'multi' ? 'multi' : 'single',
      state: raw.state === 'ready' ? 'ready' : 'creating',
      createdAt: raw.created_at,
    }));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
