import { CommandError, run, type RunResult } from '@kubelab/kit/exec';
import { KubelabError } from '@kubelab/kit/errors';
import { toolsBinDir } from '@kubelab/kit/artifacts';
import { withKubeconfigFile } from '@kubelab/kit/kubeconfig';
import { redactedTail } from '@kubelab/kit/redact';

/** Where a script finds its commands: the pinned kubectl and helm first, then the system's own folders. */
export const scriptPath = (): string => `${toolsBinDir()}:/usr/local/bin:/usr/bin:/bin`;

/**
 * The whole environment of an exercise script: nothing of the lab server's own (its tokens, proxies, DOCKER_HOST,
 * KUBECONFIG or HOME), so a script sees the cluster and nothing else of the host's configuration. HOME is the
 * script's private temp folder, where kubectl and helm keep their caches for the length of the run.
 */
export function scriptEnvironment(kubeconfigPath: string, home: string): NodeJS.ProcessEnv {
  return { PATH: scriptPath(), HOME: home, KUBECONFIG: kubeconfigPath, LANG: 'C.UTF-8' };
}

/**
 * Runs an exercise's setup, cleanup, solution or near-miss script against one cluster: bash with -euo pipefail,
 * the pinned kubectl and helm first on PATH, and KUBECONFIG pointing at a private copy of that cluster's
 * kubeconfig (never the user's own), in a private temp folder that is removed afterwards.
 */
export async function runExerciseScript(
  what: string,
  script: string,
  kubeconfig: string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<RunResult> {
  let scratch: { path: string; dir: string } | undefined;
  try {
    return await withKubeconfigFile(kubeconfig, (path, dir) => {
      scratch = { path, dir };
      const signals = [AbortSignal.timeout(options.timeoutMs ?? 180_000), ...(options.signal ? [options.signal] : [])];
      // --norc: run() gives the child a socket for stdin, and bash takes a shell with a socket on stdin for one
      // started by sshd and reads the host's /etc/bash.bashrc (whose first test of $PS1 then fails under -u).
      return run(['bash', '--norc', '-euo', 'pipefail', '-c', script], {
        cwd: dir,
        env: scriptEnvironment(path, dir),
        signal: AbortSignal.any(signals),
      });
    });
  } catch (error) {
    // The failing command's own output says what went wrong; the script text itself (CommandError's argv) is
    // the author's business, not the learner's, and so are the host's paths (the tools, the temp folder): the
    // message keeps the tail of stderr with those replaced, and the cause keeps everything, for the log.
    const paths: Record<string, string> = scratch ? { [scratch.path]: '$KUBECONFIG', [scratch.dir]: '.' } : {};
    const output = error instanceof CommandError ? redactedTail(error.stderr, 5, paths) : '';
    const why = error instanceof CommandError ? (error.exitCode === null ? 'could not run or was stopped' : `exited with status ${error.exitCode}`) : 'could not run';
    throw new KubelabError('E_SCRIPT_FAILED', `the ${what} script ${why}${output ? `:\n${output}` : ''}`, {
      hint: 'Try again. If it keeps failing, recreate the environment (Recreate, or POST /api/sessions/<id>/reset).',
      cause: error,
    });
  }
}

/**
 * Prepended to a script run as a workshop's learner. A learner may use a namespace they create once the
 * lab-runner's reconciler has bound them there (lab-runner/sessions/namespaces.ts), about half a second later. A
 * person takes longer than that between two commands; a script does not, and its next line was refused. So, as
 * the learner, a kubectl command that creates a namespace returns once the learner may create pods in it (five
 * seconds at most; after that the next command fails as a learner's would).
 */
export const learnerPace = `kubectl() {
  local out status=0 ns
  out=$(command kubectl "$@") || status=$?
  if [ -n "$out" ]; then printf '%s\\n' "$out"; fi
  for ns in $(printf '%s\\n' "$out" | sed -n 's#^namespace/\\([a-z0-9-]*\\) created$#\\1#p'); do
    for _ in $(seq 1 50); do command kubectl auth can-i create pods -n "$ns" >/dev/null 2>&1 && break; sleep 0.1; done
  done
  return $status
}`;
