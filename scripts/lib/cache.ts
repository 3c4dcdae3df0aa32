import { mkdir, rename, rm, writeFile, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Where heavy artifacts live: outside the repo, shared by every clone, keyed by pinned versions.
 * KUBELAB_CACHE_DIR overrides it; otherwise $XDG_CACHE_HOME/kubelab or ~/.cache/kubelab.
 */
export function cacheDir(): string {
  const explicit = process.env.KUBELAB_CACHE_DIR;
  if (explicit) return explicit;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubelab');
}

export function cachePath(...parts: string[]): string {
  return join(cacheDir(), ...parts);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes a file so that readers see either the old content or the whole new content, never a torn file. */
export async function writeFileAtomic(path: string, data: string | Buffer, mode?: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

/**
 * Produces a directory atomically: `fill` writes into a fresh scratch directory, which is renamed into place
 * only when `fill` succeeds. An interrupted run leaves only a `.partial-*` directory, which the next run removes,
 * so a half-built artifact is never mistaken for a finished one.
 */
export async function produceDirectory(path: string, fill: (scratch: string) => Promise<void>): Promise<void> {
  const parent = dirname(path);
  await mkdir(parent, { recursive: true });
  await removeStalePartials(parent);
  const scratch = `${path}.partial-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    await fill(scratch);
    await rm(path, { recursive: true, force: true });
    await rename(scratch, path);
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

async function removeStalePartials(parent: string): Promise<void> {
  for (const entry of await readdir(parent)) {
    const match = /\.partial-(\d+)$/.exec(entry);
    if (match && !isAlive(Number(match[1]))) await rm(join(parent, entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
