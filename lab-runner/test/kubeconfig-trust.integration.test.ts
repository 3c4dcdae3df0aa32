/**
 * Nothing read back from a cluster runs on the host (security review C3). A learner with root on their own node can
 * rewrite the control plane's /etc/kubernetes/admin.conf, which `kind get kubeconfig` reads and keeps verbatim:
 * an `exec:` credential plugin there would run on the host in kubectl or client-node, and a `tokenFile:` would send
 * a host file to the learner's API server. So the lab-runner keeps the kubeconfig it captured when it made the
 * cluster, and never reads one back.
 *
 * This file makes a cluster, poisons admin.conf both ways, and then does what a restarted lab-runner does (a fresh
 * KindProvider on the same data directory): kubeconfig(), health(), a check through the checkers, an exercise
 * script, the toolbox and the `kubelab cluster kubeconfig|health` CLI. The plugin would create a marker file on the
 * host and the token file's access time would move; neither happens, and the cluster keeps working. A cluster whose
 * stored copy is gone gets E_NO_KUBECONFIG rather than a read from its node.
 * Needs `npm run setup` to have run (npm test does that first).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { run } from '@kubelab/kit/exec';
import { KubelabError } from '@kubelab/kit/errors';
import { toolPath } from '@kubelab/kit/artifacts';
import { contextFromKubeconfig, runCheck } from '@kubelab/checkers';
import { runExerciseScript } from '@kubelab/labs/scripts';
import { KindProvider } from '../providers/kind/provider.ts';
import { toolboxContainerName } from '../providers/kind/toolbox.ts';
import { createTestCluster, leftovers, testProvider, type TestCluster } from './cluster-fixture.ts';

const cli = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const provider = testProvider();
/** Host files the poisoned kubeconfigs aim at. */
const hostDir = mkdtempSync(join(tmpdir(), 'kubelab-trust-host-'));
const marker = join(hostDir, 'code-ran-on-the-host');
const secret = join(hostDir, 'host-secret');
process.once('exit', () => rmSync(hostDir, { recursive: true, force: true }));

/** Runs the kubelab CLI as the host's admin would, pointed at the test's data directory. */
function kubelab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, KUBELAB_DATA_DIR: provider.dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The token file's access time: it moves when anything reads the file (relatime: atime older than mtime). */
function armSecret(): boolean {
  writeFileSync(secret, 'host-secret-token-do-not-send\n', { mode: 0o600 });
  const past = new Date('2001-01-01T00:00:00Z');
  utimesSync(secret, past, new Date());
  readFileSync(secret);
  const works = statSync(secret).atimeMs !== past.getTime();
  utimesSync(secret, past, new Date());
  return works;
}
const secretWasRead = () => statSync(secret).atimeMs !== new Date('2001-01-01T00:00:00Z').getTime();

