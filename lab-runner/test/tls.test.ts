/**
 * HTTPS for a lab server other machines reach: without a certificate it refuses to start (E_TLS_REQUIRED) unless
 * told the network is trusted; `npx kubelab tls` makes a self-signed certificate (openssl, key 0600) and prints
 * its fingerprint; the server then speaks HTTPS and wss with it, sends HSTS for its public name and marks the
 * launch cookie Secure. On the fake provider; openssl is on the machine.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { run } from '@kubelab/kit/exec';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { generatedTlsFiles, generateCertificate } from '../plugins/edge/tls.ts';
import { fakeServer, tempDir, until, type FakeServer } from './fakes.ts';

const serverFile = fileURLToPath(new URL('../server.ts', import.meta.url));
const cliFile = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

let dir: { path: string; remove(): Promise<void> };
before(async () => {
  dir = await tempDir('tls-test');
});
after(async () => {
  await dir.remove();
});

/** Runs a Kubelab entry point as its own process, with only these variables set. */
function node(file: string, args: string[], env: Record<string, string>): { exit: Promise<number | null>; stderr(): string; stdout(): string; kill(): void } {
  const child = spawn(process.execPath, [file, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: dir.path, KUBELAB_SITE_DIR: join(dir.path, 'no-site'), KUBELAB_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return {
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    stderr: () => stderr,
    stdout: () => stdout,
    kill: () => child.kill('SIGTERM'),
  };
}

describe('a lab server other machines reach needs TLS', { timeout: 60_000 }, () => {
  test('without a certificate it refuses to start with E_TLS_REQUIRED, saying how to get one or go on insecure', async () => {
    const config = loadConfig({}, { host: '0.0.0.0', dataDir: join(dir.path, 'refused'), siteDir: join(dir.path, 'no-site') });
    await assert.rejects(buildApp({ config, logger: false }), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'E_TLS_REQUIRED');
      assert.match(error.message, /HOST=0\.0\.0\.0/);
      assert.match(error.hint ?? '', /npx kubelab tls/);
      assert.match(error.hint ?? '', /--insecure/);
      return true;
    });

    const server = node(serverFile, [], { HOST: '0.0.0.0', PORT: '0', KUBELAB_DATA_DIR: join(dir.path, 'refused') });
    assert.equal(await server.exit, 1);
    assert.match(server.stderr(), /error \[E_TLS_REQUIRED\]/);
    assert.doesNotMatch(server.stderr(), /listening/);
  });

  test('--insecure (or KUBELAB_INSECURE=1) starts it over plain HTTP, with a loud warning', async () => {
    const config = loadConfig({ KUBELAB_INSECURE: '1' }, { host: '0.0.0.0', dataDir: join(dir.path, 'insecure-env'), siteDir: join(dir.path, 'no-site') });
    assert.equal(config.insecure, true);
    assert.equal(config.profile, 'workshop', 'a public address means a workshop, unless KUBELAB_PROFILE says otherwise');
    const app = await buildApp({ config, logger: false });
    assert.equal(app.tlsCertificate, null);
    await app.close();

    const dataDir = join(dir.path, 'insecure');
    const server = node(serverFile, ['--insecure'], { HOST: '0.0.0.0', PORT: '0', KUBELAB_DATA_DIR: dataDir, KUBELAB_PUBLIC_HOST: 'lab.example.test' });
    try {
      await until(() => server.stderr().includes('?launch='), `the server started (stderr: ${server.stderr()})`, 20_000);
      // The log (pino, on stdout) and the launch message (stderr) both say so.
      assert.match(server.stdout(), /INSECURE: HOST=0\.0\.0\.0 lets other machines reach this lab server over plain HTTP/);
      assert.match(server.stderr(), /WARNING: plain HTTP/);
      assert.match(server.stderr(), /Open http:\/\/lab\.example\.test:\d+\/\?launch=/);
    } finally {
      server.kill();
      await server.exit;
    }
    const unknown = node(serverFile, ['--insecur'], { HOST: '127.0.0.1', PORT: '0', KUBELAB_DATA_DIR: dataDir });
    assert.equal(await unknown.exit, 1);
    assert.match(unknown.stderr(), /error \[E_USAGE\].*--insecur/);
  });

  test('a certificate and a key that are not a pair, or only one of them, are a configuration error', async () => {
    assert.throws(() => loadConfig({ KUBELAB_TLS_CERT: '/x/cert.pem' }), { code: 'E_BAD_CONFIG', message: /go together/ });
    const one = await generateCertificate(join(dir.path, 'pair-a'), ['localhost']);
    await generateCertificate(join(dir.path, 'pair-b'), ['localhost']);
    const config = loadConfig({}, { tlsCert: one.certFile, tlsKey: generatedTlsFiles(join(dir.path, 'pair-b')).key, dataDir: join(dir.path, 'pair-c'), siteDir: join(dir.path, 'no-site') });
    await assert.rejects(buildApp({ config, logger: false }), { code: 'E_BAD_CONFIG', message: /not a usable pair/ });
  });
});

