import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type RunResult } from '../../scripts/lib/exec.ts';
import { wrapError } from '../../scripts/lib/errors.ts';
import { toolsBinDir } from '../../scripts/setup/tools.ts';

/**
 * Runs an exercise's setup, cleanup, solution or near-miss script against one cluster: bash with -euo pipefail,
 * the pinned kubectl and helm first on PATH, and KUBECONFIG pointing at a private copy of that cluster's
 * kubeconfig (never the user's own).
 */
export async function runExerciseScript(
  what: string,
  script: string,
  kubeconfig: string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-script-'));
  try {
    const path = join(dir, 'kubeconfig');
    await writeFile(path, kubeconfig, { mode: 0o600 });
    const signals = [AbortSignal.timeout(options.timeoutMs ?? 180_000), ...(options.signal ? [options.signal] : [])];
    return await run(['bash', '-euo', 'pipefail', '-c', script], {
      cwd: dir,
      env: { ...process.env, KUBECONFIG: path, PATH: `${toolsBinDir()}:${process.env.PATH ?? ''}` },
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    throw wrapError(`the ${what} script failed`, error, 'E_SCRIPT_FAILED');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
