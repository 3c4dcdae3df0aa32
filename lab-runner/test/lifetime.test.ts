/**
 * Session lifetime on the fake provider, with a clock the test moves: the time limit's warning and extensions,
 * expiry freeing the cluster (the check history kept), the idle timeout started again by API use and terminal
 * input (not by resizes), the reaper's reconcile of clusters deleted behind the server's back, and a self-paced
 * server that bounds nothing. The reaper's passes are called directly; its timer is tested with mock timers.
 */
import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ErrorBody, Lifetime, SessionSummary } from '../schemas/api.ts';
import type { Session, SessionEvent } from '../sessions/session.ts';
import { Periodic } from '../plugins/reaper.ts';
import { encodeInput, encodeResize } from '../terminal/protocol.ts';
import { fakeServer, FakeProvider, TestClock, tempDir, until, type FakeServer } from './fakes.ts';

let dir: { path: string; remove(): Promise<void> };
let count = 0;
before(async () => {
  dir = await tempDir('lifetime-test');
});
after(async () => {
  await dir.remove();
});

const MINUTE = 60_000;
const dataDir = (): string => join(dir.path, `data-${++count}`);

interface Lab {
  server: FakeServer;
  clock: TestClock;
  session: Session;
  token: string;
  headers: { authorization: string };
}

/** A workshop-profile server with these limits (minutes) and a test clock, and one ready lab on it. */
async function lab(limits: { ttl: number; idle: number }, options: { maxSessions?: number; dataDir?: string; clock?: TestClock; provider?: FakeProvider } = {}): Promise<Lab> {
  const clock = options.clock ?? new TestClock();
  const server = await fakeServer({
    dataDir: options.dataDir ?? dataDir(),
    maxSessions: options.maxSessions ?? 4,
    clock: clock.now,
    ...(options.provider ? { provider: options.provider } : {}),
    config: { profile: 'workshop', sessionTtlMinutes: limits.ttl, idleMinutes: limits.idle },
  });
  const { session, token } = await server.app.sessions.create('probe');
  await until(() => session.state === 'ready', 'the lab is ready');
  return { server, clock, session, token, headers: { authorization: `Bearer ${token}` } };
}

const summaryOf = async (l: Lab): Promise<SessionSummary> => (await l.server.app.inject({ url: `/api/sessions/${l.session.id}`, headers: l.headers })).json<SessionSummary>();