describe('npx kubelab tls, then HTTPS and wss', { timeout: 60_000 }, () => {
  const dataDir = (): string => join(dir.path, 'workshop');
  let server: FakeServer;
  let port: number;
  let ca: string;
  let fingerprint: string;

  before(async () => {
    const cli = node(cliFile, ['tls', '--host', 'lab.example.test'], { KUBELAB_DATA_DIR: dataDir() });
    assert.equal(await cli.exit, 0, cli.stderr());
    fingerprint = /SHA-256 fingerprint:\s+([0-9A-F:]{95})/.exec(cli.stdout())?.[1] ?? '';
    assert.ok(fingerprint, `a fingerprint in: ${cli.stdout()}`);
    server = await fakeServer({ dataDir: dataDir(), config: { host: '0.0.0.0', publicHost: 'lab.example.test' } });
    port = Number(new URL(await server.listen()).port);
    ca = server.app.tlsCertificate!.cert;
  });
  after(() => server?.close());

  /** A request over HTTPS that trusts only this certificate. */
  function get(path: string, host: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const request = https.request({ host: '127.0.0.1', port, path, ca, servername: host.split(':')[0], headers: { host }, agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      });
      request.on('error', reject);
      request.end();
    });
  }

  test('the certificate is in the data directory, its key 0600, and its fingerprint is the one printed', async () => {
    const files = generatedTlsFiles(dataDir());
    assert.equal(statSync(files.key).mode & 0o777, 0o600);
    assert.equal(statSync(files.dir).mode & 0o777, 0o700);
    const { stdout } = await run(['openssl', 'x509', '-in', files.cert, '-noout', '-fingerprint', '-sha256', '-ext', 'subjectAltName']);
    assert.match(stdout, new RegExp(`Fingerprint=${fingerprint}`));
    assert.match(stdout, /DNS:lab\.example\.test/);
    assert.match(stdout, /DNS:localhost/);
    assert.equal(server.app.tlsCertificate?.fingerprint, fingerprint);
    assert.equal(server.app.tlsCertificate?.source, 'generated');

    const again = node(cliFile, ['tls'], { KUBELAB_DATA_DIR: dataDir() });
    assert.equal(await again.exit, 2, 'an existing certificate is kept unless --force');
    assert.match(again.stderr(), /already exists.*\n.*--force/);
  });

  test('the server speaks HTTPS: HSTS for its public name (not for localhost), a CSP that allows wss, a Secure launch cookie', async () => {
    const named = await get('/healthz', `lab.example.test:${port}`);
    assert.equal(named.status, 200);
    assert.equal(named.headers['strict-transport-security'], 'max-age=31536000');
    assert.match(String(named.headers['content-security-policy']), new RegExp(`connect-src 'self' wss://lab\\.example\\.test:${port}`));
    const local = await get('/healthz', `localhost:${port}`);
    assert.equal(local.status, 200);
    assert.equal(local.headers['strict-transport-security'], undefined, 'HSTS on localhost would hold for every local server');

    const link = await get(`/?launch=${server.config.launchToken}`, `lab.example.test:${port}`);
    assert.equal(link.status, 303);
    const cookie = link.headers['set-cookie']?.[0] ?? '';
    assert.match(cookie, new RegExp(`^__Host-kubelab-launch-${port}=`));
    assert.ok(cookie.split('; ').includes('Secure'), cookie);

    await assert.rejects(
      new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, resolve).on('error', reject)),
      'plain HTTP gets no answer from an HTTPS server',
    );
  });

  test('the terminal is a wss WebSocket', async () => {
    const { session, token } = await server.app.sessions.create('probe');
    await until(() => session.state === 'ready', 'the lab is ready');
    const socket = new WebSocket(`wss://127.0.0.1:${port}/api/sessions/${session.id}/terminal?token=${token}`, { ca });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      assert.equal(socket.readyState, WebSocket.OPEN);
    } finally {
      socket.close();
    }
  });
});
