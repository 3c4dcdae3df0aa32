/**
 * The typed client (@kubelab/lab-runner/client) over real HTTP, against the lab-runner listening on port 0 with
 * the fake provider: what the site, the tests and the bench rely on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ApiError, LabApi, followSessionEvents, type SessionSummary, type Step } from '@kubelab/lab-runner/client';
import { fakeServer, tempDir, type FakeServer } from './fakes.ts';

let dir: { path: string; remove(): Promise<void> };
let server: FakeServer;
let api: LabApi;
before(async () => {
  dir = await tempDir('client-test');
  server = await fakeServer({ dataDir: join(dir.path, 'data'), maxSessions: 4 });
  api = new LabApi({ baseUrl: await server.listen(), launchToken: server.config.launchToken });
});
after(async () => {
  await server.close();
  await dir.remove();
});

/** Asserts that `promise` rejects with an ApiError of this status and code; returns it. */
async function apiError(promise: Promise<unknown>, status: number, code: string): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `an ApiError, not ${String(error)}`);
    assert.equal(error.status, status, error.message);
    assert.equal(error.code, code);
    return error;
  }
  assert.fail(`expected ${status} ${code}`);
}

describe('the typed lab client', () => {
  test('a lab goes from create to ready through the event stream, then checks and ends', async () => {
    assert.deepEqual(await api.lessons(), [{ slug: 'probe', title: 'Probe', profile: 'single', exercises: [{ id: 'probe', title: 'Probe the cluster' }], nodeAccess: false, startable: true }]);
    const created = await api.createSession('probe');
    assert.equal(created.state, 'provisioning');
    const steps: Step[] = [];
    let ready: SessionSummary | undefined;
    const end = await followSessionEvents(api, created, { onStep: (step) => steps.push(step), onReady: (summary) => (ready = summary) });
    assert.equal(end, 'ready');
    assert.equal(ready?.state, 'ready');
    assert.deepEqual([...new Set(steps.map((step) => step.id))], ['create-cluster', 'start-terminal', 'prepare-exercises']);
    assert.ok(steps.filter((step) => step.state === 'done').length >= 3);

    const checking = api.check(created, 'probe');
    await server.gate.reached();
    server.gate.answer(true);
    const result = await checking;
    assert.equal(result.passed, true);
    assert.deepEqual((await api.session(created)).results['probe'], result);
    assert.deepEqual(await api.resetExercise(created, 'probe'), { exercise: 'probe', reset: true });
    assert.deepEqual(await api.health(), { status: 'ok', sessions: 1, capacity: 4 });

    await api.endSession(created);
    assert.equal((await api.session(created)).state, 'ended');
    await apiError(api.check(created, 'probe'), 409, 'E_SESSION_NOT_READY');
  });

  test("errors come back as ApiError with the server's status, code and hint", async () => {
    const unknown = await apiError(api.createSession('no-such-lesson'), 404, 'E_UNKNOWN_LESSON');
    assert.match(unknown.hint ?? '', /probe/);
    assert.deepEqual(unknown.detail, { code: 'E_UNKNOWN_LESSON', message: 'no lesson "no-such-lesson"', hint: unknown.hint });

    const created = await api.createSession('probe');
    const wrong = await apiError(api.session({ id: created.id, token: 'not-the-token' }), 403, 'E_TOKEN_INVALID');
    assert.ok(wrong.hint);
    await apiError(api.check(created, 'nope'), 404, 'E_UNKNOWN_EXERCISE');
    await apiError(api.session({ id: '0123456789abcdef', token: created.token }), 404, 'E_SESSION_NOT_FOUND');
    // A refused event stream is the same ApiError.
    await apiError(followSessionEvents(api, { id: created.id, token: 'not-the-token' }, {}), 403, 'E_TOKEN_INVALID');
    await api.endSession(created);

    const nowhere = new LabApi({ baseUrl: 'http://127.0.0.1:9' });
    const network = await apiError(nowhere.health(), 0, 'E_NETWORK');
    assert.ok(network.hint);
  });

  test('an aborted follow stops at once, and the lab goes on', async () => {
    const held = server.provider.hold('create');
    const created = await api.createSession('probe');
    await held.reached;
    const controller = new AbortController();
    const steps: string[] = [];
    const following = followSessionEvents(api, created, { onStep: (step) => steps.push(step.id) }, { signal: controller.signal });
    while (steps.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const began = Date.now();
    controller.abort(new Error('the learner left the page'));
    await assert.rejects(following, /the learner left the page/);
    assert.ok(Date.now() - began < 1000, 'it stopped at once');
    assert.deepEqual(steps, ['create-cluster']);

    held.release();
    assert.equal(await followSessionEvents(api, created, {}), 'ready', 'following again finds the lab ready');
    await api.endSession(created);
  });
});
