/**
 * The warm pool on the fake provider: a lab takes a warm cluster, the pool refills only once that lab is ready,
 * and a warm cluster that is gone (or broken) is never handed out: the lab makes its own, and its learner never
 * sees a pool name.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Step } from '../schemas/api.ts';
import type { Session } from '../sessions/session.ts';
import { KubelabError } from '@kubelab/kit/errors';
import { Store } from '../store/store.ts';
import { fakeServer, FakeProvider, tempDir, until, type FakeServer } from './fakes.ts';

let dir: { path: string; remove(): Promise<void> };
let count = 0;
before(async () => {
  dir = await tempDir('pool-test');
});
after(async () => {
  await dir.remove();
});

async function withWarmCluster(provider = new FakeProvider()): Promise<{ server: FakeServer; warm: string }> {
  const server = await fakeServer({ dataDir: join(dir.path, `data-${++count}`), provider, poolSize: 1 });
  await until(() => server.app.pool.counts().ready === 1, 'the pool has a warm cluster');
  const warm = server.app.store.poolClusters()[0]?.name;
  assert.ok(warm, 'the warm cluster is recorded');
  return { server, warm };
}

const settled = (session: Session): Promise<void> => until(() => session.state !== 'provisioning', 'provisioning has ended');
const ids = (steps: readonly Step[]): string[] => steps.map((step) => step.id);

describe('the warm pool', () => {
  test('a lab takes the warm cluster; the pool refills after that lab is ready, not while it starts', async () => {
    const { server, warm } = await withWarmCluster();
    try {
      assert.deepEqual(server.provider.callsOf('create'), [warm]);
      const held = server.provider.hold('startToolbox');
      const { session } = await server.app.sessions.create('probe');
      assert.equal(await held.reached, warm, 'the lab is on the warm cluster');
      assert.deepEqual(server.app.pool.counts(), { ready: 0, creating: 0 }, 'nothing is created beside the starting lab');
      assert.deepEqual(server.app.store.poolClusters(), [], 'the warm cluster is no longer the pool’s');

      held.release();
      await settled(session);
      assert.equal(session.state, 'ready');
      assert.deepEqual(ids(session.summary().steps), ['take-warm', 'start-terminal', 'prepare-exercises'], 'no cluster was created for it');
      assert.equal(session.cluster, warm);
      await until(() => server.provider.callsOf('create').length === 2, 'the pool refills');
      await until(() => server.app.pool.counts().ready === 1, 'a new warm cluster is ready');
      assert.notEqual(server.app.store.poolClusters()[0]?.name, warm);
    } finally {
      await server.close();
    }
    assert.equal(server.provider.names().length, 1, 'closing deleted the warm cluster and kept the lab’s');
  });

  test('a warm cluster that vanished is dropped: the lab creates its own, and no step or error names the pool', async () => {
    const { server, warm } = await withWarmCluster();
    try {
      server.provider.vanish(warm);
      const { session } = await server.app.sessions.create('probe');
      await settled(session);
      const summary = session.summary();
      assert.equal(summary.state, 'ready', JSON.stringify(summary.error));
      assert.deepEqual(ids(summary.steps), ['take-warm', 'create-cluster', 'start-terminal', 'prepare-exercises']);
      assert.match(summary.steps[0]?.detail ?? '', /none was left/);
      assert.match(session.cluster, /^s-/);
      const shown = JSON.stringify({ steps: summary.steps, error: summary.error });
      assert.ok(!shown.includes('pool-'), `no pool name: ${shown}`);
      assert.ok(!server.app.store.poolClusters().some((row) => row.name === warm), 'its row is gone');
      assert.ok(!server.provider.callsOf('startToolbox').includes(warm), 'it was never used');
    } finally {
      await server.close();
    }
  });

  test('a warm cluster whose node stopped is dropped and deleted', async () => {
    const { server, warm } = await withWarmCluster();
    try {
      server.provider.stopNodes(warm);
      const { session } = await server.app.sessions.create('probe');
      await settled(session);
      assert.equal(session.state, 'ready');
      assert.match(session.cluster, /^s-/);
      await until(() => server.provider.callsOf('delete').includes(warm), 'the broken warm cluster is deleted');
    } finally {
      await server.close();
    }
  });

  test('a warm cluster that vanishes after it was taken fails the lab with E_CLUSTER_GONE, naming no pool cluster', async () => {
    const { server, warm } = await withWarmCluster();
    try {
      const held = server.provider.hold('kubeconfig');
      const { session } = await server.app.sessions.create('probe');
      await held.reached;
      server.provider.vanish(warm);
      held.release();
      await settled(session);
      const summary = session.summary();
      assert.equal(summary.state, 'failed');
      assert.equal(summary.error?.code, 'E_CLUSTER_GONE');
      assert.match(summary.error?.hint ?? '', new RegExp(`POST /api/sessions/${session.id}/reset`));
      assert.deepEqual(summary.nodes, [], 'its cluster is deleted');
      const shown = JSON.stringify({ steps: summary.steps, error: summary.error });
      assert.ok(!shown.includes('pool-'), `no pool name: ${shown}`);
      assert.deepEqual(
        summary.steps.map((step) => `${step.id}:${step.state}`),
        ['take-warm:done', 'start-terminal:done', 'prepare-exercises:failed'],
      );
    } finally {
      await server.close();
    }
  });

  test('a toolbox that fails on a warm cluster keeps its code, but neither the steps nor the error name the pool cluster', async () => {
    const { server, warm } = await withWarmCluster();
    try {
      server.provider.fail(
        'startToolbox',
        new KubelabError('E_TOOLBOX_FAILED', `failed to start the toolbox of cluster ${warm}: docker run exited with status 125`, {
          hint: `\`docker logs kubelab-${warm}-toolbox\` may say more.`,
        }),
      );
      const { session } = await server.app.sessions.create('probe');
      await settled(session);
      const summary = session.summary();
      assert.equal(summary.state, 'failed');
      assert.equal(summary.error?.code, 'E_TOOLBOX_FAILED', 'the code still says what failed');
      assert.match(summary.error?.message ?? '', /toolbox of cluster the lab's cluster: docker run exited/);
      assert.match(summary.error?.hint ?? '', new RegExp(`POST /api/sessions/${session.id}/reset`));
      const shown = JSON.stringify({ steps: summary.steps, error: summary.error });
      assert.ok(!shown.includes(warm) && !shown.includes('pool-'), `no pool name: ${shown}`);
    } finally {
      await server.close();
    }
  });

  test('closing the server while a lab starts does not start a warm cluster on the way out', async () => {
    const server = await fakeServer({ dataDir: join(dir.path, `data-${++count}`), poolSize: 1 });
    await until(() => server.app.pool.counts().ready === 1, 'the pool has a warm cluster');
    const held = server.provider.hold('startToolbox');
    const { session } = await server.app.sessions.create('probe');
    await held.reached;
    const closing = server.close();
    held.release(); // a toolbox start is not abortable: the lab stops after it
    await closing;
    assert.equal(session.state, 'failed');
    assert.equal(session.error?.code, 'E_ABORTED');
    assert.equal(server.provider.callsOf('create').length, 1, 'only the first warm cluster was ever made');
    assert.deepEqual(server.provider.names(), [], 'the lab’s cluster (the warm one) is deleted');
  });

  test('after a crash, the next start on the data directory adopts the ready warm cluster and deletes the half-made one', async () => {
    const provider = new FakeProvider();
    const dataDir = join(dir.path, `data-${++count}`);
    // What a crashed run leaves: its pool rows, and the clusters in Docker.
    const store = new Store(join(dataDir, 'lab-runner.sqlite'));
    const createdAt = new Date().toISOString();
    store.putPoolCluster({ name: 'pool-aaaaaa', profile: 'single', state: 'ready', createdAt });
    store.putPoolCluster({ name: 'pool-bbbbbb', profile: 'single', state: 'creating', createdAt });
    store.close();
    provider.addCluster('pool-aaaaaa');
    provider.addCluster('pool-bbbbbb');

    const server = await fakeServer({ dataDir, provider, poolSize: 1 });
    try {
      assert.deepEqual(server.app.pool.counts(), { ready: 1, creating: 0 });
      assert.deepEqual(provider.callsOf('create'), [], 'nothing was made again');
      assert.deepEqual(provider.callsOf('delete'), ['pool-bbbbbb']);
      assert.deepEqual(server.app.store.poolClusters().map((row) => row.name), ['pool-aaaaaa']);
      const { session } = await server.app.sessions.create('probe');
      await settled(session);
      assert.equal(session.cluster, 'pool-aaaaaa');
    } finally {
      await server.close();
    }
  });
});
