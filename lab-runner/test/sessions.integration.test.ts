/**
 * Sessions against real kind clusters, over real HTTP and WebSocket (the server listens on port 0) through the
 * typed client a browser uses: a learner starts the pods lesson, watches the provisioning steps, uses the
 * terminal, checks and resets exercises; a second learner gets a warm pooled cluster and never sees the first
 * one's results; a deleted cluster is reported and recreated; a restarted server brings the labs back; ending a
 * lab leaves nothing in Docker. Needs `npm run setup` (npm test runs it first). Takes a few minutes: three
 * clusters are made.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { contextFromKubeconfig, runCheck } from '@kubelab/checkers';
import { run } from '@kubelab/kit/exec';
import { findExercise, findLesson } from '@kubelab/labs/catalog';
import { runExerciseScript } from '@kubelab/labs/scripts';
import {
  ApiError,
  followAutoCheck,
  followSessionEvents,
  LabApi,
  TerminalClient,
  type CheckResult,
  type Credentials,
  type SessionSummary,
  type Step,
} from '@kubelab/lab-runner/client';
import { buildApp } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { KindProvider } from '../providers/kind/provider.ts';
import { hashToken, newToken } from '../sessions/ids.ts';
import { leftovers } from './cluster-fixture.ts';
import { upgradeRequest } from './upgrade.ts';

/** The test's own view of the clusters: the lab-runner's kubeconfigs live in its data directory (set in before()). */
let provider: KindProvider;

let dir: string;
let config: Config;
let app: FastifyInstance;
let api: LabApi;
/** Every cluster a session of this file held, to prove none is left behind. */
const clusters = new Set<string>();

async function start(): Promise<void> {
  app = await buildApp({ config, logger: process.env.KUBELAB_TEST_LOGS === '1' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  // A client that is not a browser starts labs with the launch token as a bearer token.
  api = new LabApi({ baseUrl: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, launchToken: config.launchToken });
}

const clusterOf = (lab: Credentials): string => {
  const name = app.store.getSession(lab.id)?.cluster;
  assert.ok(name, 'the session has a cluster');
  clusters.add(name);
  return name;
};

/** Follows the events until ready; fails with the error if provisioning failed. Returns the step ids seen, in order. */
async function untilReady(lab: Credentials): Promise<{ ids: string[]; summary: SessionSummary }> {
  const steps: Step[] = [];
  let summary: SessionSummary | undefined;
  let failure: unknown;
  const end = await followSessionEvents(
    api,
    lab,
    { onStep: (step) => steps.push(step), onReady: (s) => (summary = s), onFailed: (error) => (failure = error) },
    { signal: AbortSignal.timeout(600_000) },
  );
  assert.equal(end, 'ready', `provisioning ended with ${end}: ${JSON.stringify(failure)}`);
  assert.ok(summary);
  return { ids: [...new Set(steps.map((step) => step.id))], summary };
}

/** Asserts that `promise` rejects with an ApiError of this status and code; returns it. */
async function apiError(promise: Promise<unknown>, status: number, code: string): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `an ApiError, not ${String(error)}`);
    assert.equal(error.status, status, `${error.code}: ${error.message}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${status} ${code}`);
}

