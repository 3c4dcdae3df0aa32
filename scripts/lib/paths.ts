import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in scripts/lib/). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/** Where a lab server keeps its state unless KUBELAB_DATA_DIR says otherwise: $XDG_DATA_HOME/kubelab. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'kubelab');
}

/** The data directory a lab server started with this environment uses. */
export const dataDirOf = (env: NodeJS.ProcessEnv = process.env): string => env.KUBELAB_DATA_DIR || defaultDataDir(env);

/**
 * The running lab server's launch token, in its data directory (0600, removed when it stops): what the link it
 * prints carries, kept where only its user can read it, so the author's dev server (`npm run dev`) can start
 * labs through it without anyone copying the token around.
 */
export const launchTokenFile = (dataDir: string): string => join(dataDir, 'launch-token');
