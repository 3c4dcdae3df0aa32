/**
 * `npm run bench` (with bench:cluster): what a learner waits for, measured through the real lab-runner on real
 * clusters, each figure set against a baseline run in the same process.
 *
 * - Start lab → usable prompt, cold (no warm cluster) and warm (a pooled cluster); baseline: the provider's
 *   create-to-ready alone.
 * - Keystroke echo round trip over a local WebSocket to the pty, p50/p95; baseline: the same keystrokes written
 *   straight into a node-pty running the same `docker exec` (no WebSocket, no bridge).
 * - Check latency per exercise, p50/p95, over HTTP on the solved state; baseline: the same check called in-process.
 * - A notebook cell (`kubectl get pods`) over HTTP, request to output; baseline: the same command run in the toolbox
 *   with `docker exec` from this process.
 *
 * BENCH_RUNS (default 3) sets the start-up runs per kind; BENCH_KEYSTROKES (default 200), BENCH_CHECKS and
 * BENCH_CELLS (default 20 each) the samples.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn as spawnPty } from 'node-pty';
import { setup } from '../setup.ts';
import { formatElapsed, EventStatus } from '@kubelab/kit/status';
import { formatError } from '@kubelab/kit/errors';
import { buildApp } from '@kubelab/lab-runner/app';
import { loadConfig } from '@kubelab/lab-runner/config';
import { KindProvider } from '@kubelab/lab-runner/kind';
import { LabApi, TerminalClient, followSessionEvents, type Credentials } from '@kubelab/lab-runner/client';
import { contextFromKubeconfig, runCheck } from '@kubelab/checkers';
import { findLesson } from '@kubelab/labs/catalog';
import { runExerciseScript } from '@kubelab/labs/scripts';
import { median, percentile, timed } from './stats.ts';
import { runBounded } from '@kubelab/kit/exec';
import { toolboxRunArgv } from '@kubelab/lab-runner/kind';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const keystrokes = Number(process.env.BENCH_KEYSTROKES ?? 200);
const checks = Number(process.env.BENCH_CHECKS ?? 20);
const cells = Number(process.env.BENCH_CELLS ?? 20);
const log = (line: string) => process.stderr.write(line + '\n');
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;

/** A learner's browser, minus the rendering: the lab-runner's own client for the API, the events and the terminal. */
class LabClient {
  readonly api: LabApi;
  readonly session: Credentials;
  private terminal?: TerminalClient;
  private output = '';
  private waiters: (() => void)[] = [];
  /** Each provisioning step that finished, with its time: where a start-up spends it. */
  readonly steps: { id: string; elapsedMs: number }[] = [];

  constructor(api: LabApi, session: Credentials) {
    this.api = api;
    this.session = session;
  }

  static async start(server: Served, lesson: string): Promise<LabClient> {
    const api = new LabApi({ baseUrl: server.base, launchToken: server.launchToken });
    const { id, token } = await api.createSession(lesson);
    return new LabClient(api, { id, token });
  }

  async waitReady(): Promise<void> {
    let failure: string | undefined;
    const end = await followSessionEvents(this.api, this.session, {
      onFailed: (error) => (failure = `${error.code}: ${error.message}`),
      onStep: (step) => {
        if (step.state === 'done') this.steps.push({ id: step.id, elapsedMs: step.elapsedMs });
      },
    });
    if (end !== 'ready') throw new Error(`the lab did not become ready (${failure ?? end})`);
  }

  async openTerminal(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.terminal = new TerminalClient(this.api.terminalUrl(this.session), {
        onOpen: () => undefined,
        onOutput: (data, rendered) => {
          this.output += new TextDecoder().decode(data);
          rendered();
          for (const wake of this.waiters.splice(0)) wake();
        },
        onState: (state) => {
          if (state.state === 'connected') resolve();
          else if (state.state === 'reconnecting') reject(new Error(`the terminal WebSocket did not open: ${state.reason}`));
        },
        size: () => ({ cols: 120, rows: 40 }),
      });
    });
  }

  /** Resolves once the accumulated output matches, and clears it. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(stripAnsi(this.output))) {
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}; it showed: ${stripAnsi(this.output).slice(-300)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    this.output = '';
  }

  /** Sends one keystroke and resolves when its echo comes back: the time a learner feels per key. */
  async echo(key: string): Promise<number> {
    this.output = '';
    const began = performance.now();
    this.terminal!.sendInput(key);
    while (!this.output.includes(key)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return performance.now() - began;
  }

  send(text: string): void {
    this.terminal!.sendInput(text);
  }

  check(exercise: string) {
    return this.api.check(this.session, exercise);
  }

  async end(): Promise<void> {
    this.terminal?.dispose();
    await this.api.endSession(this.session);
  }
}

