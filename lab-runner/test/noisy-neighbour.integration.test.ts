/**
 * One learner's load does not take another's lab (issue 8): two learner-mode clusters, A and B, made with a
 * workshop server's node limits on one host. A's learner starts a fork bomb and a memory hog in pods, and another
 * fork bomb and memory hog in A's own toolbox. Meanwhile B's learner types (keystroke echo through the terminal
 * bridge into B's toolbox, as the browser's terminal does) and checks an exercise (the Pods lesson's real check
 * against B's API server): B's echo p95 stays under 50 ms and B's check p95 under 1 s. The test first shows that
 * the load is real (A's toolbox sits at its process limit, A's pods were OOM-killed or are burning CPU).
 *
 * Needs `npm run setup`; two clusters, about four minutes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { run } from '@kubelab/kit/exec';
import { contextFromKubeconfig, runCheck, type CheckContext } from '@kubelab/checkers';
import { findLesson } from '@kubelab/labs/catalog';
import { profileDefaults } from '../config.ts';
import { containerCgroupDir } from '../providers/kind/cgroups.ts';
import { toolboxContainerName } from '../providers/kind/toolbox.ts';
import { TerminalSession } from '../terminal/bridge.ts';
import { createTestCluster, testProvider, type TestCluster } from './cluster-fixture.ts';
import { serveTerminal, sleep, TerminalClient, type TerminalServer } from './terminal-harness.ts';

const { nodeMemoryMiB, nodeCpus, nodePids } = profileDefaults.workshop;
const provider = testProvider({ nodeLimits: { memoryMiB: nodeMemoryMiB, cpus: nodeCpus, pids: nodePids } });
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g, '');

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

const forkBomb = 'bomb() { bomb | bomb & }; bomb';

/** A Deployment of the toolbox image running `command`, asking for little and limited to `limits`. */
const deployment = (name: string, replicas: number, command: string[], limits: Record<string, string>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name, image: 'kubelab/toolbox:1.0', imagePullPolicy: 'Never', command, resources: { requests: { cpu: '100m', memory: '64Mi' }, limits } }],
      },
    },
  },
});

/**
 * A's learner's pods: a fork bomb, two memory hogs at the LimitRange's maximum (restarted each time the kernel kills
 * them) and two CPU burners, each asking for little (requests count against the quota; limits are what they may
 * take), so the quota admits them all.
 */
const loadManifest = JSON.stringify({
  apiVersion: 'v1',
  kind: 'List',
  items: [
    deployment('fork-bomb', 1, ['bash', '-c', `${forkBomb}; sleep infinity`], { cpu: '1', memory: '512Mi' }),
    deployment('cpu-burner', 2, ['sh', '-c', 'while :; do :; done'], { cpu: '1', memory: '64Mi' }),
    // tail keeps the whole of an endless line in memory: it grows until the kernel kills it.
    deployment('memory-hog', 2, ['tail', '/dev/zero'], { cpu: '1', memory: '1Gi' }),
  ],
});

