/**
 * Sessions against real kind clusters, over real HTTP and WebSocket (the server listens on port 0): a learner
 * starts the pods lesson, watches the provisioning steps, uses the terminal, checks and resets exercises; a
 * second learner gets a warm pooled cluster and never sees the first one's results; a deleted cluster is
 * reported and recreated; a restarted server brings the labs back; ending a lab leaves nothing in Docker.
 * Needs `npm run setup` (npm test runs it first). Takes a few minutes: three clusters are made.
 */
import { after, before, describe, test } from 'node:test';
import type { CheckResult } from '@kubelab/checkers';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { KindProvider } from '../providers/kind/provider.ts';
import { decodeServerFrame, encodeAck, encodeInput, encodeResize } from '../terminal/protocol.ts';
import { findExercise, findLesson } from '@kubelab/labs/catalog';
import { runExerciseScript } from '@kubelab/labs/scripts';
import { run } from '@kubelab/kit/exec';
import { hashToken, newToken } from '../sessions/ids.ts';
import { leftovers } from './cluster-fixture.ts';
import { upgradeRequest } from './upgrade.ts';

const provider = new KindProvider();

interface Step {
  id: string;
  title: string;
  state: 'running' | 'done' | 'failed';
  elapsedMs: number;
  detail?: string;
}
interface Summary {
  id: string;
  lesson: string;
  state: string;
  profile: string;
  nodes: { name: string; role: string }[];
  steps: Step[];
  results: Record<string, CheckResult>;
  error?: { code: string; message: string; hint?: string };
}
interface Lab {
  id: string;
  token: string;
}

let dir: string;
let config: Config;
let app: FastifyInstance;
let base: string;
/** Every cluster a session of this file held, to prove none is left behind. */
const clusters = new Set<string>();

async function start(): Promise<void> {
  app = await buildApp({ config, logger: process.env.KUBELAB_TEST_LOGS === '1' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

async function api<T = unknown>(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(300_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const clusterOf = (lab: Lab): string => {
  const name = app.store.getSession(lab.id)?.cluster;
  assert.ok(name, 'the session has a cluster');
  clusters.add(name);
  return name;
};

/** Follows /events to its end; returns every event in order. */
async function followEvents(lab: Lab, timeoutMs = 600_000): Promise<{ event: string; data: unknown }[]> {
  const response = await fetch(`${base}/api/sessions/${lab.id}/events?token=${encodeURIComponent(lab.token)}`, { signal: AbortSignal.timeout(timeoutMs) });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.ok(response.body);
  const events: { event: string; data: unknown }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data) events.push({ event, data: JSON.parse(data) });
    }
  }
  return events;
}

/** Follows the events until ready, and says which steps it saw. Fails with the error if provisioning failed. */
async function untilReady(lab: Lab): Promise<{ titles: string[]; summary: Summary; events: { event: string; data: unknown }[] }> {
  const events = await followEvents(lab);
  const last = events.at(-1);
  assert.ok(last, 'the stream sent events');
  assert.equal(last.event, 'ready', `provisioning ended with ${last.event}: ${JSON.stringify(last.data)}`);
  const titles = [...new Set(events.filter((e) => e.event === 'step').map((e) => (e.data as Step).title))];
  return { titles, summary: last.data as Summary, events };
}

async function check(lab: Lab, exercise: string): Promise<{ status: number; body: CheckResult & { error?: { code: string; hint?: string } } }> {
  return api('POST', `/api/sessions/${lab.id}/exercises/${exercise}/check`, lab.token);
}

/** Opens the session's terminal, runs `command`, and returns the output once it matches `expect`. */
async function inTerminal(lab: Lab, command: string, expect: RegExp, timeoutMs = 60_000): Promise<string> {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/api/sessions/${lab.id}/terminal?token=${encodeURIComponent(lab.token)}`);
  socket.binaryType = 'arraybuffer';
  const decoder = new TextDecoder();
  let output = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${expect} in the terminal after ${timeoutMs / 1000}s; it showed:\n${output.slice(-2000)}`)), timeoutMs);
      socket.onerror = () => reject(new Error('the terminal WebSocket failed'));
      socket.onclose = (event) => reject(new Error(`the terminal closed (${event.code} ${event.reason}); it showed:\n${output.slice(-2000)}`));
      socket.onopen = () => {
        socket.send(encodeResize(120, 40));
        socket.send(encodeInput(`${command}\r`));
      };
      socket.onmessage = (event) => {
        const message = decodeServerFrame(new Uint8Array(event.data as ArrayBuffer));
        if (message.type !== 'output') return;
        output += decoder.decode(message.data, { stream: true });
        socket.send(encodeAck(message.data.length));
        if (expect.test(output)) {
          clearTimeout(timer);
          resolve(output);
        }
      };
    });
  } finally {
    socket.onclose = null;
    socket.close(1000);
  }
}

