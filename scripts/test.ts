/**
 * `npm test`: every test, the way CI runs it, failing fast and printing the time of each stage. Sets up what is
 * missing first (warm: seconds); lints and type-checks (together: two cores); builds the site; runs the
 * orchestrators' tests (on a fake provider, and the site's lab reducer), then the other unit tests (no cluster
 * for either); then everything that needs real
 * kind clusters. The noisy-neighbour test goes first and alone, because it measures latency and needs a quiet
 * machine. The rest runs three stages at a time (see `clusterStages`): most of a cluster test's time is spent
 * waiting on the cluster (a pod starting, a namespace going away), which leaves the two cores room for more
 * than one at a time.
 *
 *   npm test                       everything
 *   npm test -- <file.test.ts>…    just those test files (after setup and the type check)
 */
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { runMain } from '@kubelab/kit/main';
import { repoRoot } from '@kubelab/kit/paths';
import { formatElapsed } from '@kubelab/kit/status';
import { setup } from './setup.ts';

interface Stage {
  title: string;
  /** Prefixes each of the stage's output lines while it runs beside other stages, so each line says whose it is. */
  tag: string;
  argv: string[];
}

const stageTimes: [string, number, boolean][] = [];

/**
 * What each failed stage said about its failure, printed again at the very end: with three stages interleaving
 * thousands of lines, the reason a run failed is otherwise far above the summary (and out of a CI log's tail).
 */
const failureReports: { stage: Stage; lines: string[] }[] = [];
const failureLine = /✗|✖|not ok|AssertionError|Error:|error:|failed|expected|actual:/;
const keptFailureLines = 30;
const keptLastLines = 12;

/** Keeps the lines that explain a failure (capped, the latest win) and the last few lines of the output. */
class FailureLines {
  readonly #matching: string[] = [];
  readonly #last: string[] = [];
  add(line: string): void {
    const clean = line.replace(/\x1b\[[0-9;]*m/g, '');
    if (failureLine.test(clean)) {
      this.#matching.push(clean);
      if (this.#matching.length > keptFailureLines) this.#matching.shift();
    }
    this.#last.push(clean);
    if (this.#last.length > keptLastLines) this.#last.shift();
  }
  lines(): string[] {
    const tail = this.#last.filter((line) => !this.#matching.includes(line));
    return [...this.#matching, ...(tail.length ? ['…', ...tail] : [])];
  }
}

function runArgv(stage: Stage, prefixed: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(stage.argv[0]!, stage.argv.slice(1), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const failureLines = new FailureLines();
    for (const [stream, out] of [
      [child.stdout!, process.stdout],
      [child.stderr!, process.stderr],
    ] as const) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        failureLines.add(line);
        out.write(prefixed ? `[${stage.tag}] ${line}\n` : `${line}\n`);
      });
    }
    const done = (ok: boolean) => {
      if (!ok) failureReports.push({ stage, lines: failureLines.lines() });
      resolve(ok);
    };
    child.on('error', (error) => {
      failureLines.add(`could not start ${stage.argv[0]}: ${error.message}`);
      done(false);
    });
    child.on('close', (code) => done(code === 0));
  });
}

/**
 * Runs the stages in order, at most `workers` at a time: each one starts when the one before it has started and
 * a worker is free, so a long stage never holds up the work behind a short one. Every stage's time is recorded.
 * Once a stage has failed no other starts (the ones running finish, so they clean up their clusters). Resolves
 * true when every stage passed.
 */
async function stages(workers: number, ...list: Stage[]): Promise<boolean> {
  const prefixed = workers > 1 && list.length > 1;
  if (prefixed) process.stderr.write(`\n── ${workers} at a time: ${list.map((s) => `[${s.tag}] ${s.title}`).join(' · ')}\n`);
  const queue = [...list];
  let failed = false;
  const worker = async () => {
    for (let stage = queue.shift(); stage && !failed; stage = queue.shift()) {
      const name = `${prefixed ? `[${stage.tag}] ` : ''}${stage.title}`;
      process.stderr.write(`\n── ${name}\n`);
      const began = performance.now();
      const ok = await runArgv(stage, prefixed);
      const elapsed = performance.now() - began;
      stageTimes.push([stage.title, elapsed, ok]);
      process.stderr.write(`── ${ok ? '✓' : '✗'} ${name} (${formatElapsed(elapsed)})\n`);
      if (!ok) failed = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, list.length) }, worker));
  return !failed;
}

const files = (pattern: string) => globSync(pattern, { cwd: repoRoot, exclude: (name) => name.includes('node_modules') }).sort();

/**
 * The orchestrators' own tests, a stage of their own so their time shows (issue 7 holds them under 30 s): the
 * session lifecycle, the warm pool, the data-directory lock, the server's start and stop and the lab lifetimes on
 * the fake provider, and the site's lab reducer. No cluster, no Docker.
 */
