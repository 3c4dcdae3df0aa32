/**
 * The HTTP edge, as an attacker meets it, on the fake provider over real HTTP: a DNS-rebinding page (a foreign
 * Host), a page of another site (a foreign Origin) on a request or a WebSocket, a client without the launch
 * token, the security headers of every response, the timeouts, the rate limits, and one learner's requests
 * piling up work. Every refusal comes in the one error shape, and none reaches the cluster provider.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { LabApi, TerminalClient } from '@kubelab/lab-runner/client';
import { redactUrl } from '../app.ts';
import { LIMITS, TIMEOUTS } from '../plugins/edge.ts';
import { HostPolicy } from '../plugins/edge/hosts.ts';
import { loadConfig } from '../config.ts';
import type { Session } from '../sessions/session.ts';
import { fakeServer, tempDir, until, type FakeServer } from './fakes.ts';

let dir: { path: string; remove(): Promise<void> };
let count = 0;
/** A built site: a page with an inline script (as Starlight writes them) and a script file. */
let siteDir: string;
const INLINE_SCRIPT = "\n\twindow.theme = localStorage.getItem('theme') ?? 'auto';\n";

before(async () => {
  dir = await tempDir('edge-test');
  siteDir = join(dir.path, 'site');
  await mkdir(join(siteDir, 'lessons', 'pods'), { recursive: true });
  await writeFile(join(siteDir, 'index.html'), `<!doctype html><title>Kubelab</title><script>${INLINE_SCRIPT}</script><script type="module" src="/app.js"></script><h1>Course</h1>`);
  await writeFile(join(siteDir, 'lessons', 'pods', 'index.html'), '<!doctype html><title>Pods</title><script type="module">import "/app.js";</script><h1>Pods</h1>');
  await writeFile(join(siteDir, 'app.js'), 'console.log("app");\n');
});
after(async () => {
  await dir.remove();
});

const dataDir = (): string => join(dir.path, `data-${++count}`);

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  code: string | undefined;
}

/** A request as any client can send it, with whatever Host and Origin it likes (fetch would not let it). */
function send(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers ?? {}, agent: false });
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
        } catch {
          code = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, code });
      });
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** A WebSocket handshake with these headers: the HTTP answer if refused, or 'upgraded'. */
function upgrade(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer | 'upgraded'> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port,
      path,
      agent: false,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body, code: (JSON.parse(body) as { error: { code: string } }).error.code }));
    });
    request.on('upgrade', (_response, socket) => {
      socket.destroy();
      resolve('upgraded');
    });
    request.on('error', reject);
    request.end();
  });
}

const portOf = (server: FakeServer): number => Number(new URL(server.baseUrl).port);
const json = { 'content-type': 'application/json' };
const createBody = JSON.stringify({ lesson: 'probe' });

async function readyLab(server: FakeServer): Promise<{ session: Session; token: string; bearer: { authorization: string } }> {
  const { session, token } = await server.app.sessions.create('probe');
  await until(() => session.state !== 'provisioning', 'the lab is ready');
  assert.equal(session.state, 'ready');
  return { session, token, bearer: { authorization: `Bearer ${token}` } };
}