/** Opens the session's terminal, runs `command`, and returns the output once it matches `expect`. */
async function inTerminal(lab: Credentials, command: string, expect: RegExp, timeoutMs = 60_000): Promise<string> {
  const decoder = new TextDecoder();
  let output = '';
  let client: TerminalClient | undefined;
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${expect} in the terminal after ${timeoutMs / 1000}s; it showed:\n${output.slice(-2000)}`)), timeoutMs);
      client = new TerminalClient(api.terminalUrl(lab), {
        onOpen: () => {},
        size: () => ({ cols: 120, rows: 40 }),
        onOutput: (data, rendered) => {
          output += decoder.decode(data, { stream: true });
          rendered();
          if (expect.test(output)) {
            clearTimeout(timer);
            resolve(output);
          }
        },
        onState: (state) => {
          if (state.state === 'connected') client?.sendInput(`${command}\r`);
          // A refused upgrade, or a terminal that closed: the client would reconnect; the test stops here.
          else if (state.state !== 'connecting' && state.state !== 'disposed') {
            clearTimeout(timer);
            reject(new Error(`the terminal is ${state.state}${'reason' in state ? ` (${state.reason})` : ''}; it showed:\n${output.slice(-2000)}`));
          }
        },
      });
    });
  } finally {
    client?.dispose();
  }
}

/** The terminal's upgrade request for a lab, as a browser would send it. */
function upgrade(lab: Credentials): ReturnType<typeof upgradeRequest> {
  return upgradeRequest(Number(new URL(api.baseUrl).port), `/api/sessions/${lab.id}/terminal?token=${encodeURIComponent(lab.token)}`);
}

/** kubectl against one of the test's clusters, with the lab server's own kubeconfig for it. */
async function kubectlOn(cluster: string, args: string): Promise<string> {
  return (await runExerciseScript('test probe', `kubectl ${args}`, await provider.kubeconfig(cluster))).stdout.trim();
}

/** The criterion ids the exercise's own check gives on this lab's cluster, asked in-process. */
async function criteriaIds(lab: Credentials, exerciseId: string): Promise<string[]> {
  const lesson = await findLesson('pods');
  const exercise = lesson && findExercise(lesson, exerciseId);
  assert.ok(exercise);
  const context = contextFromKubeconfig(await provider.kubeconfig(clusterOf(lab)));
  const result = await runCheck(exercise.id, (signal) => exercise.check(context, signal), { timeoutMs: exercise.timeoutMs });
  return result.criteria.map((criterion) => criterion.id);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubelab-sessions-test-'));
  config = loadConfig({}, { dataDir: join(dir, 'data'), siteDir: join(dir, 'no-site'), maxSessions: 2, poolSize: 1 });
  provider = new KindProvider({ stateDir: join(config.dataDir, 'clusters') });
  await start();
});

after(async () => {
  await app?.close();
  // Whatever a failed test left behind, only the clusters this file made are removed.
  for (const name of clusters) await provider?.delete(name).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe('lab sessions on real clusters', { timeout: 1_500_000 }, () => {
  const a: Credentials = { id: '', token: '' };
  const b: Credentials = { id: '', token: '' };

  test('starting the pods lesson streams the provisioning steps, then the lab is ready', async () => {
    const created = await api.createSession('pods');
    assert.equal(created.lesson, 'pods');
    assert.equal(created.state, 'provisioning');
    assert.ok(created.token.length >= 32, 'a long random token');
    Object.assign(a, { id: created.id, token: created.token });
    clusterOf(a);

    const { ids, summary } = await untilReady(a);
    // The pool is still making its first cluster, so this lab makes its own.
    for (const id of ['create-cluster', 'start-terminal', 'prepare-exercises']) assert.ok(ids.includes(id), `step ${id} was shown (saw: ${ids.join(' | ')})`);
    assert.ok(ids.indexOf('start-terminal') < ids.indexOf('prepare-exercises'), 'the terminal starts before the exercises are prepared');
    assert.equal(summary.state, 'ready');
    assert.deepEqual(summary.nodes.map((n) => n.role), ['control-plane']);
    assert.ok(summary.steps.every((s) => s.state === 'done'), 'every step is done');

    assert.equal((await api.session(a)).state, 'ready');
    // The stream replays: a late follower gets the same steps and the ready event.
    const replayed: string[] = [];
    assert.equal(await followSessionEvents(api, a, { onStep: (step) => replayed.push(step.id) }, { signal: AbortSignal.timeout(10_000) }), 'ready');
    assert.deepEqual(replayed, summary.steps.map((step) => step.id));
  });

  test('exercise setups ran while the lab was prepared, and Reset exercise runs them again', async () => {
    const kubeconfig = await provider.kubeconfig(clusterOf(a));
    const kubectl = async (args: string) => (await runExerciseScript('test probe', `kubectl ${args}`, kubeconfig)).stdout.trim();
    assert.equal(await kubectl('get pod api -o name'), 'pod/api', "the crashloop exercise's pod was made by its setup");
    await kubectl('delete pod api --wait');
    assert.equal(await kubectl('get pod api -o name --ignore-not-found'), '');
    assert.deepEqual(await api.resetExercise(a, 'crashloop'), { exercise: 'crashloop', reset: true });
    assert.equal(await kubectl('get pod api -o name'), 'pod/api', 'the reset made it again');
  });

  test('the terminal is a shell in the toolbox, wired to this lab’s cluster; its commands reach the notebook', async () => {
    const output = await inTerminal(a, 'kubectl get nodes --no-headers', /control-plane\s+\d|\bReady\b/);
    assert.match(output, /Ready/);
    const deadline = Date.now() + 10_000;
    let journaled;
    while (!journaled && Date.now() < deadline) {
      journaled = (await api.notebook('pods')).entries.find((e) => e.kind === 'command' && e.command === 'kubectl get nodes --no-headers');
      if (!journaled) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(journaled?.kind === 'command', 'the command is in the journal');
    assert.equal(journaled.exitCode, 0);
    assert.match(journaled.output, /Ready/);
  });

  test('a notebook cell runs in the toolbox with the lab’s kubeconfig, apart from the interactive shell', async () => {
    await inTerminal(a, 'export ONLY_IN_SHELL=1; echo set-$ONLY_IN_SHELL', /set-1/);
    const cell = await api.runCell(a, { cell: 'nodes', code: 'k get nodes -o name\necho "shell var: ${ONLY_IN_SHELL:-unset}"\necho oops >&2\nexit 3' });
    assert.equal(cell.exitCode, 3);
    assert.match(cell.output, /^node\/\S+control-plane$/m, 'kubectl (as k) reached the cluster');
    assert.match(cell.output, /shell var: unset/);
    assert.match(cell.output, /oops/, 'stderr is in the output');
    assert.equal(cell.truncated, false);
    const big = await api.runCell(a, { cell: 'big', code: 'yes kubelab | head -c 200000' });
    assert.equal(big.truncated, true);
    assert.match(big.output, /truncated/);
    assert.deepEqual((await api.notebook('pods')).cells.map((c) => c.cell).sort(), ['big', 'nodes']);
  });

  test('a check on the pristine cluster fails, criterion by criterion, and is kept in the history', async () => {
    const result = await api.check(a, 'first-pod');
    assert.equal(result.exercise, 'first-pod');
    assert.equal(result.passed, false);
    const exists = result.criteria.find((c) => c.id === 'exists');
    assert.ok(exists, `an "exists" criterion: ${JSON.stringify(result.criteria)}`);
    assert.equal(exists.passed, false);
    assert.deepEqual(result.criteria.map((c) => c.id), await criteriaIds(a, 'first-pod'), 'every criterion of the check is reported');
    assert.deepEqual((await api.session(a)).results['first-pod'], result);
  });

  test('a solved exercise passes; resetting it puts the cluster back to the start', async () => {
    const lesson = await findLesson('pods');
    const exercise = lesson && findExercise(lesson, 'first-pod');
    assert.ok(exercise);
    await runExerciseScript('solution', exercise.solution, await provider.kubeconfig(clusterOf(a)));
    const solved: CheckResult = await api.check(a, 'first-pod');
    assert.equal(solved.passed, true, JSON.stringify(solved.criteria));

    assert.deepEqual(await api.resetExercise(a, 'first-pod'), { exercise: 'first-pod', reset: true });
    assert.equal((await api.check(a, 'first-pod')).passed, false, 'after the reset, the pod is gone again');

    // Solve it again, to tell this lab's results from the next one's.
    await runExerciseScript('solution', exercise.solution, await provider.kubeconfig(clusterOf(a)));
    assert.equal((await api.check(a, 'first-pod')).passed, true);
  });

  test('auto-check: a result at once, then, with no Check pressed, a pass as soon as the cluster has the answer', async () => {
    await kubectlOn(clusterOf(a), 'delete pod web --ignore-not-found --wait'); // the reset's delete may still be finishing
    const results: boolean[] = [];
    const following = followAutoCheck(api, a, 'first-pod', { onCheck: (result) => results.push(result.passed) }, { signal: AbortSignal.timeout(180_000) });
    const deadline = Date.now() + 30_000;
    while (results.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(results, [false], 'the pristine exercise fails at once');
    const exercise = findExercise((await findLesson('pods'))!, 'first-pod')!;
    await runExerciseScript('solution', exercise.solution, await provider.kubeconfig(clusterOf(a)));
    assert.equal(await following, 'passed', `results: ${JSON.stringify(results)}`);
    assert.equal(results.at(-1), true);
  });

  test('a second learner gets a warm cluster from the pool, and neither sees the other’s lab', async () => {
    const deadline = Date.now() + 600_000;
    while (app.pool.counts().ready === 0) {
      assert.ok(Date.now() < deadline, 'the pool made a warm cluster');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const began = Date.now();
    Object.assign(b, await api.createSession('pods'));
    const { ids } = await untilReady(b);
    clusterOf(b);
    assert.ok(ids.includes('take-warm'), `the warm cluster was used (steps: ${ids.join(' | ')})`);
    assert.ok(!ids.includes('create-cluster'), 'no cluster was created for it');
    assert.ok(Date.now() - began < 120_000, `ready in ${Math.round((Date.now() - began) / 1000)}s`);
    assert.notEqual(clusterOf(b), clusterOf(a));

    // B's own cluster has no pod: its check fails while A's passes.
    assert.equal((await api.check(b, 'first-pod')).passed, false);
    assert.equal((await api.session(a)).results['first-pod']?.passed, true);
    assert.equal((await api.session(b)).results['first-pod']?.passed, false);

    // Neither token opens the other lab: summary, checks, events, terminal.
    for (const [me, other] of [[a, b], [b, a]] as const) {
      const stolen = { id: other.id, token: me.token };
      await apiError(api.session(stolen), 403, 'E_TOKEN_INVALID');
      await apiError(api.check(stolen, 'first-pod'), 403, 'E_TOKEN_INVALID');
      await apiError(followSessionEvents(api, stolen, {}), 403, 'E_TOKEN_INVALID');
      await assert.rejects(inTerminal(stolen, 'true', /never/, 10_000), /the terminal is reconnecting/);
    }

    // The capacity is 2: a third lab is refused.
    await apiError(api.createSession('pods'), 429, 'E_CAPACITY_REACHED');
  });

  test('a cluster deleted out from under a lab is reported (409 E_CLUSTER_GONE), and Recreate brings a new one', async () => {
    const old = clusterOf(a);
    await provider.delete(old);
    const gone = await apiError(api.check(a, 'first-pod'), 409, 'E_CLUSTER_GONE');
    assert.match(gone.hint ?? '', new RegExp(`POST /api/sessions/${a.id}/reset`));
    const terminal = await upgrade(a);
    assert.ok(terminal !== 'upgraded' && terminal.status === 409, `the terminal is refused too: ${JSON.stringify(terminal)}`);
    assert.equal((JSON.parse(terminal.body) as { error: { code: string } }).error.code, 'E_CLUSTER_GONE');

    // Restore where I was: the exercise passed earlier is replayed on the new cluster and checked again.
    assert.deepEqual(await api.recreate(a, { restore: true }), { state: 'provisioning', restoring: ['first-pod'] });
    await apiError(api.check(a, 'first-pod'), 409, 'E_SESSION_NOT_READY');
    const { ids, summary } = await untilReady(a);
    assert.equal(ids[0], 'remove-old');
    assert.ok(ids.includes('start-terminal'));
    assert.equal(ids.at(-1), 'restore-first-pod');
    assert.equal(summary.results['first-pod']?.passed, true, 'the restored exercise passes again');
    const fresh = clusterOf(a);
    assert.notEqual(fresh, old);
    assert.equal(await kubectlOn(fresh, 'get pod web -o name'), 'pod/web', 'on the new cluster, by its solution');

    const journal = await api.notebook('pods');
    assert.ok(journal.entries.some((e) => e.kind === 'command' && e.command === 'kubectl get nodes --no-headers'), 'the journal outlived the cluster');
    assert.ok(journal.cells.length > 0, 'and so did the cells');
    await inTerminal(a, 'kubectl get nodes --no-headers', /\bReady\b/);
  });

  test('after a restart, labs whose clusters still exist come back with the same token; others end', async () => {
    // A lab whose cluster vanished while the server was down.
    const orphan: Credentials = { id: 'feedfacecafe0001', token: newToken() };
    app.store.createSession({
      id: orphan.id, tokenHash: hashToken(orphan.token), lesson: 'pods', cluster: 's-000000', profile: 'single',
      state: 'ready', nodes: [], createdAt: new Date().toISOString(),
    });
    await app.close();
    await start();
    const ended = await api.session(orphan);
    assert.equal(ended.state, 'ended');
    assert.equal(ended.error?.code, 'E_CLUSTER_GONE');
    for (const lab of [a, b]) {
      const summary = await api.session(lab);
      assert.equal(summary.state, 'ready');
      assert.ok(summary.results['first-pod'], 'the check history survived the restart');
      assert.equal((await api.check(lab, 'first-pod')).exercise, 'first-pod');
    }
    await inTerminal(b, 'kubectl get nodes --no-headers', /\bReady\b/);
    assert.equal((await api.health()).sessions, 2);
  });

  test('ending a lab deletes its cluster and toolbox: nothing is left in Docker', async () => {
    for (const lab of [a, b]) {
      const cluster = clusterOf(lab);
      await api.endSession(lab);
      assert.deepEqual(await leftovers(cluster), [], `no containers or network of ${cluster}`);
      const containers = (await run(['docker', 'ps', '-a', '--format', '{{.Names}}'])).stdout.split('\n');
      assert.deepEqual(containers.filter((name) => name.includes(cluster)), [], 'no toolbox container either');
      assert.equal((await api.session(lab)).state, 'ended');
      await apiError(api.check(lab, 'first-pod'), 409, 'E_SESSION_NOT_READY');
    }
    assert.equal((await api.health()).sessions, 0);
  });

  test('ending a lab while it is still starting stops the provisioning and leaves nothing behind', async () => {
    const lab: Credentials = await api.createSession('pods');
    const cluster = clusterOf(lab);
    // Wait until kind is at work (if the pool had a warm cluster ready, the lab may get ready first: fine too).
    const deadline = Date.now() + 120_000;
    for (;;) {
      const summary = await api.session(lab);
      if (summary.state !== 'provisioning' || summary.steps.some((s) => s.id === 'create-cluster')) break;
      assert.ok(Date.now() < deadline, 'provisioning got under way');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await api.endSession(lab);
    assert.equal((await api.session(lab)).state, 'ended');
    for (const name of new Set([cluster, clusterOf(lab)])) assert.deepEqual(await leftovers(name), [], `nothing of ${name} is left`);
    assert.equal((await api.health()).sessions, 0);
  });

  test('closing the server deletes the warm pool’s clusters', async () => {
    const pooled = (await provider.list()).map((c) => c.name).filter((name) => app.store.poolClusters().some((row) => row.name === name));
    await app.close();
    for (const name of pooled) assert.deepEqual(await leftovers(name), [], `pool cluster ${name} removed`);
    const remaining = (await provider.list()).map((c) => c.name);
    for (const name of clusters) assert.ok(!remaining.includes(name), `${name} is gone`);
  });
});