describe('the time limit', () => {
  test('the summary shows the lifetime; the warning comes 10 minutes before the limit, once, as an event and in the summary', async () => {
    const l = await lab({ ttl: 60, idle: 0 });
    try {
      const events: SessionEvent[] = [];
      l.session.subscribe((event) => events.push(event));
      const first = (await summaryOf(l)).lifetime;
      assert.deepEqual(first, {
        expiresAt: new Date(Date.parse(l.session.createdAt) + 60 * MINUTE).toISOString(),
        expiresInMs: 60 * MINUTE,
        warnBeforeMs: 10 * MINUTE,
        warning: false,
        extensionsLeft: 2,
        extendMinutes: 30,
      });

      l.clock.advanceMinutes(49);
      assert.deepEqual(await l.server.app.sessions.reap(), { expired: {}, warned: [], clusterGone: [] });
      assert.equal((await summaryOf(l)).lifetime?.warning, false);

      l.clock.advanceMinutes(2);
      assert.deepEqual((await l.server.app.sessions.reap()).warned, [l.session.id]);
      const warned = events.filter((event) => event.type === 'expiring');
      assert.equal(warned.length, 1);
      assert.equal(warned[0]?.type === 'expiring' && warned[0].lifetime.expiresInMs, 9 * MINUTE);
      const summary = await summaryOf(l);
      assert.equal(summary.lifetime?.warning, true);
      assert.equal(summary.lifetime?.expiresInMs, 9 * MINUTE);
      assert.deepEqual((await l.server.app.sessions.reap()).warned, [], 'warned once');
      assert.equal(l.session.state, 'ready');
    } finally {
      await l.server.close();
    }
  });

  test('an extension adds 30 minutes, at most twice; then the lab expires, its cluster is deleted and its check history kept', async () => {
    const l = await lab({ ttl: 60, idle: 0 }, { maxSessions: 1 });
    try {
      const { app, provider, gate } = l.server;
      const cluster = l.session.cluster;
      // A check before the end: the learner's data that must survive it.
      const checking = app.inject({ method: 'POST', url: `/api/sessions/${l.session.id}/exercises/probe/check`, headers: l.headers });
      await gate.reached();
      gate.answer(true);
      assert.equal((await checking).statusCode, 200);

      l.clock.advanceMinutes(55);
      const extend = () => app.inject({ method: 'POST', url: `/api/sessions/${l.session.id}/extend`, headers: l.headers });
      const once = await extend();
      assert.equal(once.statusCode, 200, once.body);
      assert.deepEqual(once.json<Lifetime>(), {
        expiresAt: new Date(Date.parse(l.session.createdAt) + 90 * MINUTE).toISOString(),
        expiresInMs: 35 * MINUTE,
        warnBeforeMs: 10 * MINUTE,
        warning: false,
        extensionsLeft: 1,
        extendMinutes: 30,
      });
      assert.equal(app.store.getSession(l.session.id)?.extensions, 1, 'the store keeps the extensions');
      assert.equal((await extend()).json<Lifetime>().extensionsLeft, 0);
      const refused = await extend();
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.json<ErrorBody>().error.code, 'E_BAD_REQUEST');
      assert.match(refused.json<ErrorBody>().error.message, /extended 2 times/);

      l.clock.advanceMinutes(120 - 55 - 1);
      assert.deepEqual((await app.sessions.reap()).expired, {}, 'one minute left of 120');
      l.clock.advanceMinutes(1);
      assert.deepEqual((await app.sessions.reap()).expired, { [l.session.id]: 'ttl' });

      assert.deepEqual(provider.names(), [], 'the cluster is deleted');
      assert.deepEqual(provider.callsOf('delete'), [cluster]);
      assert.equal(app.sessions.liveCount(), 0, 'its slot is free');
      const ended = await summaryOf(l);
      assert.equal(ended.state, 'ended');
      assert.equal(ended.error?.code, 'E_SESSION_EXPIRED');
      assert.match(ended.error?.message ?? '', /time limit \(1 h\)/);
      assert.equal(ended.lifetime, undefined);
      assert.equal(ended.results['probe']?.passed, true, 'the check history is kept');
      assert.equal(app.store.checks(l.session.id).length, 1);

      // Anything else the learner asks of it says it expired (410), and a new lab starts in the freed slot.
      const check = await app.inject({ method: 'POST', url: `/api/sessions/${l.session.id}/exercises/probe/check`, headers: l.headers });
      assert.equal(check.statusCode, 410);
      assert.equal(check.json<ErrorBody>().error.code, 'E_SESSION_EXPIRED');
      assert.equal((await extend()).statusCode, 400);
      const next = await app.inject({ method: 'POST', url: '/api/sessions', headers: l.server.launch, payload: { lesson: 'probe' } });
      assert.equal(next.statusCode, 201, next.body);
    } finally {
      await l.server.close();
    }
  });

  test('the limit counts from the start, also across a Recreate', async () => {
    const l = await lab({ ttl: 60, idle: 0 });
    try {
      l.clock.advanceMinutes(30);
      const recreated = await l.server.app.inject({ method: 'POST', url: `/api/sessions/${l.session.id}/reset`, headers: l.headers });
      assert.equal(recreated.statusCode, 202);
      await until(() => l.session.state === 'ready', 'the lab is ready again');
      assert.equal((await summaryOf(l)).lifetime?.expiresInMs, 30 * MINUTE);
    } finally {
      await l.server.close();
    }
  });
});

