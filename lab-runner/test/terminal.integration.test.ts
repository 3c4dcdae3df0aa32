/**
 * The learner's terminal end to end against a real cluster: a TerminalSession running provider.shellArgv() in the
 * cluster's toolbox container, driven over a real WebSocket the way the browser drives it. The shell reaches the
 * cluster, sees nothing of the host, and deleting the cluster removes the toolbox too.
 * Needs `npm run setup` to have run (npm test does that first).
 */
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { run } from '@kubelab/kit/exec';
import { KubelabError } from '@kubelab/kit/errors';
import { toolPath } from '@kubelab/kit/artifacts';
import { toolboxContainerName } from '../providers/kind/toolbox.ts';
import { TerminalSession } from '../terminal/bridge.ts';
import { CloseCode } from '../terminal/protocol.ts';
import { createTestCluster, leftovers, testProvider, type TestCluster } from './cluster-fixture.ts';
import { serveTerminal, sleep, TerminalClient, type TerminalServer } from './terminal-harness.ts';

const provider = testProvider();
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g, '');
/** The toolbox's prompt (coloured; `#` since the shell is root). */
const prompt = /kubelab:~[#$] $/;

async function inspect(container: string): Promise<{
  Config: { Labels: Record<string, string> };
  HostConfig: { Init: boolean | null; NetworkMode: string };
  Mounts: unknown[];
  NetworkSettings: { Networks: Record<string, unknown> };
  State: { Running: boolean };
}> {
  return JSON.parse((await run(['docker', 'inspect', '--type', 'container', container])).stdout)[0];
}

describe('the terminal in a cluster toolbox', { timeout: 900_000 }, () => {
  let c: TestCluster;
  let name = '';
  let deleted = false;
  let session: TerminalSession | undefined;
  let server: TerminalServer | undefined;

  before(async () => {
    c = await createTestCluster(provider, 'single', 'term');
    name = c.cluster.name;
  });
  after(async () => {
    session?.dispose();
    await server?.close();
    if (c && !deleted) await c.dispose();
  });

  test('startToolbox: one container per cluster, on its network only, no host mounts; repeated and concurrent calls reuse it', async () => {
    const [a, b] = await Promise.all([provider.startToolbox(name), provider.startToolbox(name)]);
    const again = await provider.startToolbox(name);
    assert.equal(a.container, toolboxContainerName(name));
    assert.equal(b.container, a.container);
    assert.equal(again.container, a.container);
    const info = await inspect(a.container);
    assert.equal(info.State.Running, true);
    assert.deepEqual(Object.keys(info.NetworkSettings.Networks), [`kubelab-${name}`], 'only the cluster network');
    assert.deepEqual(info.Mounts, [], 'nothing from the host is mounted');
    assert.equal(info.HostConfig.Init, true);
    assert.equal(info.Config.Labels['io.kubelab.cluster'], name);
    assert.ok((await provider.list()).find((cl) => cl.name === name)?.nodes.every((n) => !n.name.endsWith('-toolbox')), 'the toolbox is not mistaken for a node');
  });

  test('a learner types `kubectl get nodes` in the browser terminal and sees the node Ready', async () => {
    session = new TerminalSession({ argv: provider.shellArgv(name) });
    server = await serveTerminal(session);
    const client = await TerminalClient.connect(server.url);
    await client.until(() => prompt.test(stripAnsi(client.text())), 'the kubelab prompt', 30_000);

    // Before kubectl has run (it adds a discovery cache there): the kubeconfig and nothing else.
    assert.equal((await client.run('ls -A /root/.kube')).trim(), 'config');
    assert.equal((await client.run('stat -c %a /root/.kube/config')).trim(), '600');
    assert.equal((await client.run('kubectl config get-contexts -o name')).trim(), `kind-kubelab-${name}`, "only this cluster's context");

    const nodes = stripAnsi(await client.run('kubectl get nodes', 30_000));
    assert.match(nodes, new RegExp(`kubelab-${name}-control-plane\\s+Ready\\s`), nodes);
    assert.match(stripAnsi(await client.run('helm version --short')), /^v\d+\./m);

    // The docker CLI passes a resize on to the daemon with an API call of its own, so it can trail the next
    // keystrokes by a few milliseconds: wait for it, as a learner would never notice.
    client.resize(120, 40);
    let size = '';
    for (let i = 0; i < 30 && size !== '40 120'; i++) {
      if (i) await sleep(100);
      size = (await client.run('stty size')).trim();
    }
    assert.equal(size, '40 120', 'resizes reach the shell in the container');
    await client.close();
  });

  test("the shell sees none of the host's files", async () => {
    const client = await TerminalClient.connect(server!.url);
    await client.until(() => prompt.test(stripAnsi(client.text())), 'the prompt again');
    const hostPaths = ['/root/.cache/kubelab', `${homedir()}/.cache/kubelab`, toolPath('kind'), process.cwd()];
    const seen = await client.run(hostPaths.map((p) => `test -e '${p}' && echo "visible: ${p}"`).join('; ') + '; true');
    assert.equal(seen.trim(), '', seen);
    assert.equal((await client.run('cat /etc/hostname')).trim(), 'toolbox');
    await client.close();
  });

  test('`exit` ends the shell with its status; reconnecting opens a fresh one', async () => {
    const first = await TerminalClient.connect(server!.url);
    await first.until(() => prompt.test(stripAnsi(first.text())), 'the prompt');
    first.type('exit 7\r');
    assert.equal((await first.closed).code, CloseCode.done);
    assert.deepEqual(first.messages.at(-1), { type: 'exit', exitCode: 7 });

    const second = await TerminalClient.connect(server!.url);
    await second.until(() => prompt.test(stripAnsi(second.text())), 'a fresh prompt');
    assert.equal((await second.run('echo fresh-$((1+1))')).trim(), 'fresh-2');
    await second.close();
  });

  test('shells never pile up: after dispose() (a lab-runner restart), the next terminal is the only shell in the toolbox', async () => {
    const container = toolboxContainerName(name);
    /** Terminal sessions in the toolbox: session leaders with a tty. */
    const shells = async () =>
      (await run(['docker', 'exec', container, 'ps', '-e', '-o', 'pid=,sid=,tty=']))
        .stdout.split('\n')
        .flatMap((line) => {
          const [pid = '', sid, tty] = line.trim().split(/\s+/);
          return pid && pid === sid && tty !== '?' ? [pid] : [];
        });
    session?.dispose();
    await server?.close();
    session = new TerminalSession({ argv: provider.shellArgv(name) });
    server = await serveTerminal(session);
    const client = await TerminalClient.connect(server.url);
    await client.until(() => prompt.test(stripAnsi(client.text())), 'the prompt', 30_000);
    const oldPid = (await client.run('echo $$')).trim();
    session.dispose();
    assert.equal((await client.closed).code, CloseCode.sessionEnded);
    await server.close();

    session = new TerminalSession({ argv: provider.shellArgv(name) });
    server = await serveTerminal(session);
    const next = await TerminalClient.connect(server.url);
    await next.until(() => prompt.test(stripAnsi(next.text())), 'the new prompt', 30_000);
    const newPid = (await next.run('echo $$')).trim();
    assert.notEqual(newPid, oldPid);
    let running: string[] = [];
    for (let i = 0; i < 25; i++) {
      running = await shells();
      if (running.length === 1) break;
      await sleep(200);
    }
    assert.deepEqual(running, [newPid], 'only the new shell runs');
    await next.close();
  });

  test('a stopped toolbox is started again and gets its kubeconfig again (its home is tmpfs)', async () => {
    const container = toolboxContainerName(name);
    await run(['docker', 'exec', container, 'sh', '-c', 'echo "# edited by the learner" >> /root/.kube/config']);
    await run(['docker', 'stop', '--time', '1', container]);
    await provider.startToolbox(name);
    assert.equal((await inspect(container)).State.Running, true);
    // The read-only root keeps the learner's writes in tmpfs (bounded, off the host's disk), which a stop empties:
    // startToolbox writes the stored kubeconfig again, so the shell reaches the cluster as before.
    const config = (await run(['docker', 'exec', container, 'stat', '-c', '%a %s', '/root/.kube/config'])).stdout.trim().split(' ');
    assert.equal(config[0], '600', 'readable by root only');
    assert.ok(Number(config[1]) > 0, 'not empty');
    const nodes = (await run(['docker', 'exec', container, 'kubectl', 'get', 'nodes', '-o', 'name'])).stdout;
    assert.match(nodes, new RegExp(`node/kubelab-${name}-control-plane`), 'kubectl reaches the cluster');
  });

  test('deleting the cluster removes its toolbox: nothing is left behind', async () => {
    await c.dispose();
    deleted = true;
    assert.deepEqual(await leftovers(name), []);
  });

  test('startToolbox for a cluster that does not exist says so', async () => {
    await assert.rejects(provider.startToolbox('no-such-cluster'), (error: unknown) => error instanceof KubelabError && error.code === 'E_CLUSTER_NOT_FOUND');
    await assert.rejects(provider.startToolbox('Bad Name'), (error: unknown) => error instanceof KubelabError && error.code === 'E_INVALID_NAME');
    assert.deepEqual(await leftovers('no-such-cluster'), []);
  });
});
