/**
 * The host's admin routes and `npx kubelab session list|end`, on the fake provider: the admin token is made at
 * start, kept 0600 in the data directory and removed at stop; the routes refuse a request without it (401), with
 * a learner's session token or the launch token (403), all E_ADMIN_TOKEN; with it they list the labs (cluster names
 * included) and end one, whose learner is then told the host ended it. The CLI finds the server through the data
 * directory's lock, over HTTP and over HTTPS (pinned to the certificate the lock names).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminTokenFile } from '../plugins/admin.ts';
import { generateCertificate } from '../plugins/edge/tls.ts';
import { sessionCommand, sessionTable, relativeTime } from '../cli/session.ts';
import type { AdminSessionList, ErrorBody, SessionSummary } from '../schemas/api.ts';
import { lockFile } from '../store/lock.ts';
import { fakeServer, tempDir, TestClock, until, type FakeServer } from './fakes.ts';

let dir: { path: string; remove(): Promise<void> };
let count = 0;
before(async () => {
  dir = await tempDir('admin-test');
});
after(async () => {
  await dir.remove();
});

const dataDir = (): string => join(dir.path, `data-${++count}`);

async function withLab(server: FakeServer): Promise<{ id: string; token: string; cluster: string }> {
  const { session, token } = await server.app.sessions.create('probe');
  await until(() => session.state === 'ready', 'the lab is ready');
  return { id: session.id, token, cluster: session.cluster };
}

async function call(base: string, method: 'GET' | 'DELETE', path: string, authorization?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, { method, headers: authorization ? { authorization } : {} });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const codeOf = (body: unknown): string | undefined => (body as ErrorBody | undefined)?.error?.code;

describe('the admin token and routes', () => {
  test('the token is made at start, 0600 in the data directory, and gone at stop', async () => {
    const server = await fakeServer({ dataDir: dataDir() });
    const file = adminTokenFile(server.config.dataDir);
    assert.equal(existsSync(file), false, 'written once the server listens');
    await server.listen();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const token = readFileSync(file, 'utf8').trim();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(token, server.config.launchToken);
    const owner = JSON.parse(readFileSync(lockFile(server.config.dataDir), 'utf8')) as { port: number; address: string };
    assert.equal(owner.address, '127.0.0.1');
    assert.equal(owner.port, Number(new URL(server.baseUrl).port));
    await server.close();
    assert.equal(existsSync(file), false);
  });

  test('refused without the admin token (401), and with a learner’s token or the launch token (403)', async () => {
    const server = await fakeServer({ dataDir: dataDir() });
    try {
      const base = await server.listen();
      const lab = await withLab(server);
      const attempts: [string, string | undefined, number][] = [
        ['no token', undefined, 401],
        ["the learner's session token", `Bearer ${lab.token}`, 403],
        ['the launch token', server.launch.authorization, 403],
        ['a made-up token', 'Bearer not-the-admin-token', 403],
        ['the admin token, not as a bearer token', readFileSync(adminTokenFile(server.config.dataDir), 'utf8').trim(), 401],
      ];
      for (const [what, authorization, status] of attempts) {
        for (const [method, path] of [
          ['GET', '/api/admin/sessions'],
          ['DELETE', `/api/admin/sessions/${lab.id}`],
        ] as const) {
          const answer = await call(base, method, path, authorization);
          assert.equal(answer.status, status, `${method} ${path} with ${what}: ${JSON.stringify(answer.body)}`);
          assert.equal(codeOf(answer.body), 'E_ADMIN_TOKEN');
        }
      }
      assert.equal(server.app.store.getSession(lab.id)?.state, 'ready', 'nothing was ended');
      assert.deepEqual(server.provider.callsOf('delete'), []);
    } finally {
      await server.close();
    }
  });

  test('with it: the list (cluster names, activity, expiry) and ending a lab, whose learner is told the host ended it', async () => {
    const clock = new TestClock();
    const server = await fakeServer({ dataDir: dataDir(), clock: clock.now, config: { profile: 'workshop' } });
    try {
      const base = await server.listen();
      const admin = `Bearer ${readFileSync(adminTokenFile(server.config.dataDir), 'utf8').trim()}`;
      const lab = await withLab(server);
      clock.advanceMinutes(5);
      const listed = await call(base, 'GET', '/api/admin/sessions', admin);
      assert.equal(listed.status, 200);
      const list = listed.body as AdminSessionList;
      assert.equal(list.profile, 'workshop');
      assert.equal(list.capacity, 4);
      const created = server.app.store.getSession(lab.id)!.createdAt;
      assert.deepEqual(list.sessions, [
        {
          id: lab.id,
          lesson: 'probe',
          state: 'ready',
          cluster: lab.cluster,
          createdAt: created,
          lastActivityAt: created,
          expiresAt: new Date(Date.parse(created) + 240 * 60_000).toISOString(),
          idleEndsAt: new Date(Date.parse(created) + 60 * 60_000).toISOString(),
          extensions: 0,
        },
      ]);

      const ended = await call(base, 'DELETE', `/api/admin/sessions/${lab.id}`, admin);
      assert.equal(ended.status, 204);
      assert.deepEqual(server.provider.names(), []);
      const learner = await call(base, 'GET', `/api/sessions/${lab.id}`, `Bearer ${lab.token}`);
      const summary = learner.body as SessionSummary;
      assert.equal(summary.state, 'ended');
      assert.equal(summary.error?.code, 'E_SESSION_EXPIRED');
      assert.match(summary.error?.message ?? '', /host .* ended this lab/);
      assert.equal((await call(base, 'DELETE', `/api/admin/sessions/${lab.id}`, admin)).status, 204, 'ending an ended lab is not an error');
      assert.deepEqual((await call(base, 'GET', '/api/admin/sessions', admin)).body, { profile: 'workshop', capacity: 4, sessions: [] });
      const unknown = await call(base, 'DELETE', '/api/admin/sessions/0123456789abcdef', admin);
      assert.equal(unknown.status, 404);
      assert.equal(codeOf(unknown.body), 'E_SESSION_NOT_FOUND');
      assert.equal((await call(base, 'DELETE', '/api/admin/sessions/not-an-id', admin)).status, 400);
    } finally {
      await server.close();
    }
  });

  test('admin requests are not the learner’s activity', async () => {
    const clock = new TestClock();
    const server = await fakeServer({ dataDir: dataDir(), clock: clock.now, config: { profile: 'workshop' } });
    try {
      const base = await server.listen();
      const admin = `Bearer ${readFileSync(adminTokenFile(server.config.dataDir), 'utf8').trim()}`;
      const lab = await withLab(server);
      const before = server.app.store.getSession(lab.id)!.createdAt;
      clock.advanceMinutes(10);
      await call(base, 'GET', '/api/admin/sessions', admin);
      const list = (await call(base, 'GET', '/api/admin/sessions', admin)).body as AdminSessionList;
      assert.equal(list.sessions[0]?.lastActivityAt, before);
    } finally {
      await server.close();
    }
  });
});

describe('npx kubelab session', () => {
  const run = async (argv: { command: string; id?: string; json?: boolean }, env: NodeJS.ProcessEnv): Promise<{ code: number; lines: string[] }> => {
    const lines: string[] = [];
    const code = await sessionCommand({ command: argv.command, id: argv.id, json: argv.json ?? false }, (line) => lines.push(line), env);
    return { code, lines };
  };

  test('list and end against the running server of KUBELAB_DATA_DIR', async () => {
    const server = await fakeServer({ dataDir: dataDir(), config: { profile: 'workshop' } });
    try {
      await server.listen();
      const env = { KUBELAB_DATA_DIR: server.config.dataDir };
      const lab = await withLab(server);
      const listed = await run({ command: 'list' }, env);
      assert.equal(listed.code, 0);
      assert.match(listed.lines[0]!, /\(workshop, pid \d+, port \d+\): 1 of 4 lab\(s\) hold a cluster/);
      assert.match(listed.lines[1]!, /^ID\s+LESSON\s+STATE\s+CLUSTER\s+STARTED\s+LAST ACTIVITY\s+ENDS$/);
      assert.match(listed.lines[2]!, new RegExp(`^${lab.id}\\s+probe\\s+ready\\s+${lab.cluster}\\s+now\\s+now\\s+in 1 h \\(idle\\)$`));
      const json = JSON.parse((await run({ command: 'list', json: true }, env)).lines.join('\n')) as AdminSessionList;
      assert.equal(json.sessions[0]?.id, lab.id);

      const ended = await run({ command: 'end', id: lab.id }, env);
      assert.equal(ended.code, 0);
      assert.match(ended.lines[0]!, new RegExp(`Ended lab ${lab.id}`));
      assert.equal(server.app.store.getSession(lab.id)?.state, 'ended');
      assert.deepEqual((await run({ command: 'list' }, env)).lines.slice(1), ['No labs are running.']);
      await assert.rejects(run({ command: 'end', id: 'ffffffffffffffff' }, env), { code: 'E_SESSION_NOT_FOUND' });
    } finally {
      await server.close();
    }
  });

  test('says so when no server runs on the data directory, or the command is wrong', async () => {
    const env = { KUBELAB_DATA_DIR: dataDir() };
    await assert.rejects(run({ command: 'list' }, env), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'E_NOT_FOUND');
      assert.match(error.message, /no lab server is running on the data directory/);
      assert.match(error.hint ?? '', /KUBELAB_DATA_DIR/);
      return true;
    });
    await assert.rejects(run({ command: 'stop' }, env), { code: 'E_USAGE' });
    await assert.rejects(run({ command: 'end' }, env), { code: 'E_USAGE' });
  });

  test('over HTTPS, it sends the token only to the certificate the lock names', async () => {
    const data = dataDir();
    const tls = await generateCertificate(data, ['localhost', '127.0.0.1']);
    const server = await fakeServer({ dataDir: data, config: { tlsCert: tls.certFile, tlsKey: join(data, 'tls', 'key.pem') } });
    try {
      await server.listen();
      assert.match(server.baseUrl, /^https:/);
      const env = { KUBELAB_DATA_DIR: data };
      const lab = await withLab(server);
      const listed = await run({ command: 'list' }, env);
      assert.match(listed.lines.join('\n'), new RegExp(lab.id));
      // The lock names another certificate: the CLI refuses before it sends anything.
      const lock = lockFile(data);
      const owner = JSON.parse(readFileSync(lock, 'utf8')) as Record<string, unknown>;
      writeFileSync(lock, JSON.stringify({ ...owner, tlsFingerprint: 'AA:BB' }));
      await assert.rejects(run({ command: 'list' }, env), /another TLS certificate/);
    } finally {
      await server.close();
    }
  });

  test('the table: relative times, the earlier of the two ends, failed labs with their code', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    assert.equal(relativeTime('2026-12-01T09:57:00Z', now), '3 min ago');
    assert.equal(relativeTime('2026-12-01T12:05:00Z', now), 'in 2 h 5 min');
    assert.equal(relativeTime('2026-12-01T10:00:20Z', now), 'now');
    assert.equal(relativeTime(undefined, now), '-');
    const lines = sessionTable(
      {
        profile: 'workshop',
        capacity: 2,
        sessions: [
          { id: 'a1', lesson: 'pods', state: 'ready', cluster: 's-aaaaaa', createdAt: '2026-12-01T09:00:00Z', lastActivityAt: '2026-12-01T09:50:00Z', expiresAt: '2026-12-01T13:00:00Z', idleEndsAt: '2026-12-01T10:50:00Z', extensions: 0 },
          {
            id: 'b2',
            lesson: 'pods',
            state: 'failed',
            cluster: 's-bbbbbb',
            createdAt: '2026-12-01T09:30:00Z',
            lastActivityAt: '2026-12-01T09:30:00Z',
            expiresAt: '2026-12-01T10:10:00Z',
            extensions: 1,
            error: { code: 'E_CLUSTER_GONE', message: 'gone' },
          },
        ],
      },
      now,
    );
    assert.deepEqual(lines, [
      'ID  LESSON  STATE                    CLUSTER   STARTED     LAST ACTIVITY  ENDS',
      'a1  pods    ready                    s-aaaaaa  1 h ago     10 min ago     in 50 min (idle)',
      'b2  pods    failed (E_CLUSTER_GONE)  s-bbbbbb  30 min ago  30 min ago     in 10 min',
    ]);
  });
});