describe("a learner's fork bomb and memory hog leave another learner's lab responsive", { timeout: 1_800_000 }, () => {
  let a: TestCluster;
  let b: TestCluster;
  let session: TerminalSession | undefined;
  let server: TerminalServer | undefined;
  let client: TerminalClient;
  let context: CheckContext;
  const baseline = { echo: [] as number[], check: [] as number[] };

  /** One keystroke into B's shell, and the time until its echo is back. */
  async function echo(): Promise<number> {
    const from = client.text().length;
    const began = performance.now();
    client.type('x');
    await client.until(() => client.text().length > from && client.text().slice(from).includes('x'), 'the echo', 10_000);
    return performance.now() - began;
  }

  /** The fork bomb in A's toolbox, lit again whenever it has burnt out (a bash fork bomb at its process limit can). */
  const toolboxBomb = { pidsFile: '', relit: 0, fewest: Infinity };
  async function keepToolboxBombAlive(): Promise<void> {
    const processes = Number(readFileSync(toolboxBomb.pidsFile, 'utf8'));
    toolboxBomb.fewest = Math.min(toolboxBomb.fewest, processes);
    if (processes >= 100) return;
    toolboxBomb.relit++;
    await run(['docker', 'exec', '--detach', toolboxContainerName(a.cluster.name), 'bash', '-c', forkBomb]);
  }

  async function sample(options: { underLoad?: boolean } = {}): Promise<{ echo: number[]; check: number[] }> {
    const lesson = await findLesson('pods');
    const exercise = lesson!.exercises.find((e) => e.id === 'first-pod')!;
    const echoes: number[] = [];
    const checks: number[] = [];
    for (let round = 0; round < 20; round++) {
      if (options.underLoad) await keepToolboxBombAlive();
      for (let i = 0; i < 5; i++) {
        echoes.push(await echo());
        await sleep(20);
      }
      client.type('\x15'); // ^U: clear the line for the next round
      const began = performance.now();
      const result = await runCheck(exercise.id, (signal) => exercise.check(context, signal), { timeoutMs: exercise.timeoutMs });
      checks.push(performance.now() - began);
      assert.ok(result.criteria.length > 0 && !result.criteria.some((c) => c.id === 'check-ran' && !c.passed), `the check read B's cluster: ${JSON.stringify(result.criteria)}`);
      await sleep(200);
    }
    return { echo: echoes, check: checks };
  }

  before(async () => {
    [a, b] = await Promise.all([createTestCluster(provider, 'single', 'noisya', 'learner'), createTestCluster(provider, 'single', 'noisyb', 'learner')]);
    await Promise.all([provider.startToolbox(a.cluster.name), provider.startToolbox(b.cluster.name)]);
    session = new TerminalSession({ argv: provider.shellArgv(b.cluster.name) });
    server = await serveTerminal(session);
    client = await TerminalClient.connect(server.url);
    await client.until(() => /kubelab:~[#$] $/.test(stripAnsi(client.text())), 'the prompt', 30_000);
    context = await contextFromKubeconfig(await provider.kubeconfig(b.cluster.name));
  });

  after(async () => {
    await client?.close().catch(() => {});
    session?.dispose();
    await server?.close();
    await Promise.allSettled([a?.dispose(), b?.dispose()]);
  });

  test('the nodes are an idle CPU class, as on a workshop server (where the kernel has cpu.idle)', (t) => {
    for (const node of [...a.cluster.nodes, ...b.cluster.nodes]) {
      const [id, pid] = execFileSync('docker', ['inspect', '--format', '{{.Id}} {{.State.Pid}}', node.name], { encoding: 'utf8' }).trim().split(' ');
      const dir = containerCgroupDir(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), id!);
      assert.ok(dir, `${node.name}'s cgroup`);
      if (!existsSync(`${dir}/cpu.idle`)) return t.skip(`this kernel has no cpu.idle (Linux 5.15 or later has it)`);
      assert.equal(readFileSync(`${dir}/cpu.idle`, 'utf8').trim(), '1', `${node.name} is an idle CPU class`);
    }
  });

  test("B's echo and check, before any load (the baseline)", async () => {
    Object.assign(baseline, await sample());
    process.stderr.write(`  baseline: echo p50 ${ms(percentile(baseline.echo, 50))} p95 ${ms(percentile(baseline.echo, 95))}; check p50 ${ms(percentile(baseline.check, 50))} p95 ${ms(percentile(baseline.check, 95))}\n`);
  });

  test("A's load is real: its toolbox at its process limit, its pods killed for memory, A's containers burning most of the host's CPUs", async () => {
    const toolbox = toolboxContainerName(a.cluster.name);
    // In pods, with the learner's own credential (the toolbox's kubeconfig), before the toolbox has no process left.
    await run(['docker', 'exec', '-i', toolbox, 'kubectl', 'apply', '-f', '-'], { input: loadManifest });
    // In the toolbox, as the learner would type them: a fork bomb and a memory hog, in the background.
    await run(['docker', 'exec', '--detach', toolbox, 'tail', '/dev/zero']);
    await run(['docker', 'exec', '--detach', toolbox, 'bash', '-c', forkBomb]);
    const [id, pid] = (await run(['docker', 'inspect', '--format', '{{.Id}} {{.State.Pid}}', toolbox])).stdout.trim().split(' ');
    toolboxBomb.pidsFile = `${containerCgroupDir(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), id!, 'pids')}/pids.current`;
    let pids = 0;
    let restarts = 0;
    let nodeCpu = 0;
    let toolboxCpu = 0;
    // A's node is an idle CPU class and its toolbox is not (kind/cgroups.ts): the toolbox's fork bomb comes first,
    // so what shows the load is A's two containers together, near the host's 2 CPUs.
    for (let i = 0; i < 60 && (pids < 500 || restarts === 0 || nodeCpu + toolboxCpu < 1.5); i++) {
      await sleep(2000);
      await keepToolboxBombAlive();
      const stats = (await run(['docker', 'stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.PIDs}}', toolbox, a.cluster.nodes[0]!.name])).stdout.trim().split('\n');
      for (const line of stats) {
        const [container, cpu, processes] = line.split(' ');
        const cpus = Number.parseFloat(cpu ?? '') / 100;
        if (container === toolbox) [toolboxCpu, pids] = [cpus, Number(processes)];
        else nodeCpu = cpus;
      }
      const pods = JSON.parse(await a.kubectl(['get', 'pods', '-l', 'app=memory-hog', '-o', 'json'])) as { items: { status: { containerStatuses?: { restartCount: number }[] } }[] };
      restarts = pods.items.reduce((sum, p) => sum + (p.status.containerStatuses?.reduce((s, c) => s + c.restartCount, 0) ?? 0), 0);
    }
    process.stderr.write(`  A under load: toolbox ${pids} processes at ${toolboxCpu.toFixed(2)} CPUs, memory hogs restarted ${restarts} times, A's node at ${nodeCpu.toFixed(2)} CPUs\n`);
    // The toolbox's fork bomb stops at its process or memory limit (1024 processes, 1 GiB: some 700 bash processes).
    assert.ok(pids >= 500, `A's toolbox runs ${pids} processes`);
    assert.ok(restarts > 0, 'a memory hog was killed and restarted');
    assert.ok(nodeCpu + toolboxCpu >= 1.5, `A's node and toolbox burn ${(nodeCpu + toolboxCpu).toFixed(2)} CPUs of the host's ${availableParallelism()}`);
  });

  test("under A's load, B's echo p95 stays under 50 ms and B's check p95 under 1 s", async () => {
    toolboxBomb.fewest = Infinity;
    const loaded = await sample({ underLoad: true });
    const report = {
      echo: { p50: percentile(loaded.echo, 50), p95: percentile(loaded.echo, 95), baselineP50: percentile(baseline.echo, 50) },
      check: { p50: percentile(loaded.check, 50), p95: percentile(loaded.check, 95), baselineP50: percentile(baseline.check, 50) },
    };
    process.stderr.write(
      `  under load: echo p50 ${ms(report.echo.p50)} p95 ${ms(report.echo.p95)} (${(report.echo.p50 / report.echo.baselineP50).toFixed(2)}× baseline p50); ` +
        `check p50 ${ms(report.check.p50)} p95 ${ms(report.check.p95)} (${(report.check.p50 / report.check.baselineP50).toFixed(2)}× baseline p50); ` +
        `A's toolbox at ${toolboxBomb.fewest} processes or more, its fork bomb lit again ${toolboxBomb.relit} times\n`,
    );
    // With the nodes a weight of 256 alone this was 38–48 ms on these 2-CPU hosts (the kernel does not preempt, so
    // each hop of the echo through docker exec waited behind A's work); as an idle CPU class (kind/cgroups.ts),
    // 5–7 ms in the same load, measured repeatedly. 50 ms is the bound the issue sets.
    assert.ok(report.echo.p95 < 50, `B's echo p95 ${ms(report.echo.p95)}`);
    assert.ok(report.check.p95 < 1000, `B's check p95 ${ms(report.check.p95)}`);
  });
});
