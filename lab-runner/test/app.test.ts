/**
 * The lab-runner's HTTP API without a cluster: everything a client can get wrong (bad input, missing or wrong
 * tokens, unknown sessions, lessons and exercises, a full server) gets a clear 4xx with a stable code, and never
 * reaches the cluster provider. Sessions that need to exist are written into the store directly.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { hashToken, newClusterName, newSessionId, newToken } from '../sessions/ids.ts';
import { Store } from '../store/store.ts';
import { findLesson } from '@kubelab/labs/catalog';
import type { ErrorBody, ErrorDetail, LessonList, SessionState } from '../schemas/api.ts';
import { FakeProvider } from './fakes.ts';
import { upgradeRequest } from './upgrade.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubelab-app-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Harness {
  app: FastifyInstance;
  /** The header that lets a client start labs (the launch token as a bearer token). */
  launch: { authorization: string };
  store: Store;
  calls: FakeProvider['calls'];
  logs: string[];
  /** Writes a session row as if a lab had been started; returns its id and token. */
  insertSession(state: SessionState, lesson?: string): { id: string; token: string };
  close(): Promise<void>;
}

let counter = 0;
async function harness(overrides: Partial<Config> = {}): Promise<Harness> {
  const dataDir = join(dir, `data-${++counter}`);
  // app.inject sends Host: localhost:80, and a server that is not listening answers the loopback names on its
  // configured port: port 80 here (a test that listens gets a harness of its own).
  const config = loadConfig({}, { port: 80, dataDir, siteDir: join(dir, 'no-site'), logLevel: 'info', ...overrides });
  const store = new Store(join(dataDir, 'lab-runner.sqlite'));
  // Records every call: no test in this file may reach the provider.
  const provider = new FakeProvider();
  const calls = provider.calls;
  const logs: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
  const app = await buildApp({ config, provider, store, logStream });
  await app.ready();
  return {
    app,
    launch: { authorization: `Bearer ${config.launchToken}` },
    store,
    calls,
    logs,
    insertSession(state, lesson = 'pods') {
      const id = newSessionId();
      const token = newToken();
      store.createSession({
        id,
        tokenHash: hashToken(token),
        lesson,
        cluster: newClusterName('s'),
        profile: 'single',
        state,
        nodes: state === 'ready' ? [{ name: 'kubelab-x-control-plane', role: 'control-plane' }] : [],
        createdAt: new Date().toISOString(),
      });
      return { id, token };
    },
    async close() {
      await app.close();
      store.close();
    },
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function assertError(response: { statusCode: number; json(): unknown }, status: number, code: string): ErrorDetail {
  const body = response.json() as Partial<ErrorBody>;
  assert.equal(response.statusCode, status, `expected ${status} ${code}, got ${response.statusCode}: ${JSON.stringify(body)}`);
  assert.ok(body.error, `an error body: ${JSON.stringify(body)}`);
  assert.equal(body.error.code, code);
  assert.ok(body.error.message.length > 0, 'the error says what went wrong');
  return body.error;
}

describe('lab-runner API without a cluster', () => {
  let h: Harness;
  before(async () => {
    h = await harness({ maxSessions: 5 });
  });
  after(async () => {
    await h.close();
    assert.deepEqual(h.calls, [], 'no test in this file may reach the cluster provider');
  });

  test('GET /healthz says ok, with live sessions and capacity', async () => {
    const empty = await h.app.inject({ url: '/healthz' });
    assert.equal(empty.statusCode, 200);
    assert.deepEqual(empty.json(), { status: 'ok', sessions: 0, capacity: 5 });
    const { id } = h.insertSession('ready');
    h.insertSession('ended');
    assert.deepEqual((await h.app.inject({ url: '/healthz' })).json(), { status: 'ok', sessions: 1, capacity: 5 });
    h.store.updateSession(id, { state: 'ended' });
  });

  test('GET /openapi.json documents every route of the API', async () => {
    const response = await h.app.inject({ url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const doc = response.json() as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    assert.match(doc.openapi, /^3\./);
    const expected: [string, string][] = [
      ['/healthz', 'get'],
      ['/api/lessons', 'get'],
      ['/api/sessions', 'post'],
      ['/api/sessions/{id}', 'get'],
      ['/api/sessions/{id}', 'delete'],
      ['/api/sessions/{id}/events', 'get'],
      ['/api/sessions/{id}/exercises/{exercise}/check', 'post'],
      ['/api/sessions/{id}/exercises/{exercise}/reset', 'post'],
      ['/api/sessions/{id}/reset', 'post'],
      ['/api/sessions/{id}/terminal', 'get'],
    ];
    for (const [path, method] of expected) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
    for (const schema of ['SessionSummary', 'CheckResult', 'Step', 'ErrorBody']) assert.ok(doc.components.schemas[schema], `schema ${schema}`);
  });

  test('GET /api/lessons lists the pods lesson with its exercises', async () => {
    const response = await h.app.inject({ url: '/api/lessons' });
    assert.equal(response.statusCode, 200);
    const pods = response.json<LessonList>().find((lesson) => lesson.slug === 'pods');
    assert.ok(pods, 'the pods lesson is listed');
    assert.equal(pods.profile, 'single');
    assert.ok(pods.title.length > 0);
    // The lesson's exercises, in card order, as the course declares them (whatever they are: adding one is one file).
    const declared = await findLesson('pods');
    assert.deepEqual(
      pods.exercises.map((e) => e.id),
      declared!.exercises.map((e) => e.id),
    );
    assert.ok(pods.exercises.some((e) => e.id === 'first-pod'));
    assert.ok(pods.exercises.every((e) => e.title.length > 0));
  });

  test('starting a lab for an unknown lesson is 404 E_UNKNOWN_LESSON, naming the lessons there are', async () => {
    const response = await h.app.inject({ method: 'POST', url: '/api/sessions', payload: { lesson: 'no-such-lesson' }, headers: h.launch });
    const error = assertError(response, 404, 'E_UNKNOWN_LESSON');
    assert.match(error.message, /no-such-lesson/);
    assert.match(error.hint ?? '', /pods/);
  });

  test('a malformed body gets its exact status, code and reason, never a crash', async () => {
    const json = 'application/json';
    const cases: { what: string; payload?: string; contentType?: string; status: number; code: string; message: RegExp }[] = [
      { what: 'invalid JSON', payload: '{"lesson":', contentType: json, status: 400, code: 'E_BAD_REQUEST', message: /not valid JSON/ },
      { what: 'no lesson', payload: '{}', contentType: json, status: 400, code: 'E_BAD_REQUEST', message: /required properties lesson/ },
      { what: 'a number for lesson', payload: '{"lesson":5}', contentType: json, status: 400, code: 'E_BAD_REQUEST', message: /lesson must be string/ },
      { what: 'an unknown field', payload: '{"lesson":"pods","extra":true}', contentType: json, status: 400, code: 'E_BAD_REQUEST', message: /additional properties/ },
      { what: 'a lesson that is not a slug', payload: '{"lesson":"../../etc"}', contentType: json, status: 400, code: 'E_BAD_REQUEST', message: /lesson must match pattern/ },
      { what: 'an array', payload: '[]', contentType: json, status: 400, code: 'E_BAD_REQUEST', message: /body must be object/ },
      { what: 'an empty JSON body', payload: '', contentType: json, status: 400, code: 'E_BAD_REQUEST', message: /body must be object/ },
      { what: 'no body at all', status: 400, code: 'E_BAD_REQUEST', message: /body must be object/ },
      { what: 'a form', payload: 'lesson=pods', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE', message: /Unsupported Media Type/ },
    ];
    for (const { what, payload, contentType, status, code, message } of cases) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/sessions',
        ...(payload !== undefined ? { payload } : {}),
        headers: { ...h.launch, ...(contentType ? { 'content-type': contentType } : {}) },
      });
      assert.equal(response.statusCode, status, `${what}: ${response.body}`);
      const { error } = response.json<ErrorBody>();
      assert.equal(error.code, code, what);
      assert.match(error.message, message, what);
      assert.ok(error.hint, `${what}: a hint`);
    }
    assert.equal(h.store.liveSessionCount(), 0, 'no session was created');
  });

  test('an unknown route is a 404 in the error shape', async () => {
    assertError(await h.app.inject({ url: '/api/nope' }), 404, 'E_NOT_FOUND');
  });

  describe('every session route checks the token', () => {
    const routes = (id: string, exercise = 'first-pod'): { method: 'GET' | 'POST' | 'DELETE'; url: string; query: boolean }[] => [
      { method: 'GET', url: `/api/sessions/${id}`, query: false },
      { method: 'POST', url: `/api/sessions/${id}/exercises/${exercise}/check`, query: false },
      { method: 'POST', url: `/api/sessions/${id}/exercises/${exercise}/reset`, query: false },
      { method: 'POST', url: `/api/sessions/${id}/reset`, query: false },
      { method: 'DELETE', url: `/api/sessions/${id}`, query: false },
      { method: 'GET', url: `/api/sessions/${id}/events`, query: true },
      { method: 'GET', url: `/api/sessions/${id}/terminal`, query: true },
    ];
    const send = (route: { method: 'GET' | 'POST' | 'DELETE'; url: string; query: boolean }, token?: string) =>
      h.app.inject({
        method: route.method,
        url: token && route.query ? `${route.url}?token=${encodeURIComponent(token)}` : route.url,
        headers: token && !route.query ? bearer(token) : {},
      });

    test('no token: 401 E_TOKEN_MISSING, saying how to send it', async () => {
      const { id } = h.insertSession('ready');
      for (const route of routes(id)) {
        const error = assertError(await send(route), 401, 'E_TOKEN_MISSING');
        assert.match(error.hint ?? '', route.query ? /\?token=/ : /Authorization: Bearer/, `${route.method} ${route.url}`);
      }
    });

    test('a wrong token: 403 E_TOKEN_INVALID', async () => {
      const { id } = h.insertSession('ready');
      for (const route of routes(id)) assertError(await send(route, newToken()), 403, 'E_TOKEN_INVALID');
      assert.equal(h.store.getSession(id)?.state, 'ready', 'nothing happened to the session');
    });

    test("one session's token never opens another session", async () => {
      const mine = h.insertSession('ready');
      const theirs = h.insertSession('ready');
      h.store.addCheck(theirs.id, { exercise: 'first-pod', passed: true, criteria: [{ id: 'pod-exists', description: 'x', passed: true }], durationMs: 5 });
      for (const route of routes(theirs.id)) assertError(await send(route, mine.token), 403, 'E_TOKEN_INVALID');
      const own = await h.app.inject({ url: `/api/sessions/${mine.id}`, headers: bearer(mine.token) });
      assert.deepEqual((own.json() as { results: object }).results, {}, "my summary has none of the other session's results");
    });

    test('an unknown session: 404 E_SESSION_NOT_FOUND', async () => {
      for (const id of ['0123456789abcdef', 'not-a-session-id']) {
        for (const route of routes(id)) assertError(await send(route, newToken()), 404, 'E_SESSION_NOT_FOUND');
      }
    });

    test('HTTP routes take the token only from the Authorization header, not the address', async () => {
      const { id, token } = h.insertSession('ready');
      assertError(await h.app.inject({ url: `/api/sessions/${id}?token=${token}` }), 401, 'E_TOKEN_MISSING');
      assertError(await h.app.inject({ url: `/api/sessions/${id}`, headers: { authorization: `Basic ${token}` } }), 401, 'E_TOKEN_MISSING');
    });
  });

  test('GET /api/sessions/:id gives the summary with the latest result of each exercise', async () => {
    const { id, token } = h.insertSession('ready');
    const older = { exercise: 'first-pod', passed: false, criteria: [{ id: 'pod-exists', description: 'A pod named web exists', passed: false, expected: 'a pod', actual: 'none' }], durationMs: 12 };
    const newer = { exercise: 'first-pod', passed: true, criteria: [{ id: 'pod-exists', description: 'A pod named web exists', passed: true }], durationMs: 9 };
    h.store.addCheck(id, older);
    h.store.addCheck(id, newer);
    const response = await h.app.inject({ url: `/api/sessions/${id}`, headers: bearer(token) });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      id,
      lesson: 'pods',
      state: 'ready',
      profile: 'single',
      nodes: [{ name: 'kubelab-x-control-plane', role: 'control-plane' }],
      steps: [],
      results: { 'first-pod': newer },
    });
    assert.equal(h.store.checks(id).length, 2, 'the history keeps both checks');
  });

  test('an unknown exercise is 404 E_UNKNOWN_EXERCISE, naming the lesson’s exercises', async () => {
    const { id, token } = h.insertSession('ready');
    for (const action of ['check', 'reset']) {
      const error = assertError(
        await h.app.inject({ method: 'POST', url: `/api/sessions/${id}/exercises/no-such-exercise/${action}`, headers: bearer(token) }),
        404,
        'E_UNKNOWN_EXERCISE',
      );
      assert.match(error.hint ?? '', /first-pod/);
    }
  });

  test('checking before the lab is ready, or after it ended, is 409 E_SESSION_NOT_READY with what to do', async () => {
    for (const state of ['provisioning', 'failed', 'ended'] as const) {
      const { id, token } = h.insertSession(state);
      const error = assertError(
        await h.app.inject({ method: 'POST', url: `/api/sessions/${id}/exercises/first-pod/check`, headers: bearer(token) }),
        409,
        'E_SESSION_NOT_READY',
      );
      assert.ok(error.hint, `a hint for a ${state} session`);
    }
  });

  test('recreating an environment that is still starting is 409', async () => {
    const { id, token } = h.insertSession('provisioning');
    assertError(await h.app.inject({ method: 'POST', url: `/api/sessions/${id}/reset`, headers: bearer(token) }), 409, 'E_SESSION_NOT_READY');
  });

  test('ending an ended session is not an error', async () => {
    const { id, token } = h.insertSession('ended');
    const response = await h.app.inject({ method: 'DELETE', url: `/api/sessions/${id}`, headers: bearer(token) });
    assert.equal(response.statusCode, 204);
    assert.equal(response.body, '');
  });

  test('the event stream of a finished session replays and ends with ready or failed', async () => {
    const ready = h.insertSession('ready');
    const response = await h.app.inject({ url: `/api/sessions/${ready.id}/events?token=${ready.token}` });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    const match = /event: ready\ndata: (.*)\n\n/.exec(response.body);
    assert.ok(match, `a ready event: ${response.body}`);
    assert.equal((JSON.parse(match[1]!) as { id: string; state: string }).state, 'ready');

    const failed = h.insertSession('failed');
    h.store.updateSession(failed.id, { error: { code: 'E_NOT_READY', message: 'still not ready after 300s', hint: 'Press Recreate.' } });
    const failedStream = await h.app.inject({ url: `/api/sessions/${failed.id}/events?token=${failed.token}` });
    const failure = /event: failed\ndata: (.*)\n\n/.exec(failedStream.body);
    assert.ok(failure, `a failed event: ${failedStream.body}`);
    assert.deepEqual(JSON.parse(failure[1]!), { code: 'E_NOT_READY', message: 'still not ready after 300s', hint: 'Press Recreate.' });
  });

  test('the terminal WebSocket is refused before the upgrade: no token 401, wrong token 403, not ready 409', async () => {
    const listening = await harness();
    try {
      await listening.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = listening.app.server.address() as { port: number };
      const { id } = listening.insertSession('ready');
      const starting = listening.insertSession('provisioning');
      const cases: [string, number, string][] = [
        [`/api/sessions/${id}/terminal`, 401, 'E_TOKEN_MISSING'],
        [`/api/sessions/${id}/terminal?token=${newToken()}`, 403, 'E_TOKEN_INVALID'],
        [`/api/sessions/0123456789abcdef/terminal?token=${newToken()}`, 404, 'E_SESSION_NOT_FOUND'],
        [`/api/sessions/${starting.id}/terminal?token=${starting.token}`, 409, 'E_SESSION_NOT_READY'],
      ];
      for (const [path, status, code] of cases) {
        const result = await upgradeRequest(port, path);
        assert.notEqual(result, 'upgraded', `${path} must not be upgraded`);
        if (result === 'upgraded') continue;
        assert.equal(result.status, status, `${path}: ${result.body}`);
        assert.equal((JSON.parse(result.body) as { error: { code: string } }).error.code, code);
      }
      // A plain GET (no upgrade) with the right token says it is a WebSocket endpoint.
      const plain = await fetch(`http://127.0.0.1:${port}/api/sessions/${starting.id}/terminal?token=${starting.token}`);
      assert.equal(plain.status, 426);
      assert.equal(((await plain.json()) as { error: { code: string } }).error.code, 'E_UPGRADE_REQUIRED');
    } finally {
      await listening.close();
    }
  });

  test('session tokens never reach the logs', async () => {
    const { id, token } = h.insertSession('ready');
    await h.app.inject({ url: `/api/sessions/${id}/events?token=${token}` });
    await h.app.inject({ url: `/api/sessions/${id}`, headers: bearer(token) });
    await new Promise((resolve) => setImmediate(resolve));
    const logs = h.logs.join('');
    assert.match(logs, new RegExp(`/api/sessions/${id}/events\\?token=\\[REDACTED\\]`), 'the request is logged, with the token redacted');
    assert.ok(!logs.includes(token), 'the token itself is nowhere in the logs');
  });
});