describe('a kubeconfig poisoned on the node never reaches the host', { timeout: 900_000 }, () => {
  let c: TestCluster;
  let name = '';
  let controlPlane = '';
  let stored: { external: string; internal: string };
  let atimeDetects = false;

  before(async () => {
    c = await createTestCluster(provider, 'single', 'trust');
    name = c.cluster.name;
    controlPlane = c.cluster.nodes.find((n) => n.role === 'control-plane')!.name;
    stored = {
      external: readFileSync(join(provider.stateDir, name, 'external.kubeconfig'), 'utf8'),
      internal: readFileSync(join(provider.stateDir, name, 'internal.kubeconfig'), 'utf8'),
    };
  });

  after(async () => {
    if (!c) return;
    await c.dispose();
    assert.deepEqual(await leftovers(name), []);
  });

  /** Replaces the user of the node's admin.conf (the file `kind get kubeconfig` reads) with `user`. */
  async function poisonAdminConf(user: Record<string, unknown>): Promise<void> {
    // Each case on its own: no marker and an unread token file from an earlier one.
    rmSync(marker, { force: true });
    atimeDetects = armSecret();
    const current = parse((await run(['docker', 'exec', controlPlane, 'cat', '/etc/kubernetes/admin.conf'])).stdout) as { users: { user: unknown }[] };
    current.users[0]!.user = user;
    await run(['docker', 'exec', '-i', controlPlane, 'sh', '-c', 'cat > /etc/kubernetes/admin.conf'], { input: stringify(current) });
    // What the lab-runner used to do would now get the poison: kind keeps the user map verbatim.
    const fromNode = (await run([toolPath('kind'), 'get', 'kubeconfig', '--name', `kubelab-${name}`])).stdout;
    for (const key of Object.keys(user)) assert.ok(fromNode.includes(key), `kind get kubeconfig now serves the poisoned ${key}`);
  }

  /**
   * Everything a restarted lab-runner, and the host's admin, do with a cluster's kubeconfig. Each step runs even
   * when an earlier one failed, so the caller can first ask whether anything ran on the host, then whether the
   * cluster still worked: the failures, by step.
   */
  async function asARestartedLabRunner(): Promise<string[]> {
    const restarted = new KindProvider({ stateDir: provider.stateDir });
    const failures: string[] = [];
    const step = async (what: string, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        failures.push(`${what}: ${error instanceof Error ? error.message.split('\n').slice(0, 3).join(' ') : error}`);
      }
    };
    let kubeconfig = '';
    await step('kubeconfig()', async () => {
      kubeconfig = await restarted.kubeconfig(name);
      assert.equal(kubeconfig, stored.external, 'kubeconfig() serves the copy stored at creation');
      assert.equal(await restarted.kubeconfig(name, { internal: true }), stored.internal);
    });
    await step('health()', async () => {
      const health = await restarted.health(name);
      assert.equal(health.ready, true, JSON.stringify(health.checks));
    });
    await step('a check', async () => {
      const k = contextFromKubeconfig(kubeconfig || (await restarted.kubeconfig(name)));
      const result = await runCheck('trust', async () => {
        const nodes = await k.core.listNode();
        return [{ id: 'nodes', description: 'The check reads the cluster', passed: nodes.items.length === 1, actual: `${nodes.items.length} node(s)` }];
      });
      assert.equal(result.passed, true, JSON.stringify(result.criteria));
    });
    await step('an exercise script', async () => {
      const script = await runExerciseScript('probe', 'kubectl get nodes -o name', kubeconfig || (await restarted.kubeconfig(name)));
      assert.equal(script.stdout.trim(), `node/${controlPlane}`);
    });
    await step('the toolbox', async () => {
      await restarted.startToolbox(name);
      const inToolbox = await run(['docker', 'exec', toolboxContainerName(name), 'cat', '/root/.kube/config']);
      assert.equal(inToolbox.stdout, stored.internal, 'the toolbox holds the stored internal kubeconfig');
      const fromToolbox = await run(['docker', 'exec', toolboxContainerName(name), 'kubectl', 'get', 'nodes', '-o', 'name']);
      assert.equal(fromToolbox.stdout.trim(), `node/${controlPlane}`);
    });
    await step('kubelab cluster kubeconfig', async () => {
      const printed = await kubelab(['cluster', 'kubeconfig', name]);
      assert.equal(printed.code, 0, printed.stderr);
      assert.equal(printed.stdout, stored.external, '`kubelab cluster kubeconfig` prints the stored copy');
    });
    await step('kubelab cluster health', async () => {
      const checked = await kubelab(['cluster', 'health', name]);
      assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    });
    return failures;
  }

  test('the stored copies are what kind wrote at creation, rebuilt from the allowlist', () => {
    for (const text of [stored.external, stored.internal]) {
      const config = parse(text) as { users: { user: Record<string, unknown> }[]; clusters: { cluster: Record<string, unknown> }[] };
      assert.deepEqual(Object.keys(config.users[0]!.user).sort(), ['client-certificate-data', 'client-key-data']);
      assert.deepEqual(Object.keys(config.clusters[0]!.cluster).sort(), ['certificate-authority-data', 'server']);
    }
  });

  test('an exec credential plugin put in admin.conf never runs on the host', async () => {
    await poisonAdminConf({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: '/bin/sh',
        args: ['-c', `touch '${marker}'; echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x"}}'`],
        interactiveMode: 'Never',
      },
    });
    const failures = await asARestartedLabRunner();
    assert.equal(existsSync(marker), false, 'the plugin never ran on the host');
    assert.deepEqual(failures, [], 'and the cluster kept working');
  });

  test('a tokenFile naming a host file put in admin.conf is never read', async () => {
    await poisonAdminConf({ tokenFile: secret });
    const failures = await asARestartedLabRunner();
    assert.equal(existsSync(marker), false);
    if (atimeDetects) assert.equal(secretWasRead(), false, 'nothing read the host file');
    else process.stderr.write('  (this filesystem does not update access times: the token file is checked only by the cluster still working)\n');
    assert.deepEqual(failures, [], 'and the cluster kept working');
  });

  test('a cluster with no stored kubeconfig gets E_NO_KUBECONFIG, never a read from its node', async () => {
    await poisonAdminConf({
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', `touch '${marker}'`], interactiveMode: 'Never' },
    });
    rmSync(join(provider.stateDir, name), { recursive: true, force: true });
    const restarted = new KindProvider({ stateDir: provider.stateDir });
    const noKubeconfig = (error: unknown) => {
      assert.ok(error instanceof KubelabError, String(error));
      assert.equal(error.code, 'E_NO_KUBECONFIG');
      assert.match(error.hint ?? '', /create it again/);
      assert.match(error.hint ?? '', /KUBELAB_DATA_DIR/);
      return true;
    };
    const outcomes = await Promise.allSettled([restarted.kubeconfig(name), restarted.kubeconfig(name, { internal: true }), restarted.health(name)]);
    assert.equal(existsSync(marker), false, 'nothing ran on the host');
    for (const outcome of outcomes) assert.ok(outcome.status === 'rejected' && noKubeconfig(outcome.reason), 'each call is refused');
    await assert.rejects(restarted.kubeconfig(name), noKubeconfig);
    await assert.rejects(restarted.kubeconfig(name, { internal: true }), noKubeconfig);
    await assert.rejects(restarted.health(name), noKubeconfig);
    for (const command of ['kubeconfig', 'health']) {
      const cli = await kubelab(['cluster', command, name]);
      assert.equal(cli.code, 1);
      assert.match(cli.stderr, /E_NO_KUBECONFIG/);
      assert.equal(cli.stdout, '');
    }
    assert.equal(existsSync(marker), false);
  });
});
