import { CommandError, run, type RunResult } from '@kubelab/kit/exec';
import { KubelabError } from '@kubelab/kit/errors';
import { toolsBinDir } from '@kubelab/kit/artifacts';
import { withKubeconfigFile } from '@kubelab/kit/kubeconfig';

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
  try {
    return await withKubeconfigFile(kubeconfig, (path, dir) => {
      const signals = [AbortSignal.timeout(options.timeoutMs ?? 180_000), ...(options.signal ? [options.signal] : [])];
      return run(['bash', '-euo', 'pipefail', '-c', script], {
        cwd: dir,
        env: { ...process.env, KUBECONFIG: path, PATH: `${toolsBinDir()}:${process.env.PATH ?? ''}` },
        signal: AbortSignal.any(signals),
      });
    });
  } catch (error) {
    // The failing command's own output says what went wrong; the script text itself (CommandError's argv) is
    // the author's business, not the learner's.
    const output = error instanceof CommandError ? error.stderr.trim().split('\n').slice(-5).join('\n') : '';
    const why = error instanceof CommandError ? (error.exitCode === null ? 'could not run or was stopped' : `exited with status ${error.exitCode}`) : String(error);
    throw new KubelabError('E_SCRIPT_FAILED', `the ${what} script ${why}${output ? `:\n${output}` : ''}`, {
      hint: 'Try again. If it keeps failing, recreate the environment (Recreate, or POST /api/sessions/<id>/reset).',
      cause: error,
    });
  }
}