describe('the idle timeout', () => {
  test('API use starts it again; without any, the lab ends and frees its cluster', async () => {
    const l = await lab({ ttl: 0, idle: 30 });
    try {
      const first = (await summaryOf(l)).lifetime;
      assert.deepEqual(first, { idleMinutes: 30, idleEndsAt: new Date(l.clock.now() + 30 * MINUTE).toISOString() }, 'no time limit, an idle timeout');
      l.clock.advanceMinutes(20);
      await summaryOf(l); // any request of the learner's
      l.clock.advanceMinutes(20);
      assert.deepEqual((await l.server.app.sessions.reap()).expired, {}, '20 minutes since the last request');
      l.clock.advanceMinutes(10);
      assert.deepEqual((await l.server.app.sessions.reap()).expired, { [l.session.id]: 'idle' });
      assert.deepEqual(l.server.provider.names(), []);
      const ended = l.server.app.store.getSession(l.session.id);
      assert.equal(ended?.state, 'ended');
      assert.equal(ended?.error?.code, 'E_SESSION_EXPIRED');
      assert.match(ended?.error?.message ?? '', /after 30 min without use/);
    } finally {
      await l.server.close();
    }
  });

  test('terminal input starts it again; resizes do not', async () => {
    const l = await lab({ ttl: 0, idle: 30 });
    const base = await l.server.listen();
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/api/sessions/${l.session.id}/terminal?token=${l.token}`);
    socket.binaryType = 'arraybuffer';
    try {
      await new Promise<void>((resolve, reject) => {
        socket.onopen = () => resolve();
        socket.onerror = () => reject(new Error('the terminal did not open'));
      });
      l.clock.advanceMinutes(20);
      socket.send(encodeInput('echo hello\r'));
      await until(() => l.session.lastActivity === l.clock.now(), 'the keystrokes count as activity');
      l.clock.advanceMinutes(25);
      socket.send(encodeResize(100, 30));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(l.session.lastActivity, l.clock.now() - 25 * MINUTE, 'a resize is not activity');
      assert.deepEqual((await l.server.app.sessions.reap()).expired, {});
      l.clock.advanceMinutes(5);
      assert.deepEqual((await l.server.app.sessions.reap()).expired, { [l.session.id]: 'idle' });
      await until(() => socket.readyState === WebSocket.CLOSED, 'the terminal is closed');
    } finally {
      socket.close();
      await l.server.close();
    }
  });

  test('the last activity is written at most once a minute, and a restarted server goes on from it', async () => {
    const clock = new TestClock();
    const provider = new FakeProvider();
    const dir = dataDir();
    const l = await lab({ ttl: 0, idle: 30 }, { clock, provider, dataDir: dir });
    const { id, createdAt } = { id: l.session.id, createdAt: l.session.createdAt };
    clock.advance(30_000);
    l.session.touch();
    assert.equal(l.server.app.store.getSession(id)?.lastActivityAt, undefined, 'not written within the minute');
    clock.advance(40_000);
    l.session.touch();
    const written = l.server.app.store.getSession(id)?.lastActivityAt;
    assert.equal(written, new Date(Date.parse(createdAt) + 70_000).toISOString());
    await l.server.close();

    const restarted = await fakeServer({ dataDir: dir, provider, clock: clock.now, config: { profile: 'workshop', sessionTtlMinutes: 0, idleMinutes: 30 } });
    try {
      clock.advanceMinutes(29);
      assert.deepEqual((await restarted.app.sessions.reap()).expired, {});
      clock.advanceMinutes(1);
      assert.deepEqual((await restarted.app.sessions.reap()).expired, { [id]: 'idle' });
      assert.deepEqual(provider.names(), []);
    } finally {
      await restarted.close();
    }
  });
});

describe('the reaper', () => {
  test('a cluster deleted behind the server fails its session with E_CLUSTER_GONE and frees its slot; Recreate brings it back', async () => {
    const l = await lab({ ttl: 0, idle: 0 }, { maxSessions: 1 });
    try {
      const { app, provider } = l.server;
      provider.calls.length = 0;
      assert.deepEqual(await app.sessions.reap(), { expired: {}, warned: [], clusterGone: [] });
      assert.deepEqual(provider.callsOf('list'), [undefined], 'one list per pass');

      provider.vanish(l.session.cluster);
      assert.deepEqual((await app.sessions.reap()).clusterGone, [l.session.id]);
      assert.equal(l.session.state, 'failed');
      assert.equal(l.session.error?.code, 'E_CLUSTER_GONE');
      assert.equal(app.sessions.liveCount(), 0, 'the slot is free');
      const summary = await summaryOf(l);
      assert.equal(summary.state, 'failed');
      // Work on it is refused with the reason, as when a request finds the cluster gone before the reaper does.
      const check = await app.inject({ method: 'POST', url: `/api/sessions/${l.session.id}/exercises/probe/check`, headers: l.headers });
      assert.equal(check.statusCode, 409);
      assert.equal(check.json<ErrorBody>().error.code, 'E_CLUSTER_GONE');

      // Another learner takes the slot; this one's Recreate waits for a free one, then works.
      const other = await app.inject({ method: 'POST', url: '/api/sessions', headers: l.server.launch, payload: { lesson: 'probe' } });
      assert.equal(other.statusCode, 201);
      const full = await app.inject({ method: 'POST', url: `/api/sessions/${l.session.id}/reset`, headers: l.headers });
      assert.equal(full.json<ErrorBody>().error.code, 'E_CAPACITY_REACHED');
      const { id, token } = other.json<{ id: string; token: string }>();
      await until(() => app.store.getSession(id)?.state === 'ready', 'the other lab is ready');
      assert.equal((await app.inject({ method: 'DELETE', url: `/api/sessions/${id}`, headers: { authorization: `Bearer ${token}` } })).statusCode, 204);
      const recreated = await app.inject({ method: 'POST', url: `/api/sessions/${l.session.id}/reset`, headers: l.headers });
      assert.equal(recreated.statusCode, 202, recreated.body);
      await until(() => l.session.state === 'ready', 'recreated');
    } finally {
      await l.server.close();
    }
  });

  test('asks the provider nothing when no lab is ready, and leaves a provisioning lab alone', async () => {
    const clock = new TestClock();
    const server = await fakeServer({ dataDir: dataDir(), clock: clock.now, config: { profile: 'workshop' } });
    try {
      assert.deepEqual(await server.app.sessions.reap(), { expired: {}, warned: [], clusterGone: [] });
      const held = server.provider.hold('create');
      const { session } = await server.app.sessions.create('probe');
      await held.reached;
      assert.deepEqual(await server.app.sessions.reap(), { expired: {}, warned: [], clusterGone: [] });
      assert.deepEqual(server.provider.callsOf('list'), []);
      assert.equal(session.state, 'provisioning');
      held.release();
      await until(() => session.state === 'ready', 'ready');
    } finally {
      await server.close();
    }
  });

  test('runs every minute, one pass at a time, and stop() waits for the pass under way', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      let passes = 0;
      let finish: (() => void) | undefined;
      const periodic = new Periodic(() => {
        passes++;
        return new Promise<void>((resolve) => (finish = resolve));
      }, 60_000);
      periodic.start();
      mock.timers.tick(59_999);
      assert.equal(passes, 0);
      mock.timers.tick(1);
      assert.equal(passes, 1);
      mock.timers.tick(60_000);
      assert.equal(passes, 1, 'the pass under way is not doubled');
      let stopped = false;
      const stopping = periodic.stop().then(() => (stopped = true));
      await Promise.resolve();
      assert.equal(stopped, false, 'stop waits for the pass');
      finish!();
      await stopping;
      mock.timers.tick(120_000);
      assert.equal(passes, 1, 'no pass after stop');
    } finally {
      mock.timers.reset();
    }
  });
});

describe('a self-paced server', () => {
  test('bounds nothing: no lifetime in the summary, nothing expires, and extend is refused', async () => {
    const clock = new TestClock();
    const server = await fakeServer({ dataDir: dataDir(), clock: clock.now });
    try {
      assert.equal(server.config.profile, 'self-paced');
      const { session, token } = await server.app.sessions.create('probe');
      await until(() => session.state === 'ready', 'ready');
      const headers = { authorization: `Bearer ${token}` };
      const summary = (await server.app.inject({ url: `/api/sessions/${session.id}`, headers })).json<SessionSummary>();
      assert.equal('lifetime' in summary, false);
      clock.advanceMinutes(60 * 24 * 30);
      assert.deepEqual(await server.app.sessions.reap(), { expired: {}, warned: [], clusterGone: [] });
      const extend = await server.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/extend`, headers });
      assert.equal(extend.statusCode, 400);
      assert.match(extend.json<ErrorBody>().error.message, /no time limit/);
    } finally {
      await server.close();
    }
  });
});
