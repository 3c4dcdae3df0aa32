/**
 * Exercise scripts run on the host, so they get nothing of the host but what they need: a minimal environment,
 * a private temp folder that is gone afterwards, and errors that show the learner no host paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cacheDir } from '@kubelab/kit/cache';
import { toolPath, toolsBinDir } from '@kubelab/kit/artifacts';
import { CommandError } from '@kubelab/kit/exec';
import { KubelabError } from '@kubelab/kit/errors';
import { describeForLearner, redactHostPaths } from '@kubelab/kit/redact';
import { runExerciseScript, scriptPath } from '../src/scripts.ts';

const kubeconfig = 'apiVersion: v1\nkind: Config\n';

/** What bash itself puts in the environment of the commands it runs. */
const bashOwn = new Set(['PWD', 'SHLVL', '_', 'OLDPWD']);

function parseEnv(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]),
  );
}

test('a script sees only PATH, HOME, KUBECONFIG and LANG: nothing of the lab server environment', async () => {
  const planted = { KUBELAB_PLANTED_SECRET: 'do-not-leak', DOCKER_HOST: 'tcp://planted:2375', KUBECONFIG: '/planted/kubeconfig', HTTPS_PROXY: 'http://planted:3128' };
  const saved = Object.fromEntries(Object.keys(planted).map((name) => [name, process.env[name]]));
  Object.assign(process.env, planted);
  try {
    const { stdout } = await runExerciseScript('probe', 'env -0 | tr "\\0" "\\n" | grep -v "^$"; echo "---"; stat -c "%a" "$HOME" "$KUBECONFIG"; cat "$KUBECONFIG"', kubeconfig);
    const [envText, rest] = stdout.split('---\n') as [string, string];
    const env = parseEnv(envText);
    const names = [...env.keys()].filter((name) => !bashOwn.has(name)).sort();
    assert.deepEqual(names, ['HOME', 'KUBECONFIG', 'LANG', 'PATH']);
    assert.equal(env.get('PATH'), `${toolsBinDir()}:/usr/local/bin:/usr/bin:/bin`);
    assert.equal(env.get('PATH'), scriptPath());
    assert.equal(env.get('LANG'), 'C.UTF-8');
    assert.equal(env.get('KUBECONFIG'), `${env.get('HOME')}/config`, 'the kubeconfig is in the script home, a private temp folder');
    assert.ok(env.get('HOME')!.startsWith(`${tmpdir()}/kubelab-kubeconfig-`));
    assert.ok(!stdout.includes('planted') && !stdout.includes('do-not-leak'));
    const [homeMode, configMode, ...config] = rest.split('\n');
    assert.equal(homeMode, '700', 'the temp folder is private');
    assert.equal(configMode, '600', 'the kubeconfig is readable by its owner only');
    assert.equal(config.join('\n'), kubeconfig);
    assert.equal(existsSync(env.get('HOME')!), false, 'the temp folder is removed afterwards');
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test("a script reads none of the host's shell startup files, so its stderr is its own", async () => {
  const { stdout, stderr } = await runExerciseScript('probe', 'echo out; echo err >&2', kubeconfig);
  assert.equal(stdout, 'out\n');
  assert.equal(stderr, 'err\n', 'a learner reading a failed script sees only what its commands wrote');
});

test('the pinned kubectl runs in that environment', { skip: !existsSync(toolPath('kubectl')) && 'kubectl is not set up' }, async () => {
  const { stdout } = await runExerciseScript('probe', 'command -v kubectl; kubectl version --client -o json', kubeconfig);
  assert.ok(stdout.startsWith(`${toolsBinDir()}/kubectl\n`), stdout);
  assert.match(stdout, /"gitVersion"/);
});

test('a failed script says how it ended and the tail of its stderr, with no host path; the cause keeps everything', async () => {
  const script = [
    'echo "first line, dropped" >&2',
    'for i in 1 2 3 4; do echo "line $i" >&2; done',
    'echo "error: open $KUBECONFIG: denied; home $HOME; tools ${PATH%%:*}/kubectl; cache ' + cacheDir() + '/x" >&2',
    'exit 3',
  ].join('\n');
  const error = await runExerciseScript('setup of exercise "x"', script, kubeconfig).then(
    () => assert.fail('the script should fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof KubelabError);
  assert.equal(error.code, 'E_SCRIPT_FAILED');
  assert.match(error.message, /^the setup of exercise "x" script exited with status 3:\nline 1\n/);
  assert.ok(!error.message.includes('first line'), 'only the tail is shown');
  assert.match(error.message, /error: open \$KUBECONFIG: denied; home \.; tools kubectl; cache <cache>\/x$/);
  for (const path of [tmpdir() + '/', cacheDir(), toolsBinDir()]) assert.ok(!error.message.includes(path), `the message shows ${path}`);
  assert.ok(!error.message.includes('echo'), 'nor the script');
  assert.ok(error.cause instanceof CommandError);
  assert.ok(error.cause.stderr.includes(toolsBinDir()), 'the cause, for the log, has the whole stderr');
});

test('describeForLearner: a failed command is its tool, its status and the tail of its stderr; never its argv or a host path', () => {
  const argv = [toolPath('kind'), 'create', 'cluster', '--kubeconfig', `${tmpdir()}/kubelab-kind-Ab12/kubeconfig`, '--image', 'kubelab/node:x'];
  const error = new CommandError(argv, 1, `Creating cluster ...\nERROR: failed to create cluster: could not write ${tmpdir()}/kubelab-kind-Ab12/kubeconfig.lock\n`);
  const text = describeForLearner(error, { lines: 1 });
  assert.equal(text, 'kind exited with status 1: ERROR: failed to create cluster: could not write <tmp>/kubelab-kind-Ab12/kubeconfig.lock');
  assert.equal(describeForLearner(new CommandError([toolPath('kubectl'), 'get', 'nodes'], null, '')), 'kubectl could not run or was stopped');
  assert.equal(redactHostPaths(`${toolsBinDir()}/helm-v3.19.0: not found in ${cacheDir()}/state`), 'helm-v3.19.0: not found in <cache>/state');
  assert.equal(redactHostPaths('see /tmp/kubelab-kubeconfig-x1/config'), 'see <tmp>/kubelab-kubeconfig-x1/config');
});