describe('Host: only the server’s own names are answered (DNS rebinding)', () => {
  let server: FakeServer;
  let port: number;
  before(async () => {
    server = await fakeServer({ dataDir: dataDir(), config: { siteDir } });
    port = portOf(await server.listen().then(() => server));
  });
  after(() => server.close());

  test('a foreign name is refused with 421 E_BAD_HOST everywhere: the site, the API, starting a lab, the terminal', async () => {
    const { session, token } = await readyLab(server);
    const rebinding = { host: `attacker.example:${port}` };
    const requests: [string, Promise<Answer | 'upgraded'>][] = [
      ['the site', send(port, { path: '/', headers: rebinding })],
      ['a static file', send(port, { path: '/app.js', headers: rebinding })],
      ['a missing page', send(port, { path: '/nope', headers: rebinding })],
      ['the health check', send(port, { path: '/healthz', headers: rebinding })],
      ['the lessons', send(port, { path: '/api/lessons', headers: rebinding })],
      ['starting a lab', send(port, { method: 'POST', path: '/api/sessions', headers: { ...rebinding, ...json, ...server.launch }, body: createBody })],
      ['the session', send(port, { path: `/api/sessions/${session.id}`, headers: { ...rebinding, authorization: `Bearer ${token}` } })],
      ['the terminal', upgrade(port, `/api/sessions/${session.id}/terminal?token=${token}`, rebinding)],
      ['a launch link', send(port, { path: `/?launch=${server.config.launchToken}`, headers: rebinding })],
    ];
    for (const [what, answer] of requests) {
      const result = await answer;
      assert.notEqual(result, 'upgraded', `${what}: not upgraded`);
      if (result === 'upgraded') continue;
      assert.equal(result.status, 421, `${what}: ${result.body}`);
      assert.equal(result.code, 'E_BAD_HOST', what);
      assert.equal(result.headers['set-cookie'], undefined, `${what}: no cookie`);
      assert.match(JSON.parse(result.body).error.hint, new RegExp(`http://localhost:${port}/`), `${what}: the hint says where to go`);
    }
    assert.equal(server.app.sessions.liveCount(), 1, 'no lab was started');
  });

  test('the loopback names on the port it listens on are answered; another port or a lookalike is not', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      assert.equal((await send(port, { path: '/healthz', headers: { host } })).status, 200, host);
    }
    for (const host of ['localhost', `localhost:${port + 1}`, `localhost.:${port}`, `127.0.0.1.attacker.example:${port}`, `localhost:${port}@attacker.example`]) {
      const answer = await send(port, { path: '/healthz', headers: { host } });
      assert.equal(answer.status, 421, `${host}: ${answer.body}`);
    }
  });

  test('KUBELAB_PUBLIC_HOST adds the name a workshop is reached by: on the listening port or the scheme’s, unless it names its own port', () => {
    const policy = (publicHost: string | undefined, host = '0.0.0.0') =>
      new HostPolicy(loadConfig({}, { host, insecure: true, ...(publicHost ? { publicHost } : {}) }), () => 4321);
    const named = policy('Lab.Example.org');
    assert.ok(named.allowsHost('lab.example.org:4321', 'http'));
    assert.ok(named.allowsHost('lab.example.org', 'https'), 'a TLS proxy in front, on 443');
    assert.ok(!named.allowsHost('lab.example.org:8080', 'http'));
    assert.ok(!named.allowsHost('other.example.org:4321', 'http'));
    const proxied = policy('lab.example.org:8443');
    assert.ok(proxied.allowsHost('lab.example.org:8443', 'https'));
    assert.ok(!proxied.allowsHost('lab.example.org:4321', 'https'), 'with a port, only that port');
    assert.ok(!policy(undefined).allowsHost('10.0.0.5:4321', 'http'), 'no address of the machine is guessed');
    assert.ok(policy(undefined, '10.0.0.5').allowsHost('10.0.0.5:4321', 'http'), 'HOST itself, when it is one address');
    assert.ok(policy(undefined, 'fd00::5').allowsHost('[fd00::5]:4321', 'http'));
    assert.ok(policy(undefined).allowsHost('localhost:4321', 'http'), 'the host’s own browser');
  });
});

