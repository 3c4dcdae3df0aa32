/**
 * Sessions in seconds, on the fake provider: provisioning steps, ending a lab during a check, Recreate after one,
 * ending a lab while it starts, a cluster deleted under a ready lab, restore after a restart, and the event stream's replay.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { KubelabError } from '@kubelab/kit/errors';
import { LabApi, followSessionEvents, type Step } from '@kubelab/lab-runner/client';
import type { ErrorBody, SessionSummary } from '../schemas/api.ts';
import { hashToken, newToken } from '../sessions/ids.ts';
import type { Session } from '../sessions/session.ts';
import { fakeServer, FakeProvider, tempDir, until, type FakeServer } from './fakes.ts';

let dir: { path: string; remove(): Promise<void> };
let count = 0;
before(async () => {
  dir = await tempDir('sessions-test');
});
after(async () => {
  await dir.remove();
});

const dataDir = (): string => join(dir.path, `data-${++count}`);

async function startLab(server: FakeServer): Promise<{ session: Session; token: string; headers: { authorization: string } }> {
  const { session, token } = await server.app.sessions.create('probe');
  return { session, token, headers: { authorization: `Bearer ${token}` } };
}

const settled = (session: Session): Promise<void> => until(() => session.state !== 'provisioning', 'provisioning has ended');
const stepIds = (steps: readonly Step[]): string[] => steps.map((step) => `${step.id}:${step.state}`);
/** A step as an event shows it: id, state and the latest detail. */
const shown = (step: Step): string => `${step.id}:${step.state}${step.detail ? ` (${step.detail})` : ''}`;