/** The terminal's upgrade request for a lab, as a browser would send it. */
function upgrade(lab: Lab): ReturnType<typeof upgradeRequest> {
  return upgradeRequest(Number(new URL(base).port), `/api/sessions/${lab.id}/terminal?token=${encodeURIComponent(lab.token)}`);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubelab-sessions-test-'));
  config = loadConfig({}, { dataDir: join(dir, 'data'), siteDir: join(dir, 'no-site'), maxSessions: 2, poolSize: 1 });
  await start();
});

after(async () => {
  await app?.close();
  // Whatever a failed test left behind, only the clusters this file made are removed.
  for (const name of clusters) await provider.delete(name).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe('lab sessions on real clusters', { timeout: 1_500_000 }, () => {
  const a: Lab = { id: '', token: '' };
  const b: Lab = { id: '', token: '' };

  test('starting the pods lesson streams the provisioning steps, then the lab is ready', async () => {
    const created = await api<{ id: string; token: string; lesson: string; state: string }>('POST', '/api/sessions', undefined, { lesson: 'pods' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.lesson, 'pods');
    assert.equal(created.body.state, 'provisioning');
    assert.ok(created.body.token.length >= 32, 'a long random token');
    Object.assign(a, { id: created.body.id, token: created.body.token });
    clusterOf(a);

    const { titles, summary } = await untilReady(a);
    for (const title of ['Creating the cluster (kind)', 'Starting terminal', 'Preparing exercises']) {
      assert.ok(titles.includes(title), `step "${title}" was shown (saw: ${titles.join(' | ')})`);
    }
    assert.ok(titles.indexOf('Starting terminal') < titles.indexOf('Preparing exercises'), 'the terminal starts before the exercises are prepared');
    assert.equal(summary.state, 'ready');
    assert.deepEqual(summary.nodes.map((n) => n.role), ['control-plane']);
    assert.ok(summary.steps.every((s) => s.state === 'done'), 'every step is done');

    const now = await api<Summary>('GET', `/api/sessions/${a.id}`, a.token);
    assert.equal(now.body.state, 'ready');
    // The stream replays: a late subscriber gets the same steps and the ready event.
    const replay = await followEvents(a, 10_000);
    assert.equal(replay.at(-1)?.event, 'ready');
    assert.ok(replay.filter((e) => e.event === 'step').length >= 3);
  });

  test("exercise setups ran while the lab was prepared, and Reset exercise runs them again", async () => {
    const kubeconfig = await provider.kubeconfig(clusterOf(a));
    const kubectl = async (args: string) => (await runExerciseScript('test probe', `kubectl ${args}`, kubeconfig)).stdout.trim();
    assert.equal(await kubectl('get pod api -o name'), 'pod/api', "the crashloop exercise's pod was made by its setup");
    await kubectl('delete pod api --wait');
    assert.equal(await kubectl('get pod api -o name --ignore-not-found'), '');
    const reset = await api('POST', `/api/sessions/${a.id}/exercises/crashloop/reset`, a.token);
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.deepEqual(reset.body, { exercise: 'crashloop', reset: true });
    assert.equal(await kubectl('get pod api -o name'), 'pod/api', 'the reset made it again');
  });

  test('the terminal is a shell in the toolbox, wired to this lab’s cluster', async () => {
    const output = await inTerminal(a, 'kubectl get nodes --no-headers', /control-plane\s+\d|\bReady\b/);
    assert.match(output, /Ready/);
  });

  test('a check on the pristine cluster fails, criterion by criterion, and is kept in the history', async () => {
    const result = await check(a, 'first-pod');
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(result.body.exercise, 'first-pod');
    assert.equal(result.body.passed, false);
    const exists = result.body.criteria.find((c) => c.id === 'exists');
    assert.ok(exists, `an "exists" criterion: ${JSON.stringify(result.body.criteria)}`);
    assert.equal(exists.passed, false);
    assert.ok(result.body.criteria.length >= 2, 'each criterion is reported');
    const summary = await api<Summary>('GET', `/api/sessions/${a.id}`, a.token);
    assert.deepEqual(summary.body.results['first-pod'], result.body);
  });

  test('a solved exercise passes; resetting it puts the cluster back to the start', async () => {
    const lesson = await findLesson('pods');
    const exercise = lesson && findExercise(lesson, 'first-pod');
    assert.ok(exercise);
    await runExerciseScript('solution', exercise.solution, await provider.kubeconfig(clusterOf(a)));
    const solved = await check(a, 'first-pod');
    assert.equal(solved.body.passed, true, JSON.stringify(solved.body.criteria));

    const reset = await api('POST', `/api/sessions/${a.id}/exercises/first-pod/reset`, a.token);
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.deepEqual(reset.body, { exercise: 'first-pod', reset: true });
    const after = await check(a, 'first-pod');
    assert.equal(after.body.passed, false, 'after the reset, the pod is gone again');

    // Solve it again, to tell this lab's results from the next one's.
    await runExerciseScript('solution', exercise.solution, await provider.kubeconfig(clusterOf(a)));
    assert.equal((await check(a, 'first-pod')).body.passed, true);
  });

  test('a second learner gets a warm cluster from the pool, and neither sees the other’s lab', async () => {
    const deadline = Date.now() + 600_000;
    while (app.pool.counts().ready === 0) {
      assert.ok(Date.now() < deadline, 'the pool made a warm cluster');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const began = Date.now();
    const created = await api<{ id: string; token: string }>('POST', '/api/sessions', undefined, { lesson: 'pods' });
    assert.equal(created.status, 201);
    Object.assign(b, created.body);
    const { titles } = await untilReady(b);
    clusterOf(b);
    assert.ok(titles.includes('Taking a warm cluster'), `the warm cluster was used (steps: ${titles.join(' | ')})`);
    assert.ok(!titles.includes('Creating the cluster (kind)'), 'no cluster was created for it');
    assert.ok(Date.now() - began < 120_000, `ready in ${Math.round((Date.now() - began) / 1000)}s`);
    assert.notEqual(clusterOf(b), clusterOf(a));

    // B's own cluster has no pod: its check fails while A's passes.
    assert.equal((await check(b, 'first-pod')).body.passed, false);
    const summaryA = await api<Summary>('GET', `/api/sessions/${a.id}`, a.token);
    const summaryB = await api<Summary>('GET', `/api/sessions/${b.id}`, b.token);
    assert.equal(summaryA.body.results['first-pod']?.passed, true);
    assert.equal(summaryB.body.results['first-pod']?.passed, false);

    // Neither token opens the other lab: summary, checks, events, terminal.
    for (const [me, other] of [[a, b], [b, a]] as const) {
      assert.equal((await api('GET', `/api/sessions/${other.id}`, me.token)).status, 403);
      assert.equal((await check({ id: other.id, token: me.token }, 'first-pod')).status, 403);
      assert.equal((await fetch(`${base}/api/sessions/${other.id}/events?token=${me.token}`)).status, 403);
      await assert.rejects(inTerminal({ id: other.id, token: me.token }, 'true', /never/, 10_000), /WebSocket failed|closed/);
    }

    // The capacity is 2: a third lab is refused.
    const third = await api<{ error: { code: string } }>('POST', '/api/sessions', undefined, { lesson: 'pods' });
    assert.equal(third.status, 429);
    assert.equal(third.body.error.code, 'E_CAPACITY_REACHED');
  });

  test('a cluster deleted out from under a lab is reported (409 E_CLUSTER_GONE), and Recreate brings a new one', async () => {
    const old = clusterOf(a);
    await provider.delete(old);
    const gone = await check(a, 'first-pod');
    assert.equal(gone.status, 409);
    assert.equal(gone.body.error?.code, 'E_CLUSTER_GONE');
    assert.match(gone.body.error?.hint ?? '', new RegExp(`POST /api/sessions/${a.id}/reset`));
    const terminal = await upgrade(a);
    assert.ok(terminal !== 'upgraded' && terminal.status === 409, `the terminal is refused too: ${JSON.stringify(terminal)}`);
    assert.equal((JSON.parse(terminal.body) as { error: { code: string } }).error.code, 'E_CLUSTER_GONE');

    const reset = await api<{ state: string }>('POST', `/api/sessions/${a.id}/reset`, a.token);
    assert.equal(reset.status, 202);
    assert.deepEqual(reset.body, { state: 'provisioning' });
    assert.equal((await check(a, 'first-pod')).status, 409, 'no checks while it is provisioning');
    const { titles } = await untilReady(a);
    assert.equal(titles[0], 'Removing the old environment');
    assert.ok(titles.includes('Starting terminal'));
    const fresh = clusterOf(a);
    assert.notEqual(fresh, old);

    const result = await check(a, 'first-pod');
    assert.equal(result.status, 200);
    assert.equal(result.body.passed, false, 'the new cluster starts pristine');
    assert.ok(result.body.criteria.some((c) => c.id === 'exists' && !c.passed));
    await inTerminal(a, 'kubectl get nodes --no-headers', /\bReady\b/);
  });

  test('after a restart, labs whose clusters still exist come back with the same token; others end', async () => {
    // A lab whose cluster vanished while the server was down.
    const orphan: Lab = { id: 'feedfacecafe0001', token: newToken() };
    app.store.createSession({
      id: orphan.id, tokenHash: hashToken(orphan.token), lesson: 'pods', cluster: 's-000000', profile: 'single',
      state: 'ready', nodes: [], createdAt: new Date().toISOString(),
    });
    await app.close();
    await start();
    const ended = await api<Summary>('GET', `/api/sessions/${orphan.id}`, orphan.token);
    assert.equal(ended.body.state, 'ended');
    assert.equal(ended.body.error?.code, 'E_CLUSTER_GONE');
    for (const lab of [a, b]) {
      const summary = await api<Summary>('GET', `/api/sessions/${lab.id}`, lab.token);
      assert.equal(summary.status, 200);
      assert.equal(summary.body.state, 'ready');
      assert.ok(summary.body.results['first-pod'], 'the check history survived the restart');
      assert.equal((await check(lab, 'first-pod')).status, 200);
    }
    await inTerminal(b, 'kubectl get nodes --no-headers', /\bReady\b/);
    const health = await api<{ sessions: number }>('GET', '/healthz');
    assert.equal(health.body.sessions, 2);
  });

  test('ending a lab deletes its cluster and toolbox: nothing is left in Docker', async () => {
    for (const lab of [a, b]) {
      const cluster = clusterOf(lab);
      const ended = await api('DELETE', `/api/sessions/${lab.id}`, lab.token);
      assert.equal(ended.status, 204);
      assert.deepEqual(await leftovers(cluster), [], `no containers or network of ${cluster}`);
      const containers = (await run(['docker', 'ps', '-a', '--format', '{{.Names}}'])).stdout.split('\n');
      assert.deepEqual(containers.filter((name) => name.includes(cluster)), [], 'no toolbox container either');
      const summary = await api<Summary>('GET', `/api/sessions/${lab.id}`, lab.token);
      assert.equal(summary.body.state, 'ended');
      const late = await check(lab, 'first-pod');
      assert.equal(late.status, 409);
    }
    assert.equal((await api<{ sessions: number }>('GET', '/healthz')).body.sessions, 0);
  });

  test('ending a lab while it is still starting stops the provisioning and leaves nothing behind', async () => {
    const created = await api<{ id: string; token: string }>('POST', '/api/sessions', undefined, { lesson: 'pods' });
    assert.equal(created.status, 201);
    const lab: Lab = created.body;
    const cluster = clusterOf(lab);
    // Wait until kind is at work (if the pool had a warm cluster ready, the lab may get ready first: fine too).
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { body } = await api<Summary>('GET', `/api/sessions/${lab.id}`, lab.token);
      if (body.state !== 'provisioning' || body.steps.some((s) => s.title === 'Creating the cluster (kind)')) break;
      assert.ok(Date.now() < deadline, 'provisioning got under way');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const ended = await api('DELETE', `/api/sessions/${lab.id}`, lab.token);
    assert.equal(ended.status, 204);
    assert.equal((await api<Summary>('GET', `/api/sessions/${lab.id}`, lab.token)).body.state, 'ended');
    for (const name of new Set([cluster, clusterOf(lab)])) assert.deepEqual(await leftovers(name), [], `nothing of ${name} is left`);
    assert.equal((await api<{ sessions: number }>('GET', '/healthz')).body.sessions, 0);
  });

  test('closing the server deletes the warm pool’s clusters', async () => {
    const pooled = (await provider.list()).map((c) => c.name).filter((name) => app.store.poolClusters().some((row) => row.name === name));
    await app.close();
    for (const name of pooled) assert.deepEqual(await leftovers(name), [], `pool cluster ${name} removed`);
    const remaining = (await provider.list()).map((c) => c.name);
    for (const name of clusters) assert.ok(!remaining.includes(name), `${name} is gone`);
  });
});