describe('Origin: a page of another site can neither change anything nor open a terminal', () => {
  let server: FakeServer;
  let port: number;
  before(async () => {
    server = await fakeServer({ dataDir: dataDir() });
    port = portOf(await server.listen().then(() => server));
  });
  after(() => server.close());

  test('a foreign Origin is refused with 403 E_BAD_ORIGIN before the token is even looked at', async () => {
    const { session, token, bearer } = await readyLab(server);
    for (const origin of ['http://attacker.example', `http://attacker.example:${port}`, 'null', `ftp://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`]) {
      const evil = { origin };
      const start = await send(port, { method: 'POST', path: '/api/sessions', headers: { ...evil, ...json, ...server.launch }, body: createBody });
      assert.equal(start.status, 403, `${origin}: ${start.body}`);
      assert.equal(start.code, 'E_BAD_ORIGIN');
      const end = await send(port, { method: 'DELETE', path: `/api/sessions/${session.id}`, headers: { ...evil, ...bearer } });
      assert.equal(end.code, 'E_BAD_ORIGIN', origin);
      const terminal = await upgrade(port, `/api/sessions/${session.id}/terminal?token=${token}`, evil);
      assert.ok(terminal !== 'upgraded' && terminal.status === 403 && terminal.code === 'E_BAD_ORIGIN', `${origin}: the terminal is refused before the upgrade`);
    }
    assert.equal(session.state, 'ready', 'the lab was not ended');
    assert.equal(server.app.sessions.liveCount(), 1, 'no lab was started');
    assert.deepEqual(server.provider.callsOf('delete'), []);
  });

  test('the server’s own pages, and clients that send no Origin (curl, the tests), are served', async () => {
    const { session, token } = await readyLab(server);
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, undefined]) {
      const terminal = await upgrade(port, `/api/sessions/${session.id}/terminal?token=${token}`, origin ? { origin } : {});
      assert.equal(terminal, 'upgraded', String(origin));
    }
    const start = await send(port, { method: 'POST', path: '/api/sessions', headers: { origin: `http://localhost:${port}`, ...json, ...server.launch }, body: createBody });
    assert.equal(start.status, 201, start.body);
  });

  test('a GET with a foreign Origin is answered, but never shared: no CORS header lets the page read it', async () => {
    const answer = await send(port, { path: '/api/lessons', headers: { origin: 'http://attacker.example' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['access-control-allow-origin'], undefined);
  });
});