describe('capacity', () => {
  test('a server configured for no labs answers 429 E_CAPACITY_REACHED with a hint', async () => {
    const h = await harness({ maxSessions: 0 });
    try {
      const error = assertError(await h.app.inject({ method: 'POST', url: '/api/sessions', payload: { lesson: 'pods' }, headers: h.launch }), 429, 'E_CAPACITY_REACHED');
      assert.ok(error.hint);
      assert.deepEqual(h.calls, []);
    } finally {
      await h.close();
    }
  });

  test('a full server answers 429; ended and failed sessions do not count', async () => {
    const h = await harness({ maxSessions: 1 });
    try {
      h.insertSession('ended');
      h.insertSession('failed');
      h.insertSession('ready');
      const error = assertError(await h.app.inject({ method: 'POST', url: '/api/sessions', payload: { lesson: 'pods' }, headers: h.launch }), 429, 'E_CAPACITY_REACHED');
      assert.match(error.message, /1 of 1/);
      assert.match(error.hint ?? '', /KUBELAB_MAX_SESSIONS/);
      assert.deepEqual((await h.app.inject({ url: '/healthz' })).json(), { status: 'ok', sessions: 1, capacity: 1 });
      assert.deepEqual(h.calls, [], 'a refused start never reaches the provider');
    } finally {
      await h.close();
    }
  });
});

