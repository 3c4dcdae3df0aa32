/**
 * Two learners, A and B, on one lab server, and an outsider with no credential at all: nothing A holds (its own
 * session token, its own launch cookie) reaches B's lab by any route, with or without B's id, and the outsider
 * starts nothing. Asserted on what B's lab looks like afterwards, not only on the status codes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ApiError, LabApi, followSessionEvents, type Credentials } from '@kubelab/lab-runner/client';
import { fakeServer, tempDir, type FakeServer } from './fakes.ts';
import { upgradeRequest } from './upgrade.ts';

let dir: { path: string; remove(): Promise<void> };
let server: FakeServer;
let base: string;
let learner: LabApi;
let a: Credentials;
let b: Credentials;

before(async () => {
  dir = await tempDir('isolation-test');
  // A workshop server, the one a room shares (the same edge guards a self-paced one; selfpaced.test.ts has its lessons).
  server = await fakeServer({ dataDir: join(dir.path, 'data'), maxSessions: 4, config: { profile: 'workshop' } });
  assert.equal(server.config.profile, 'workshop');
  base = await server.listen();
  learner = new LabApi({ baseUrl: base, launchToken: server.config.launchToken });
  a = await learner.createSession('probe');
  b = await learner.createSession('probe');
  for (const lab of [a, b]) assert.equal(await followSessionEvents(learner, lab, {}), 'ready');
});
after(async () => {
  await server.close();
  await dir.remove();
});

async function refused(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.status, status, `${error.code}: ${error.message}`);
    assert.equal(error.code, code);
    return;
  }
  assert.fail(`expected ${status} ${code}, and it was allowed`);
}

describe('two learners and an outsider', () => {
  test('the outsider cannot start a lab: no launch token, a wrong one, or a learner’s session token in its place', async () => {
    const before = server.provider.callsOf('create').length;
    await refused(new LabApi({ baseUrl: base }).createSession('probe'), 401, 'E_LAUNCH_REQUIRED');
    await refused(new LabApi({ baseUrl: base, launchToken: 'x'.repeat(43) }).createSession('probe'), 403, 'E_LAUNCH_REQUIRED');
    await refused(new LabApi({ baseUrl: base, launchToken: a.token }).createSession('probe'), 403, 'E_LAUNCH_REQUIRED');
    assert.equal(server.provider.callsOf('create').length, before, 'no cluster was created');
  });

  test("A's token opens nothing of B's: read, events, check, exercise reset, recreate, node view, end, terminal", async () => {
    const aOnB: Credentials = { id: b.id, token: a.token };
    const clustersBefore = server.provider.names();
    await refused(learner.session(aOnB), 403, 'E_TOKEN_INVALID');
    await refused(followSessionEvents(learner, aOnB, {}), 403, 'E_TOKEN_INVALID');
    await refused(learner.check(aOnB, 'probe'), 403, 'E_TOKEN_INVALID');
    await refused(learner.resetExercise(aOnB, 'probe'), 403, 'E_TOKEN_INVALID');
    await refused(learner.recreate(aOnB), 403, 'E_TOKEN_INVALID');
    const bNode = (await learner.session(b)).nodes[0]!.name;
    await refused(learner.nodeView(aOnB, bNode, 'containers'), 403, 'E_TOKEN_INVALID');
    // With its own token, A asks for B's node by name: not a node of A's cluster.
    await refused(learner.nodeView(a, bNode, 'containers'), 404, 'E_NOT_FOUND');
    assert.equal(server.provider.callsOf('nodeView').filter((cluster) => cluster !== server.app.store.getSession(a.id)?.cluster).length, 0, 'no view ran on B’s cluster');
    await refused(learner.endSession(aOnB), 403, 'E_TOKEN_INVALID');
    const port = Number(new URL(base).port);
    const terminal = await upgradeRequest(port, `/api/sessions/${b.id}/terminal?token=${encodeURIComponent(a.token)}`);
    assert.notEqual(terminal, 'upgraded');
    assert.equal(terminal === 'upgraded' ? 0 : terminal.status, 403);

    const summary = await learner.session(b);
    assert.equal(summary.state, 'ready', "B's lab is untouched");
    assert.deepEqual(summary.results, {}, 'no check ran on B’s cluster');
    assert.deepEqual(server.provider.names(), clustersBefore, 'no cluster was deleted or made');
    assert.equal(server.provider.callsOf('delete').length, 0);
  });

  test("without B's token, B's id alone gets nothing, and a token for B's id is never taken from anywhere else", async () => {
    await refused(learner.session({ id: b.id, token: '' }), 401, 'E_TOKEN_MISSING');
    // HTTP routes take the token from Authorization only; ?token= is for EventSource and WebSocket.
    const viaQuery = await fetch(`${base}/api/sessions/${b.id}?token=${encodeURIComponent(b.token)}`);
    assert.equal(viaQuery.status, 401);
    // The launch token is not a session token.
    await refused(learner.session({ id: b.id, token: server.config.launchToken }), 403, 'E_TOKEN_INVALID');
    const port = Number(new URL(base).port);
    const noToken = await upgradeRequest(port, `/api/sessions/${b.id}/terminal`);
    assert.equal(noToken === 'upgraded' ? 0 : noToken.status, 401);
  });

  test("A's own lab still works after all of that (the refusals did not end or lock it)", async () => {
    const checking = learner.check(a, 'probe');
    await server.gate.reached();
    server.gate.answer(true);
    assert.equal((await checking).passed, true);
    assert.equal((await learner.session(b)).results['probe'], undefined, 'and A’s check landed on A, not B');
  });
});