describe('the launch token: only a browser that opened the launch link, or a client that sends it, starts labs', () => {
  let server: FakeServer;
  let port: number;
  const logs: string[] = [];
  before(async () => {
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    server = await fakeServer({ dataDir: dataDir(), config: { siteDir }, logStream });
    port = portOf(await server.listen().then(() => server));
  });
  after(() => server.close());

  test('without it, starting a lab is 401 E_LAUNCH_REQUIRED; with a wrong one, 403; nothing is started', async () => {
    const missing = await send(port, { method: 'POST', path: '/api/sessions', headers: json, body: createBody });
    assert.equal(missing.status, 401, missing.body);
    assert.equal(missing.code, 'E_LAUNCH_REQUIRED');
    assert.match(JSON.parse(missing.body).error.hint, /Open the link `npm start` printed/);
    const wrong = 'x'.repeat(43);
    const cases: [Record<string, string>, number][] = [
      [{ authorization: `Bearer ${wrong}` }, 403],
      [{ cookie: `kubelab-launch-${port}=${wrong}` }, 403],
      // The right token under another server's cookie (another port) is not this server's cookie.
      [{ cookie: `kubelab-launch-${port + 1}=${server.config.launchToken}` }, 401],
      [{ authorization: `Bearer ${server.config.launchToken.slice(0, -1)}` }, 403],
    ];
    for (const [headers, status] of cases) {
      const answer = await send(port, { method: 'POST', path: '/api/sessions', headers: { ...json, ...headers }, body: createBody });
      assert.equal(answer.status, status, `${JSON.stringify(headers)}: ${answer.body}`);
      assert.equal(answer.code, 'E_LAUNCH_REQUIRED');
    }
    // Checked before the body: an outsider learns nothing about lessons either.
    assert.equal((await send(port, { method: 'POST', path: '/api/sessions', headers: json, body: '{"lesson":5}' })).code, 'E_LAUNCH_REQUIRED');
    assert.equal(server.app.sessions.liveCount(), 0);
    assert.deepEqual(server.provider.calls, []);
  });

  test('the launch link sets an HttpOnly, SameSite=Strict cookie and sends the browser on without the token; the cookie starts labs', async () => {
    const link = await send(port, { path: `/lessons/pods/?launch=${server.config.launchToken}&tab=2` });
    assert.equal(link.status, 303);
    assert.equal(link.headers.location, '/lessons/pods/?tab=2', 'the same address, without the token');
    assert.equal(link.headers['cache-control'], 'no-store');
    const [cookie] = link.headers['set-cookie'] ?? [];
    assert.ok(cookie, 'a cookie');
    assert.match(cookie, new RegExp(`^kubelab-launch-${port}=${server.config.launchToken}; `));
    for (const attribute of ['HttpOnly', 'SameSite=Strict', 'Path=/']) assert.ok(cookie.split('; ').includes(attribute), `${attribute} in ${cookie}`);
    assert.ok(!cookie.includes('Secure'), 'plain HTTP: a Secure cookie would never come back');

    const start = await send(port, { method: 'POST', path: '/api/sessions', headers: { ...json, cookie: cookie.split(';')[0]! }, body: createBody });
    assert.equal(start.status, 201, start.body);
    assert.equal((await send(port, { path: `/?launch=${server.config.launchToken}` })).headers.location, '/');
  });

  test('a stale link sets no cookie, and a link never sends the browser to another site', async () => {
    const stale = await send(port, { path: `/?launch=${'y'.repeat(43)}` });
    assert.equal(stale.status, 303);
    assert.equal(stale.headers['set-cookie'], undefined);
    for (const path of ['//attacker.example/', '/\\attacker.example/', '///attacker.example/']) {
      const answer = await send(port, { path: `${path}?launch=${server.config.launchToken}` });
      assert.equal(answer.status, 303, path);
      assert.equal(answer.headers.location, '/attacker.example/', `${path}: a path of this server`);
    }
  });

  test('the typed client sends it as a bearer token', async () => {
    const api = new LabApi({ baseUrl: server.baseUrl, launchToken: server.config.launchToken });
    assert.equal((await api.createSession('probe')).state, 'provisioning');
    await assert.rejects(new LabApi({ baseUrl: server.baseUrl }).createSession('probe'), { code: 'E_LAUNCH_REQUIRED', status: 401 });
  });

  test('neither the launch token nor a session token reaches the log, however the address spells it', async () => {
    const { session, token } = await readyLab(server);
    const secret = server.config.launchToken;
    await send(port, { path: `/?launch=${secret}` });
    await send(port, { path: `/?%6Caunch=${secret}` });
    await send(port, { method: 'POST', path: '/api/sessions', headers: { ...json, cookie: `kubelab-launch-${port}=${secret}`, authorization: `Bearer ${secret}` }, body: createBody });
    for (const query of [`token=${token}`, `%74oken=${token}`, `TOKEN=${token}`, `a=1;token=${token}`, `token%3D${token}`, `x=${encodeURIComponent(`launch=${token}`)}`]) {
      await send(port, { path: `/api/sessions/${session.id}/events?${query}` });
    }
    await new Promise((resolve) => setImmediate(resolve));
    const text = logs.join('');
    assert.match(text, new RegExp(`/api/sessions/${session.id}/events\\?token=\\[REDACTED\\]`), 'the requests are logged');
    assert.ok(!text.includes(secret), 'the launch token is nowhere in the log');
    assert.ok(!text.includes(token), 'the session token is nowhere in the log');
    assert.equal(redactUrl('/api/x?%74oken=abc&keep=1'), '/api/x?token=[REDACTED]&keep=1');
    assert.equal(redactUrl('/lessons/pods/?a=1;token=abc'), '/lessons/pods/?[REDACTED]');
  });
});