const orchestratorTests = [
  'lab-runner/test/sessions.test.ts',
  'lab-runner/test/pool.test.ts',
  'lab-runner/test/lock.test.ts',
  'lab-runner/test/server.test.ts',
  'lab-runner/test/lifetime.test.ts',
  'site/test/lab-reducer.test.ts',
];

/** Measures keystroke echo and check latency while another lab misbehaves: its figures mean something only on a quiet machine. */
const latencyTest = 'lab-runner/test/noisy-neighbour.integration.test.ts';

/**
 * What runs once the quiet measurement is done, three at a time: on two cores about three clusters' worth of
 * work at a time keeps both busy without starving any (each stage's own timeouts are minutes, its waits
 * event-driven). The integration files go one at a time, since each makes clusters of its own; labs:test proves
 * every scenario on three clusters (two single-node, one multi-node; lanes balanced by each lesson's last time),
 * then every exercise's solution again as a workshop's learner on two learner-mode clusters, which take the places
 * of its first lanes to end (a fourth lane was tried: on two cores it only starved the e2e stage); e2e drives
 * the lab-runner in chromium. Every stage keeps its clusters busy to its end, so none runs alone for minutes with
 * one of the two cores idle (as the workshop run did when it was a stage of its own behind the other three).
 */
function clusterStages(node: string, integration: string[]): Stage[] {
  return [
    { title: `Integration tests: ${integration.length} files against real kind clusters, one at a time`, tag: 'integration', argv: [node, '--test', '--test-concurrency=1', ...integration] },
    {
      title: "labs:test: every exercise against a real cluster, then every solution as a workshop's learner",
      tag: 'labs',
      argv: [node, 'scripts/labs-test.ts', '--skip-setup', '--jobs', '3', '--with-workshop-solutions'],
    },
    { title: 'e2e: the learner loop in chromium (Playwright)', tag: 'e2e', argv: ['npx', 'playwright', 'test', '-c', 'e2e/playwright.config.ts'] },
  ];
}

await runMain(async () => {
  const began = performance.now();
  const setupBegan = performance.now();
  await setup();
  stageTimes.push(['Setup', performance.now() - setupBegan, true]);

  const unit = files('{scripts,lab-runner,checkers,labs,site}/**/*.test.ts').filter((file) => !file.includes('.integration.'));
  const missing = orchestratorTests.filter((file) => !unit.includes(file));
  if (missing.length) throw new Error(`scripts/test.ts names orchestrator tests that do not exist: ${missing.join(', ')}`);
  const fast = unit.filter((file) => !orchestratorTests.includes(file));
  const integration = files('{scripts,lab-runner,checkers,labs}/**/*.integration.test.ts').filter((file) => file !== latencyTest);
  const only = process.argv.slice(2);
  const node = process.execPath;
  const stage = (title: string, tag: string, argv: string[]): Stage => ({ title, tag, argv });

  const ok =
    (await stages(2, stage('Lint (eslint)', 'lint', ['npx', 'eslint', '.']), stage('Type check (tsc --noEmit)', 'tsc', ['npx', 'tsc', '--noEmit', '-p', '.']))) &&
    (only.length
      ? await stages(1, stage(`Tests: ${only.join(' ')}`, 'tests', [node, '--test', '--test-concurrency=1', ...only]))
      : (await stages(
          1,
          stage('Course site build', 'site', [node, 'scripts/site-build.ts']),
          stage('Type check the site (tsc --noEmit -p site)', 'site-tsc', ['npx', 'tsc', '--noEmit', '-p', 'site']),
          stage(
            `Orchestrator tests: ${orchestratorTests.length} files (sessions, warm pool, lock, server, lifetimes on a fake provider; the lab reducer; no cluster)`,
            'orchestrators',
            [node, '--test', ...orchestratorTests],
          ),
          stage(`Fast tests: ${fast.length} files (unit tests; no cluster)`, 'fast', [node, '--test', ...fast]),
          stage('Integration test: keystroke echo and checks beside a noisy neighbour (alone: it measures latency)', 'latency', [node, '--test', latencyTest]),
        )) && (await stages(3, ...clusterStages(node, integration))));

  for (const { stage, lines } of failureReports) {
    process.stderr.write(`\nWhy "${stage.title}" failed (its failure lines, then its last lines):\n`);
    for (const line of lines) process.stderr.write(`  [${stage.tag}] ${line}\n`);
  }
  process.stderr.write('\nStage times:\n');
  for (const [title, ms, passed] of stageTimes) process.stderr.write(`  ${passed ? '✓' : '✗'} ${formatElapsed(ms).padStart(8)}  ${title}\n`);
  process.stderr.write(`  ${formatElapsed(performance.now() - began).padStart(10)}  in all\n`);
  return ok ? 0 : 1;
});