describe('sessions on the fake provider', () => {
  test('a lab is created, gets a terminal and its exercises, then is ready: steps by id', async () => {
    const server = await fakeServer({ dataDir: dataDir() });
    try {
      const { session } = await startLab(server);
      await settled(session);
      const summary = session.summary();
      assert.equal(summary.state, 'ready', JSON.stringify(summary.error));
      assert.deepEqual(stepIds(summary.steps), ['create-cluster:done', 'start-terminal:done', 'prepare-exercises:done']);
      assert.deepEqual(summary.nodes, [{ name: `kubelab-${session.cluster}-control-plane`, role: 'control-plane' }]);
      assert.match(session.cluster, /^s-[0-9a-f]{6}$/);
      assert.deepEqual(server.provider.names(), [session.cluster]);
      assert.deepEqual(server.provider.callsOf('startToolbox'), [session.cluster]);
      assert.equal(server.app.store.getSession(session.id)?.state, 'ready', 'the store has the transition');
    } finally {
      await server.close();
    }
  });

  test("ending a lab during a check: the check's result does not land, and Recreate waits for the check", async () => {
    const server = await fakeServer({ dataDir: dataDir() });
    try {
      const { session, headers } = await startLab(server);
      await settled(session);
      const old = session.environment;
      const checking = server.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/exercises/probe/check`, headers });
      await server.gate.reached();

      // One check, reset or recreate at a time (edge.test.ts has the rest): Recreate is refused, not queued.
      const recreate = await server.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/reset`, headers });
      assert.equal(recreate.statusCode, 409, recreate.body);
      assert.equal(recreate.json<ErrorBody>().error.code, 'E_SESSION_BUSY');

      const ended = await server.app.inject({ method: 'DELETE', url: `/api/sessions/${session.id}`, headers });
      assert.equal(ended.statusCode, 204, ended.body);
      server.gate.answer(true);
      const late = await checking;
      assert.equal(late.statusCode, 409, late.body);
      assert.equal(late.json<ErrorBody>().error.code, 'E_SESSION_NOT_READY');
      assert.equal(server.app.store.checks(session.id).length, 0, 'the check is not in the history');
      assert.ok(old?.disposed, 'the environment is disposed');
    } finally {
      await server.close();
    }
  });

  test('Recreate after a check: a new environment, with no result from the old one', async () => {
    const server = await fakeServer({ dataDir: dataDir() });
    try {
      const { session, headers } = await startLab(server);
      await settled(session);
      const old = session.environment;
      const checking = server.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/exercises/probe/check`, headers });
      await server.gate.reached();
      server.gate.answer(false);
      assert.equal((await checking).statusCode, 200);

      const recreate = await server.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/reset`, headers });
      assert.equal(recreate.statusCode, 202, recreate.body);
      await settled(session);
      assert.equal(session.state, 'ready');
      assert.notEqual(session.environment, old, 'a new environment');
      assert.ok(old?.disposed, 'the old one is disposed');
      assert.deepEqual(stepIds(session.summary().steps), ['remove-old:done', 'create-cluster:done', 'start-terminal:done', 'prepare-exercises:done']);
      assert.equal(server.app.store.checks(session.id).length, 1, 'the history keeps the check');

      const fresh = server.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/exercises/probe/check`, headers });
      await server.gate.reached();
      server.gate.answer(true);
      assert.equal((await fresh).statusCode, 200);
      assert.equal(server.app.store.checks(session.id).length, 2, 'a check on the new environment is recorded');
    } finally {
      await server.close();
    }
  });

  test('ending a lab while its cluster is being created stops the create and leaves nothing behind', async () => {
    const server = await fakeServer({ dataDir: dataDir() });
    try {
      const held = server.provider.hold('create');
      const { session, headers } = await startLab(server);
      await held.reached;
      assert.deepEqual(stepIds(session.summary().steps), ['create-cluster:running']);

      const ended = await server.app.inject({ method: 'DELETE', url: `/api/sessions/${session.id}`, headers });
      assert.equal(ended.statusCode, 204, ended.body);
      assert.equal(session.state, 'ended');
      assert.deepEqual(server.provider.names(), [], 'no cluster exists');
      assert.deepEqual(server.provider.callsOf('startToolbox'), [], 'provisioning went no further');
      assert.deepEqual(server.provider.callsOf('delete'), [session.cluster], 'the cluster was deleted, in case a part of it was made');
      assert.equal(server.app.sessions.liveCount(), 0);
      const summary = await server.app.inject({ url: `/api/sessions/${session.id}`, headers });
      assert.equal(summary.json<SessionSummary>().state, 'ended');
      held.release();
    } finally {
      await server.close();
    }
  });

  test('ending a lab while its toolbox starts (after a restart) removes the cluster again, and the terminal is refused', async () => {
    const data = dataDir();
    const provider = new FakeProvider();
    const first = await fakeServer({ dataDir: data, provider });
    const { session: before, token } = await startLab(first);
    await settled(before);
    await first.close();
    const server = await fakeServer({ dataDir: data, provider });
    try {
      const session = await server.app.sessions.authenticate(before.id, token, 'header');
      const held = provider.hold('startToolbox');
      const terminal = server.app.sessions.terminal(session);
      await held.reached;
      const ending = server.app.inject({ method: 'DELETE', url: `/api/sessions/${session.id}`, headers: { authorization: `Bearer ${token}` } });
      await until(() => provider.callsOf('delete').length === 1, 'the end deleted the cluster');
      held.release();
      await assert.rejects(terminal, { code: 'E_SESSION_NOT_READY' });
      assert.equal((await ending).statusCode, 204);
      assert.deepEqual(provider.callsOf('delete'), [session.cluster, session.cluster], 'the toolbox made after the end is removed too');
    } finally {
      await server.close();
    }
  });

  test('a cluster deleted under a ready lab: 409 E_CLUSTER_GONE with the API hint and no cluster name, then Recreate', async () => {
    const server = await fakeServer({ dataDir: dataDir() });
    try {
      const { session, headers } = await startLab(server);
      await settled(session);
      const cluster = session.cluster;
      server.provider.vanish(cluster);
      const checking = server.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/exercises/probe/check`, headers });
      await server.gate.reached();
      server.gate.crash();
      const gone = await checking;
      assert.equal(gone.statusCode, 409, gone.body);
      const { error } = gone.json<ErrorBody>();
      assert.equal(error.code, 'E_CLUSTER_GONE');
      assert.match(error.hint ?? '', new RegExp(`POST /api/sessions/${session.id}/reset`));
      assert.ok(!gone.body.includes(cluster), `no cluster name: ${gone.body}`);
      assert.equal(server.app.store.checks(session.id).length, 0);

      // The terminal and an exercise reset say the same, without running anything.
      await assert.rejects(server.app.sessions.terminal(session), { code: 'E_CLUSTER_GONE' });
      const reset = await server.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/exercises/probe/reset`, headers });
      assert.equal(reset.json<ErrorBody>().error.code, 'E_CLUSTER_GONE');

      assert.equal((await server.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/reset`, headers })).statusCode, 202);
      await settled(session);
      assert.equal(session.state, 'ready');
      assert.notEqual(session.cluster, cluster);
      assert.deepEqual(server.provider.names(), [session.cluster]);
    } finally {
      await server.close();
    }
  });

  test('a failed create fails the lab with the provider’s code and hint; Recreate tries again', async () => {
    const server = await fakeServer({ dataDir: dataDir() });
    try {
      server.provider.fail('create', new KubelabError('E_NOT_SET_UP', 'the node image is missing from Docker', { hint: 'Run npm run setup.' }));
      const { session, headers } = await startLab(server);
      await settled(session);
      assert.equal(session.state, 'failed');
      assert.deepEqual(session.error, { code: 'E_NOT_SET_UP', message: 'the node image is missing from Docker', hint: 'Run npm run setup.' });
      assert.deepEqual(stepIds(session.summary().steps), ['create-cluster:failed']);
      assert.equal(server.app.sessions.liveCount(), 0, 'a failed lab holds no place');
      assert.equal((await server.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/reset`, headers })).statusCode, 202);
      await settled(session);
      assert.equal(session.state, 'ready');
    } finally {
      await server.close();
    }
  });

  test('after a restart, a ready lab comes back with its token; a half-made one and one whose cluster vanished end', async () => {
    const data = dataDir();
    const provider = new FakeProvider();
    const first = await fakeServer({ dataDir: data, provider });
    const { session, token, headers } = await startLab(first);
    await settled(session);
    const check = first.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/exercises/probe/check`, headers });
    await first.gate.reached();
    first.gate.answer(true);
    assert.equal((await check).statusCode, 200);
    // Two rows the first run leaves behind as a crash would: a lab still starting, and one whose cluster then vanished.
    const starting = { id: 'feedface00000001', token: newToken(), cluster: provider.addCluster('s-half00').name };
    const orphan = { id: 'feedface00000002', token: newToken(), cluster: provider.addCluster('s-gone00').name };
    for (const [row, state] of [[starting, 'provisioning'], [orphan, 'ready']] as const) {
      first.app.store.createSession({
        id: row.id, tokenHash: hashToken(row.token), lesson: 'probe', cluster: row.cluster, profile: 'single',
        state, nodes: [], createdAt: new Date().toISOString(),
      });
    }
    await first.close();
    assert.deepEqual(provider.names(), [session.cluster, 's-gone00', 's-half00'].sort(), 'closing keeps the clusters of labs');
    provider.vanish('s-gone00');

    const second = await fakeServer({ dataDir: data, provider });
    try {
      const summary = await second.app.inject({ url: `/api/sessions/${session.id}`, headers: { authorization: `Bearer ${token}` } });
      assert.equal(summary.statusCode, 200);
      const restored = summary.json<SessionSummary>();
      assert.equal(restored.state, 'ready');
      assert.equal(restored.results['probe']?.passed, true, 'the check history survived');
      const terminal = await second.app.sessions.authenticate(session.id, token, 'header');
      await second.app.sessions.terminal(terminal).then((t) => t.dispose());
      assert.deepEqual(provider.callsOf('startToolbox').at(-1), session.cluster, 'its toolbox is started again on first use');

      const interrupted = await second.app.inject({ url: `/api/sessions/${starting.id}`, headers: { authorization: `Bearer ${starting.token}` } });
      assert.equal(interrupted.json<SessionSummary>().state, 'ended');
      assert.equal(interrupted.json<SessionSummary>().error?.code, 'E_INTERRUPTED');
      const gone = await second.app.inject({ url: `/api/sessions/${orphan.id}`, headers: { authorization: `Bearer ${orphan.token}` } });
      assert.equal(gone.json<SessionSummary>().error?.code, 'E_CLUSTER_GONE');
      assert.ok(!gone.body.includes('s-gone00'), 'the message names no cluster');
      assert.deepEqual(provider.names(), [session.cluster], 'the half-made cluster was deleted');
      assert.equal(second.app.sessions.liveCount(), 1);
    } finally {
      await second.close();
    }
  });

  test('the event stream replays the steps so far to a late follower, then streams live and ends with ready', async () => {
    const server = await fakeServer({ dataDir: dataDir() });
    try {
      const baseUrl = await server.listen();
      const api = new LabApi({ baseUrl, launchToken: server.config.launchToken });
      const creating = server.provider.hold('create');
      const held = server.provider.hold('startToolbox');
      const created = await api.createSession('probe');
      const early: string[] = [];
      const earlyEnd = followSessionEvents(api, created, { onStep: (step) => early.push(shown(step)) });
      await creating.reached;
      await until(() => early.length === 1, 'the early follower got the create step');
      creating.release();
      await held.reached;
      await until(() => early.includes('start-terminal:running'), 'the early follower saw the terminal start');

      const late: string[] = [];
      let ready: SessionSummary | undefined;
      const lateEnd = followSessionEvents(api, created, {
        onStep: (step) => late.push(shown(step)),
        onReady: (summary) => (ready = summary),
      });
      await until(() => late.length >= 2, 'the late follower got the replay');
      assert.deepEqual(late, ['create-cluster:done', 'start-terminal:running'], 'the replay: every step so far, as it stands now');
      held.release();

      assert.equal(await lateEnd, 'ready');
      assert.equal(await earlyEnd, 'ready');
      assert.deepEqual(late, [
        'create-cluster:done',
        'start-terminal:running',
        'start-terminal:done',
        'prepare-exercises:running',
        'prepare-exercises:running (Probe the cluster)',
        'prepare-exercises:done (1 exercise ready)',
      ]);
      assert.deepEqual(early, late.toSpliced(0, 1, 'create-cluster:running', 'create-cluster:done'), 'the early follower saw every change live');
      assert.equal(ready?.state, 'ready');

      // Once ready, a follower gets the whole replay and the ready event at once.
      const replay: string[] = [];
      assert.equal(await followSessionEvents(api, created, { onStep: (step) => replay.push(step.id) }), 'ready');
      assert.deepEqual(replay, ['create-cluster', 'start-terminal', 'prepare-exercises']);
    } finally {
      await server.close();
    }
  });
});