describe('configuration and the site', () => {
  test('an invalid environment variable is an error naming it', () => {
    assert.throws(() => loadConfig({ KUBELAB_MAX_SESSIONS: 'many' }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'E_BAD_CONFIG');
      assert.match(error.message, /KUBELAB_MAX_SESSIONS/);
      return true;
    });
    assert.throws(() => loadConfig({ PORT: '99999' }), /PORT/);
    assert.throws(() => loadConfig({ KUBELAB_LOG_LEVEL: 'loud' }), /KUBELAB_LOG_LEVEL.*expected one of/);
  });

  test('numbers are whole numbers, an empty variable is unset, and overrides win over the environment', () => {
    assert.throws(() => loadConfig({ KUBELAB_POOL_SIZE: '2.5' }), /invalid KUBELAB_POOL_SIZE="2.5": expected a whole number/);
    assert.throws(() => loadConfig({ PORT: '1e3' }), /PORT.*whole number/);
    assert.throws(() => loadConfig({ PORT: '99999' }), (error: Error & { hint?: string }) => {
      assert.match(error.message, /invalid PORT=99999: must be <= 65535/);
      assert.equal(error.hint, 'Fix or unset PORT (unset, it defaults to 4321).');
      return true;
    });
    const config = loadConfig({ PORT: ' 8080 ', KUBELAB_POOL_SIZE: '', HOST: '0.0.0.0', KUBELAB_DATA_DIR: '/srv/kubelab' }, { host: '127.0.0.2' });
    assert.equal(config.port, 8080);
    assert.equal(config.poolSize, 0);
    assert.equal(config.host, '127.0.0.2');
    assert.equal(config.dataDir, '/srv/kubelab');
    assert.throws(() => loadConfig({}, { maxSessions: -1 }), /KUBELAB_MAX_SESSIONS/);
  });

  test('with no configuration the defaults work', () => {
    const config = loadConfig({ HOME: '/home/learner' });
    assert.equal(config.port, 4321);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.maxSessions, 2);
    assert.equal(config.poolSize, 0);
    assert.match(config.siteDir, /site\/dist$/);
    assert.match(loadConfig({ XDG_DATA_HOME: '/data' }).dataDir, /^\/data\/kubelab$/);
  });

  test('without a built site, / says how to build it; with one, / serves it', async () => {
    const bare = await harness();
    try {
      const page = await bare.app.inject({ url: '/' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /not built/);
      assert.match(page.body, /npm run build/);
    } finally {
      await bare.close();
    }
    const siteDir = join(dir, 'site');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(siteDir, 'lessons', 'pods'), { recursive: true }));
    await writeFile(join(siteDir, 'index.html'), '<h1>Kubelab course</h1>');
    await writeFile(join(siteDir, 'lessons', 'pods', 'index.html'), '<h1>Pods</h1>');
    const built = await harness({ siteDir });
    try {
      assert.match((await built.app.inject({ url: '/' })).body, /Kubelab course/);
      assert.match((await built.app.inject({ url: '/lessons/pods/' })).body, /Pods/);
      assert.equal((await built.app.inject({ url: '/healthz' })).json<{ status: string }>().status, 'ok', 'the API still answers');
      assertError(await built.app.inject({ url: '/missing.html' }), 404, 'E_NOT_FOUND');
    } finally {
      await built.close();
    }
  });
});
