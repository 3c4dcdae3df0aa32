import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { KubelabError } from '@kubelab/kit/errors';

/** What the lock file holds: who runs on this data directory, for the error a second server shows. */
export interface LockOwner {
  pid: number;
  hostname: string;
  port: number;
  startedAt: string;
  /**
   * Once it listens: the address a client on this machine reaches it at (127.0.0.1 for a server on every address),
   * for `npx kubelab session`.
   */
  address?: string;
  /** Once it listens over HTTPS: its certificate's SHA-256 fingerprint, which `npx kubelab session` pins. */
  tlsFingerprint?: string;
}

/** A lock file with no readable owner is another server still writing it, unless it is older than this. */
const UNREADABLE_GRACE_MS = 10_000;

export const lockFile = (dataDir: string): string => join(dataDir, 'lab-runner.lock');

/**
 * One lab server per data directory. The database records which sessions and warm clusters a server made, so a
 * second server on the same directory would adopt the first one's warm clusters and delete them when it stops,
 * and the first would then hand a learner a cluster that no longer exists. The lock is a file created with
 * O_EXCL; a lock whose process is gone (a crash, kill -9) is taken over.
 */
export class DataDirLock {
  readonly path: string;
  #owner: LockOwner;
  #released = false;

  private constructor(path: string, owner: LockOwner) {
    this.path = path;
    this.#owner = owner;
  }

  /** Takes the lock of `dataDir`, or throws E_SERVER_RUNNING naming the server that holds it. */
  static acquire(dataDir: string, port: number): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const path = lockFile(dataDir);
    const owner: LockOwner = { pid: process.pid, hostname: hostname(), port, startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      if (create(path, owner)) return new DataDirLock(path, owner);
      const held = read(path);
      if (held === 'gone') continue;
      if (held === 'unreadable' || !isStale(held)) throw serverRunning(dataDir, held === 'unreadable' ? undefined : held);
      takeOver(path, held);
    }
    throw serverRunning(dataDir, undefined);
  }

  get owner(): LockOwner {
    return this.#owner;
  }

  /** Records the port actually listened on (the configured one may be 0). */
  setPort(port: number): void {
    if (this.#released || port === this.#owner.port) return;
    this.#owner = { ...this.#owner, port };
    writeFileSync(this.path, JSON.stringify(this.#owner));
  }

  /** Records where the server listens, once it does: port, the address a local client uses, and its TLS fingerprint. */
  setListening(listening: { port: number; address: string; tlsFingerprint?: string | undefined }): void {
    if (this.#released) return;
    const { tlsFingerprint, ...rest } = listening;
    this.#owner = { ...this.#owner, ...rest, ...(tlsFingerprint ? { tlsFingerprint } : {}) };
    writeFileSync(this.path, JSON.stringify(this.#owner));
  }

  /** The server that holds `dataDir`'s lock, if one does and its process is alive on this machine. */
  static running(dataDir: string): LockOwner | undefined {
    const held = read(lockFile(dataDir));
    if (typeof held !== 'object' || held.pid <= 0 || isStale(held) || held.hostname !== hostname()) return undefined;
    return held;
  }

  /** Removes the lock file, if it is still ours. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const held = read(this.path);
    if (typeof held === 'object' && held.pid === this.#owner.pid && held.startedAt === this.#owner.startedAt) unlinkSync(this.path);
  }
}

function create(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

function read(path: string): LockOwner | 'gone' | 'unreadable' {
  let text: string;
  let modified: number;
  try {
    text = readFileSync(path, 'utf8');
    modified = statSync(path).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.hostname === 'string') {
      return {
        pid: owner.pid,
        hostname: owner.hostname,
        port: Number(owner.port ?? 0),
        startedAt: String(owner.startedAt ?? ''),
        ...(typeof owner.address === 'string' ? { address: owner.address } : {}),
        ...(typeof owner.tlsFingerprint === 'string' ? { tlsFingerprint: owner.tlsFingerprint } : {}),
      };
    }
  } catch {
    // fall through: half-written or not ours
  }
  // Empty or garbled: a server between creating and writing it, or the leftover of a crash at that moment.
  return Date.now() - modified > UNREADABLE_GRACE_MS ? { pid: 0, hostname: hostname(), port: 0, startedAt: '' } : 'unreadable';
}

/** Only a process on this machine can be checked; a lock from another host (a shared disk) is never stale. */
function isStale(owner: LockOwner): boolean {
  if (owner.hostname !== hostname()) return false;
  if (owner.pid <= 0) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Moves a stale lock aside, then makes sure what was moved is the stale one: a server starting at the same moment
 * may have taken it over first, and its fresh lock must go back where it was.
 */
function takeOver(path: string, stale: LockOwner): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = read(aside);
  const same = typeof moved === 'object' && moved.pid === stale.pid && moved.startedAt === stale.startedAt;
  if (!same) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone holds the lock again; theirs stays and ours is refused on the next attempt.
    }
  }
  unlinkSync(aside);
}

function serverRunning(dataDir: string, owner: LockOwner | undefined): KubelabError {
  const who = owner ? `another lab server (pid ${owner.pid}${owner.hostname !== hostname() ? ` on ${owner.hostname}` : ''}, port ${owner.port})` : 'another lab server';
  return new KubelabError('E_SERVER_RUNNING', `${who} already uses the data directory ${dataDir}`, {
    hint: `Stop that server, or give this one a data directory of its own: KUBELAB_DATA_DIR=<another directory>. Its lock is ${lockFile(dataDir)}.`,
  });
}