describe('security headers on every response', () => {
  let server: FakeServer;
  let port: number;
  before(async () => {
    server = await fakeServer({ dataDir: dataDir(), config: { siteDir } });
    port = portOf(await server.listen().then(() => server));
  });
  after(() => server.close());

  const hash = (script: string): string => `'sha256-${createHash('sha256').update(script).digest('base64')}'`;

  test('the site gets a CSP that allows its own inline scripts by hash, never any inline script', async () => {
    const page = await send(port, { path: '/' });
    assert.equal(page.status, 200);
    const csp = String(page.headers['content-security-policy']);
    const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    assert.deepEqual(directives.get('default-src'), ["'self'"]);
    const scripts = directives.get('script-src') ?? [];
    assert.ok(scripts.includes(hash(INLINE_SCRIPT)), `the page's inline script is allowed by its hash: ${csp}`);
    assert.ok(scripts.includes(hash('import "/app.js";')), 'and the inline module of another page');
    assert.ok(!scripts.includes("'unsafe-inline'") && !scripts.includes("'unsafe-eval'"), 'no inline script or eval otherwise');
    assert.deepEqual(directives.get('connect-src'), ["'self'", `ws://127.0.0.1:${port}`]);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(directives.get('object-src'), ["'none'"]);
    assert.deepEqual(directives.get('base-uri'), ["'none'"]);
  });

  test('nosniff and no-referrer everywhere, no-store on the API, even on errors and the event stream; no HSTS over HTTP', async () => {
    const { session, token } = await readyLab(server);
    const answers: [string, Answer][] = [
      ['/', await send(port, { path: '/' })],
      ['/app.js', await send(port, { path: '/app.js' })],
      ['a missing page', await send(port, { path: '/nope' })],
      ['/api/lessons', await send(port, { path: '/api/lessons' })],
      ['a refused start', await send(port, { method: 'POST', path: '/api/sessions', headers: json, body: createBody })],
      ['a foreign host', await send(port, { path: '/api/lessons', headers: { host: 'attacker.example' } })],
      ['the event stream', await send(port, { path: `/api/sessions/${session.id}/events?token=${token}` })],
    ];
    for (const [what, answer] of answers) {
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', what);
      assert.equal(answer.headers['referrer-policy'], 'no-referrer', what);
      assert.match(String(answer.headers['content-security-policy']), /frame-ancestors 'none'/, what);
      assert.equal(answer.headers['strict-transport-security'], undefined, what);
      if (what.startsWith('/api') || what.includes('start') || what.includes('stream')) assert.match(String(answer.headers['cache-control']), /no-store/, what);
    }
    assert.match(answers[6]![1].body, /event: ready/);
  });
});

describe('timeouts', () => {
  const short = { connectionTimeout: 400, requestTimeout: 600, headersTimeout: 300, connectionsCheckingInterval: 100, keepAliveTimeout: 200 };
  let server: FakeServer;
  let port: number;
  before(async () => {
    server = await fakeServer({ dataDir: dataDir(), timeouts: short });
    port = portOf(await server.listen().then(() => server));
  });
  after(() => server.close());

  /** Resolves with how long the server kept the socket, and what it said, once it closes it. */
  function hold(write: (socket: net.Socket) => void): Promise<{ ms: number; said: string }> {
    return new Promise((resolve) => {
      const began = Date.now();
      let said = '';
      const socket = net.connect(port, '127.0.0.1', () => write(socket));
      socket.on('data', (chunk) => (said += chunk.toString('utf8')));
      socket.on('error', () => {});
      socket.on('close', () => resolve({ ms: Date.now() - began, said }));
    });
  }

  test('the defaults are set on the server', async () => {
    const defaults = await fakeServer({ dataDir: dataDir() });
    try {
      const raw = defaults.app.server;
      assert.equal(raw.timeout, TIMEOUTS.connectionTimeout);
      assert.equal(raw.requestTimeout, TIMEOUTS.requestTimeout);
      assert.equal(raw.headersTimeout, TIMEOUTS.headersTimeout);
      assert.equal(raw.keepAliveTimeout, TIMEOUTS.keepAliveTimeout);
      assert.equal(raw.maxRequestsPerSocket, TIMEOUTS.maxRequestsPerSocket);
    } finally {
      await defaults.close();
    }
  });

  test('a client that dribbles its headers (slowloris), or says nothing, or idles on keep-alive, is cut off', async () => {
    const slow = await hold((socket) => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
      const timer = setInterval(() => socket.write('X-Slow: 1\r\n'), 50);
      socket.on('close', () => clearInterval(timer));
    });
    assert.ok(slow.ms < 2000, `closed after ${slow.ms} ms`);
    assert.match(slow.said, /^HTTP\/1\.1 408/);
    const silent = await hold(() => {});
    assert.ok(silent.ms < 2000, `a silent socket closed after ${silent.ms} ms`);
    const idle = await hold((socket) => socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    assert.match(idle.said, /^HTTP\/1\.1 200/);
    assert.ok(idle.ms < 2000, `an idle keep-alive socket closed after ${idle.ms} ms`);
  });

  test('a check, the event stream and the terminal outlive the idle timeout', async () => {
    const { session, token, bearer } = await readyLab(server);
    const checking = send(port, { method: 'POST', path: `/api/sessions/${session.id}/exercises/probe/check`, headers: bearer });
    await server.gate.reached();
    await new Promise((resolve) => setTimeout(resolve, 3 * short.connectionTimeout));
    server.gate.answer(true);
    assert.equal((await checking).status, 200, 'a check longer than the idle timeout is answered');

    const creating = server.provider.hold('create');
    const starting = await server.app.sessions.create('probe');
    await creating.reached;
    const stream = send(port, { path: `/api/sessions/${starting.session.id}/events?token=${starting.token}` });
    await new Promise((resolve) => setTimeout(resolve, 3 * short.connectionTimeout));
    creating.release();
    assert.match((await stream).body, /event: ready/, 'the event stream, silent for longer than the idle timeout, still ends with ready');

    const api = new LabApi({ baseUrl: server.baseUrl });
    let output = '';
    let connected = false;
    const client = new TerminalClient(api.terminalUrl({ id: session.id, token }), {
      onOpen: () => {},
      onOutput: (data, rendered) => {
        output += new TextDecoder().decode(data);
        rendered();
      },
      onState: (state) => (connected = state.state === 'connected'),
      size: () => ({ cols: 80, rows: 24 }),
    });
    try {
      await until(() => connected, 'the terminal connected');
      await new Promise((resolve) => setTimeout(resolve, 3 * short.connectionTimeout));
      assert.ok(connected, 'still connected after idling');
      client.sendInput('echo still-$((20+22))\r');
      await until(() => output.includes('still-42'), 'the shell answers after idling');
    } finally {
      client.dispose();
    }
  });
});

