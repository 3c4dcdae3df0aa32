import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { answeringPod, certificateCovers, describeAnswer, isPodOf, requestWithHost, splitsAs, tallyByDeployment, type IngressAnswer } from '../src/ingress.ts';

test('the answering pod comes from kubelab/web\'s info JSON or the hostname line of GET /', () => {
  assert.equal(answeringPod('{"hostname":"web-7d9c8b6f5-x2x4z","uptime":"3s","version":"1.0"}\n'), 'web-7d9c8b6f5-x2x4z');
  assert.equal(answeringPod('front-6d99fb577f-vwpf6\n'), 'front-6d99fb577f-vwpf6');
  assert.equal(answeringPod('404 page not found\n'), undefined);
  assert.equal(answeringPod(''), undefined);
});

test('a pod belongs to a Deployment by its name: <deployment>-<hash>-<suffix>', () => {
  assert.ok(isPodOf('api-88fcccd94-pxvtq', 'api'));
  assert.ok(!isPodOf('api-gateway-88fcccd94-pxvtq', 'api'), 'another Deployment whose name starts alike');
  assert.ok(!isPodOf('fallback-79dbc49944-xpf9f', 'api'));
  assert.ok(!isPodOf(undefined, 'api'));
});

test('a split is judged by proportions, and an unweighted backend weighs 1', () => {
  const want = { stable: 80, canary: 20 };
  assert.ok(splitsAs([{ name: 'stable', weight: 80 }, { name: 'canary', weight: 20 }], want));
  assert.ok(splitsAs([{ name: 'canary', weight: 1 }, { name: 'stable', weight: 4 }], want));
  assert.ok(!splitsAs([{ name: 'stable', weight: 20 }, { name: 'canary', weight: 80 }], want));
  assert.ok(!splitsAs([{ name: 'stable', weight: 80 }, { name: 'canary', weight: 1 }], want));
  assert.ok(!splitsAs([{ name: 'stable', weight: 80 }, { name: 'canary', weight: 20 }, { name: 'other', weight: 5 }], want));
  assert.ok(!splitsAs([{ name: 'stable', weight: 80 }], want));
  assert.ok(!splitsAs([], want));
});

test('answers are tallied per Deployment, errors and strangers as "other"', () => {
  const answer = (status: number | undefined, pod?: string): IngressAnswer => ({ request: 'GET /', status, body: '', pod });
  const tally = tallyByDeployment([answer(200, 'stable-1a-aaaaa'), answer(200, 'stable-1a-aaaaa'), answer(200, 'canary-2b-bbbbb'), answer(404), answer(200, 'web-3c-ccccc')], ['stable', 'canary']);
  assert.deepEqual(tally, { stable: 2, canary: 1, other: 2 });
});

test('describeAnswer names the pod, or the status and body, or why nothing came', () => {
  assert.equal(describeAnswer({ status: 200, body: '', pod: 'web-1-a' }), 'HTTP 200 from pod web-1-a');
  assert.equal(describeAnswer({ status: 404, body: '404 page not found\n' }), 'HTTP 404: 404 page not found');
  assert.equal(describeAnswer({ body: 'ECONNREFUSED' }), 'no answer (ECONNREFUSED)');
});

test('requestWithHost sends the Host header it is given and keeps the answer', async () => {
  const server = createServer((request, response) => {
    response.writeHead(request.headers.host === 'web.kubelab.test' ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ hostname: 'web-5f4b-abcde', host: request.headers.host }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const good = await requestWithHost({ address: '127.0.0.1', port, host: 'web.kubelab.test', path: '/api/v1/info' });
    assert.equal(good.status, 200);
    assert.equal(good.pod, 'web-5f4b-abcde');
    assert.match(good.request, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/info with Host web\.kubelab\.test$/);
    const other = await requestWithHost({ address: '127.0.0.1', port, host: 'other.kubelab.test', path: '/' });
    assert.equal(other.status, 404);
  } finally {
    server.close();
  }
  const refused = await requestWithHost({ address: '127.0.0.1', port, host: 'web.kubelab.test', path: '/', timeoutMs: 1_000 });
  assert.equal(refused.status, undefined);
  assert.match(refused.body, /ECONNREFUSED/);
});

test("an endless body (the app is the learner's) gives its first 4 KiB at once, not the check's whole deadline", async () => {
  const server = createServer((_request, response) => {
    response.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (!response.destroyed && response.write(chunk));
      if (!response.destroyed) response.once('drain', pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const began = performance.now();
    const answer = await requestWithHost({ address: '127.0.0.1', port, host: 'web.kubelab.test', path: '/', timeoutMs: 10_000 });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.length, 4096);
    assert.ok(performance.now() - began < 5_000, 'it did not read on to the timeout');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

function opensslCertificate(args: string[]): X509Certificate | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), ...args], { stdio: 'ignore' });
    return new X509Certificate(readFileSync(join(dir, 'c')));
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a certificate covers a host by its DNS names (wildcards too), or by its CN when it has none', (t) => {
  const exact = opensslCertificate(['-subj', '/CN=secure.kubelab.test', '-addext', 'subjectAltName=DNS:secure.kubelab.test']);
  if (!exact) return t.skip('openssl is not installed');
  assert.ok(certificateCovers(exact, 'secure.kubelab.test'));
  assert.ok(!certificateCovers(exact, 'web.kubelab.test'));
  assert.ok(certificateCovers(opensslCertificate(['-subj', '/CN=x', '-addext', 'subjectAltName=DNS:*.kubelab.test']), 'secure.kubelab.test'));
  assert.ok(certificateCovers(opensslCertificate(['-subj', '/CN=secure.kubelab.test']), 'secure.kubelab.test'));
  assert.ok(!certificateCovers(opensslCertificate(['-subj', '/CN=kubelab.test']), 'secure.kubelab.test'));
  assert.ok(!certificateCovers(undefined, 'secure.kubelab.test'));
});