/** Start lab → a prompt a learner can type at. */
async function startToPrompt(server: Served): Promise<[number, LabClient]> {
  return timed(async () => {
    const client = await LabClient.start(server, 'pods');
    await client.waitReady();
    await client.openTerminal();
    await client.waitFor(/kubelab:~[#$] $/m);
    return client;
  });
}

const stepTimes = (client: LabClient) => client.steps.map((step) => `${step.id} ${formatElapsed(step.elapsedMs)}`).join(', ');

/** The baseline for echo: node-pty on the same `docker exec`, no WebSocket and no bridge in between. */
async function directEcho(argv: string[]): Promise<number[]> {
  const pty = spawnPty(argv[0]!, argv.slice(1), { name: 'xterm-256color', cols: 120, rows: 40 });
  let output = '';
  let wake: (() => void) | undefined;
  pty.onData((data) => {
    output += data;
    wake?.();
  });
  const until = async (predicate: () => boolean) => {
    while (!predicate()) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, 200)));
  };
  await until(() => /kubelab:~[#$] $/m.test(stripAnsi(output)));
  const samples: number[] = [];
  for (let i = 0; i < keystrokes; i++) {
    output = '';
    const began = performance.now();
    pty.write('x');
    await until(() => output.includes('x'));
    samples.push(performance.now() - began);
    if (i % 50 === 49) pty.write('\x15'); // Ctrl-U: keep the line short
  }
  pty.kill();
  return samples;
}

const dataDir = await mkdtemp(join(tmpdir(), 'kubelab-bench-'));
const provider = new KindProvider();
const report: string[] = [];
const apps: { close(): Promise<unknown> }[] = [];

type App = Awaited<ReturnType<typeof buildApp>>;
/** A lab-runner the bench started: where it is, and the launch token that lets a client start labs on it. */
interface Served {
  base: string;
  launchToken: string;
}

/** A lab-runner on a free port, with its own database; closed at the end. */
async function serve(poolSize: number): Promise<Served & { app: App }> {
  const app = await buildApp({
    config: loadConfig(process.env, { port: 0, host: '127.0.0.1', poolSize, maxSessions: 3, dataDir: join(dataDir, `pool-${poolSize}`) }),
    logger: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  apps.push(app);
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the lab-runner has no TCP address');
  return { base: `http://127.0.0.1:${address.port}`, launchToken: app.config.launchToken, app };
}

let before: Set<string> | undefined;

try {
  await setup();
  before = new Set((await provider.list()).map((c) => c.name));
  log(`\nBenchmark: ${runs} start-ups of each kind, ${keystrokes} keystrokes, ${checks} checks per exercise.\n`);

  // Baseline for start-up: the provider alone, create-to-ready.
  const baseline: number[] = [];
  for (let i = 0; i < runs; i++) {
    const name = `bench-${randomBytes(3).toString('hex')}`;
    const [elapsed] = await timed(() => provider.create({ name, profile: 'single' }, new EventStatus(), AbortSignal.timeout(900_000)));
    await provider.delete(name);
    baseline.push(elapsed);
    log(`  provider create-to-ready: ${formatElapsed(elapsed)}`);
  }

  // Cold: no pool, so Start lab creates the cluster.
  const coldServer = await serve(0);
  const cold: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [elapsed, client] = await startToPrompt(coldServer);
    cold.push(elapsed);
    log(`  cold Start lab → prompt: ${formatElapsed(elapsed)} (${stepTimes(client)})`);
    await client.end();
  }

  // Warm: a pooled cluster is waiting; wait for the refill between runs so each start finds one.
  const warmServer = await serve(1);
  const warmApp = warmServer.app;
  const warm: number[] = [];
  let kept: LabClient | undefined;
  for (let i = 0; i < runs; i++) {
    while (warmApp.pool.counts().ready < 1) await sleep(500);
    const [elapsed, client] = await startToPrompt(warmServer);
    warm.push(elapsed);
    log(`  warm Start lab → prompt: ${formatElapsed(elapsed)} (${stepTimes(client)})`);
    if (i === runs - 1) kept = client;
    else await client.end();
  }
  const lab = kept!;
  // Let the pool's refill finish: a cluster being created beside the measurements would time its CPU use, not ours.
  while (warmApp.pool.counts().ready < 1) await sleep(500);

  // Keystroke echo through the lab-runner, then straight into a pty on the same container.
  const echoes: number[] = [];
  for (let i = 0; i < keystrokes; i++) {
    echoes.push(await lab.echo('x'));
    if (i % 50 === 49) lab.send('\x15');
  }
  lab.send('\x15');
  // The lab-runner in this process knows which cluster the session holds.
  const clusterName = (await warmApp.sessions.authenticate(lab.session.id, lab.session.token, 'header')).cluster;
  const direct = await directEcho(provider.shellArgv(clusterName));

  // Check latency per exercise, on the solved state.
  const lesson = (await findLesson('pods'))!;
  const kubeconfig = await warmApp.provider.kubeconfig(clusterName);
  const k = contextFromKubeconfig(kubeconfig);
  const checkRows: string[] = [];
  for (const exercise of lesson.exercises) {
    await runExerciseScript('cleanup', exercise.cleanup, kubeconfig);
    if (exercise.setup) await runExerciseScript('setup', exercise.setup, kubeconfig);
    await runExerciseScript('solution', exercise.solution, kubeconfig);
    const overHttp: number[] = [];
    const inProcess: number[] = [];
    for (let i = 0; i < checks; i++) {
      const [httpMs, result] = await timed(() => lab.check(exercise.id));
      if (!result.passed) throw new Error(`${exercise.id}: the check failed on the solved state`);
      overHttp.push(httpMs);
      inProcess.push((await timed(() => runCheck(exercise.id, (signal) => exercise.check(k, signal))))[0]);
    }
    checkRows.push(
      `| ${exercise.id} | ${ms(median(overHttp))} | ${ms(percentile(overHttp, 95))} | ${ms(median(inProcess))} | ${(median(overHttp) / median(inProcess)).toFixed(2)}× |`,
    );
  }

  // A notebook cell: `kubectl get pods` run through the API (into the toolbox, recorded in the journal), against
  // the same command run straight with `docker exec` from this process.
  const cellScript = 'kubectl get pods';
  const cellRuns: number[] = [];
  const directRuns: number[] = [];
  for (let i = 0; i < cells; i++) {
    const [cellMs, entry] = await timed(() => lab.api.runCell(lab.session, { cell: 'bench-get-pods', code: cellScript }));
    if (entry.exitCode !== 0) throw new Error(`the cell failed: ${entry.output}`);
    cellRuns.push(cellMs);
    directRuns.push((await timed(() => runBounded(toolboxRunArgv(clusterName, cellScript, 60), { maxBytes: 65_536, timeoutMs: 65_000 })))[0]);
  }
  await lab.end();

  report.push(
    '| Measure | p50 | p95 | Baseline (same process) | Ratio |',
    '|---|---|---|---|---|',
    `| Start lab → prompt, cold (no warm cluster) | ${formatElapsed(median(cold))} | ${formatElapsed(percentile(cold, 95))} | provider create-to-ready ${formatElapsed(median(baseline))} | ${(median(cold) / median(baseline)).toFixed(2)}× |`,
    `| Start lab → prompt, warm (pooled cluster) | ${formatElapsed(median(warm))} | ${formatElapsed(percentile(warm, 95))} | cold start ${formatElapsed(median(cold))} | ${(median(warm) / median(cold)).toFixed(3)}× |`,
    `| Keystroke echo over WebSocket | ${ms(median(echoes))} | ${ms(percentile(echoes, 95))} | node-pty direct ${ms(median(direct))} (p95 ${ms(percentile(direct, 95))}) | ${(median(echoes) / median(direct)).toFixed(2)}× |`,
    `| Notebook cell \`${cellScript}\` (request → output) | ${ms(median(cellRuns))} | ${ms(percentile(cellRuns, 95))} | docker exec direct ${ms(median(directRuns))} (p95 ${ms(percentile(directRuns, 95))}) | ${(median(cellRuns) / median(directRuns)).toFixed(2)}× |`,
    '',
    '| Check (solved state) | HTTP p50 | HTTP p95 | In-process p50 | Ratio |',
    '|---|---|---|---|---|',
    ...checkRows,
  );
  process.stdout.write(`\n${report.join('\n')}\n`);
} catch (error) {
  process.stderr.write(`\n${formatError(error)}\n`);
  process.exitCode = 1;
} finally {
  for (const app of apps) await app.close().catch(() => {});
  // Sessions outlive their lab-runner by design, so a run that failed half-way leaves clusters behind: remove
  // the ones this run made.
  if (before) {
    for (const cluster of await provider.list().catch(() => [])) {
      if (!before.has(cluster.name)) await provider.delete(cluster.name).catch(() => {});
    }
  }
  await rm(dataDir, { recursive: true, force: true });
}