describe('rate limits, in the one error shape with Retry-After', () => {
  let server: FakeServer;
  before(async () => {
    server = await fakeServer({ dataDir: dataDir(), maxSessions: 10 });
  });
  after(() => server.close());

  const assertLimited = (answer: { statusCode: number; headers: Record<string, unknown>; body: string }, what: string): void => {
    assert.equal(answer.statusCode, 429, `${what}: ${answer.body}`);
    assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'E_RATE_LIMITED', what);
    assert.ok(Number(answer.headers['retry-after']) > 0, `${what}: Retry-After`);
  };

  test(`per client address: request ${LIMITS.perAddress.max + 1} in a minute is refused; another address is not`, async () => {
    const address = '10.1.0.1';
    for (let i = 0; i < LIMITS.perAddress.max; i++) {
      const answer = await server.app.inject({ url: '/healthz', remoteAddress: address });
      assert.equal(answer.statusCode, 200, `request ${i + 1}`);
    }
    assertLimited(await server.app.inject({ url: '/healthz', remoteAddress: address }), 'one more');
    assert.equal((await server.app.inject({ url: '/healthz', remoteAddress: '10.1.0.2' })).statusCode, 200);
  });

  test(`starting labs: ${LIMITS.createsPerAddress.max} a minute per address`, async () => {
    const address = '10.2.0.1';
    const start = () => server.app.inject({ method: 'POST', url: '/api/sessions', payload: { lesson: 'no-such-lesson' }, headers: server.launch, remoteAddress: address });
    for (let i = 0; i < LIMITS.createsPerAddress.max; i++) assert.equal((await start()).statusCode, 404);
    assertLimited(await start(), 'one more start');
  });

  test(`per session: request ${LIMITS.perSession.max + 1} in a minute is refused; requests with a wrong token do not count, and other sessions go on`, async () => {
    const victim = await readyLab(server);
    const other = await readyLab(server);
    // Someone who knows the id but not the token cannot spend the learner's allowance.
    for (let i = 0; i < 50; i++) {
      const answer = await server.app.inject({ url: `/api/sessions/${victim.session.id}`, headers: { authorization: `Bearer ${'z'.repeat(43)}` }, remoteAddress: '10.3.0.9' });
      assert.equal(answer.statusCode, 403);
    }
    for (let i = 0; i < LIMITS.perSession.max; i++) {
      const answer = await server.app.inject({ url: `/api/sessions/${victim.session.id}`, headers: victim.bearer });
      assert.equal(answer.statusCode, 200, `request ${i + 1}: ${answer.body}`);
    }
    assertLimited(await server.app.inject({ url: `/api/sessions/${victim.session.id}`, headers: victim.bearer, remoteAddress: '10.3.9.9' }), 'one more, from anywhere');
    assertLimited(await server.app.inject({ url: `/api/sessions/${victim.session.id}/events?token=${victim.token}`, remoteAddress: '10.3.9.9' }), 'its event stream too');
    assert.equal((await server.app.inject({ url: `/api/sessions/${other.session.id}`, headers: other.bearer })).statusCode, 200);
  });

  test(`terminal upgrades: ${LIMITS.upgradesPerSession.max} a minute per session`, async () => {
    const listening = await fakeServer({ dataDir: dataDir() });
    try {
      // Over real HTTP, a session that is still starting: every upgrade is refused (409) until the cap says 429.
      const port = Number(new URL(await listening.listen()).port);
      const hold = listening.provider.hold('create');
      const lab = await listening.app.sessions.create('probe');
      await hold.reached;
      const path = `/api/sessions/${lab.session.id}/terminal?token=${lab.token}`;
      for (let i = 0; i < LIMITS.upgradesPerSession.max; i++) {
        const answer = await upgrade(port, path);
        assert.ok(answer !== 'upgraded' && answer.code === 'E_SESSION_NOT_READY', `upgrade ${i + 1}`);
      }
      const refused = await upgrade(port, path);
      assert.ok(refused !== 'upgraded');
      assert.equal(refused.status, 429);
      assert.equal(refused.code, 'E_RATE_LIMITED');
      assert.ok(Number(refused.headers['retry-after']) > 0);
      // Plain GETs of the terminal route are not upgrades, and do not count.
      assert.equal((await send(port, { path })).code, 'E_UPGRADE_REQUIRED');
      hold.release();
    } finally {
      await listening.close();
    }
  });
});

describe('one learner cannot pile up work', () => {
  let server: FakeServer;
  before(async () => {
    server = await fakeServer({ dataDir: dataDir() });
  });
  after(() => server.close());

  test('one check, exercise reset or recreate at a time per session: the next gets 409 E_SESSION_BUSY, not queued', async () => {
    const { session, bearer } = await readyLab(server);
    const other = await readyLab(server);
    const base = `/api/sessions/${session.id}`;
    const checking = server.app.inject({ method: 'POST', url: `${base}/exercises/probe/check`, headers: bearer });
    await server.gate.reached();
    for (const url of [`${base}/exercises/probe/check`, `${base}/exercises/probe/reset`, `${base}/reset`]) {
      const answer = await server.app.inject({ method: 'POST', url, headers: bearer });
      assert.equal(answer.statusCode, 409, `${url}: ${answer.body}`);
      assert.equal(answer.json<{ error: { code: string } }>().error.code, 'E_SESSION_BUSY', url);
    }
    assert.equal(server.gate.calls, 1, 'the refused check never ran');
    // Another session is not held up.
    const theirs = server.app.inject({ method: 'POST', url: `/api/sessions/${other.session.id}/exercises/probe/check`, headers: other.bearer });
    await until(() => server.gate.calls === 2, 'the other session’s check runs');
    server.gate.answer(true);
    server.gate.answer(true);
    assert.equal((await checking).statusCode, 200);
    assert.equal((await theirs).statusCode, 200);
    // Once it is answered, the next check runs.
    const next = server.app.inject({ method: 'POST', url: `${base}/exercises/probe/check`, headers: bearer });
    await server.gate.reached();
    server.gate.answer(false);
    assert.equal((await next).statusCode, 200);

    // An exercise reset holds the session too (here while it asks whether the cluster still exists).
    const listing = server.provider.hold('list');
    const resetting = server.app.inject({ method: 'POST', url: `${base}/exercises/probe/reset`, headers: bearer });
    await listing.reached;
    const during = await server.app.inject({ method: 'POST', url: `${base}/exercises/probe/check`, headers: bearer });
    assert.equal(during.json<{ error: { code: string } }>().error.code, 'E_SESSION_BUSY');
    listing.release();
    assert.equal((await resetting).statusCode, 200);
  });

  test(`at most ${LIMITS.streamsPerSession} event streams per session; the next gets 429 E_TOO_MANY_STREAMS until one closes`, async () => {
    const listening = await fakeServer({ dataDir: dataDir() });
    const streams: http.ClientRequest[] = [];
    /** Opens a stream: its status once the headers are in (the request stays open while the stream lasts). */
    const open = (path: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const request = http.get({ host: '127.0.0.1', port: Number(new URL(listening.baseUrl).port), path, agent: false }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
        streams.push(request);
      });
    try {
      await listening.listen();
      const held = listening.provider.hold('create');
      const { session, token } = await listening.app.sessions.create('probe');
      await held.reached;
      const path = `/api/sessions/${session.id}/events?token=${token}`;
      for (let i = 0; i < LIMITS.streamsPerSession; i++) assert.equal(await open(path), 200, `stream ${i + 1}`);
      assert.equal(await open(path), 429, 'one stream more is refused');
      assert.equal((await send(Number(new URL(listening.baseUrl).port), { path })).code, 'E_TOO_MANY_STREAMS');
      streams[0]!.destroy();
      const deadline = Date.now() + 5000;
      while ((await open(path)) !== 200) {
        assert.ok(Date.now() < deadline, 'a stream is let in once another closed');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      for (const stream of streams) stream.destroy();
      await listening.close();
    }
  });
});

describe('the edge’s settings', () => {
  test('the profile follows HOST unless set: self-paced on loopback, workshop on an address others reach', () => {
    assert.equal(loadConfig({}).profile, 'self-paced');
    assert.equal(loadConfig({ HOST: 'localhost' }).profile, 'self-paced');
    assert.equal(loadConfig({ HOST: '::1' }).profile, 'self-paced');
    assert.equal(loadConfig({ HOST: '0.0.0.0' }).profile, 'workshop');
    assert.equal(loadConfig({ HOST: '10.0.0.5' }).profile, 'workshop');
    assert.equal(loadConfig({ HOST: '0.0.0.0', KUBELAB_PROFILE: 'self-paced' }).profile, 'self-paced');
    assert.throws(() => loadConfig({ KUBELAB_PROFILE: 'party' }), { code: 'E_BAD_CONFIG', message: /KUBELAB_PROFILE="party": expected one of self-paced, workshop/ });
  });

  test('a public host is a name or address with an optional port; the launch token is random per start unless set, and never shown', () => {
    assert.equal(loadConfig({ KUBELAB_PUBLIC_HOST: 'Lab.Example.org:8443' }).publicHost, 'lab.example.org:8443');
    assert.equal(loadConfig({ KUBELAB_PUBLIC_HOST: '[fd00::1]:4321' }).publicHost, '[fd00::1]:4321');
    for (const bad of ['http://lab.example.org', 'lab.example.org/path', 'a b', 'lab.example.org:']) {
      assert.throws(() => loadConfig({ KUBELAB_PUBLIC_HOST: bad }), { code: 'E_BAD_CONFIG', message: /KUBELAB_PUBLIC_HOST/ }, bad);
    }
    const first = loadConfig({}).launchToken;
    assert.match(first, /^[A-Za-z0-9_-]{43}$/, '32 random bytes');
    assert.notEqual(loadConfig({}).launchToken, first);
    assert.equal(loadConfig({ KUBELAB_LAUNCH_TOKEN: 'scripted-token-0123456789' }).launchToken, 'scripted-token-0123456789');
    assert.throws(() => loadConfig({ KUBELAB_LAUNCH_TOKEN: 'short secret!' }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'E_BAD_CONFIG');
      assert.match(error.message, /KUBELAB_LAUNCH_TOKEN \(value not shown\)/);
      assert.ok(!error.message.includes('short secret'), 'the value is not in the message');
      return true;
    });
    assert.throws(() => loadConfig({ KUBELAB_INSECURE: 'maybe' }), { code: 'E_BAD_CONFIG', message: /KUBELAB_INSECURE/ });
  });
});
