/** Reading an answer from outside the cluster (a NodePort, a load balancer): bounded, since the app behind it is the learner's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getFromHost, loadBalancerAddress, startOfBody } from '../src/services.ts';

test('startOfBody keeps the first bytes of an endless body and stops reading there', async () => {
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new TextEncoder().encode('x'.repeat(1000)));
    },
  });
  const body = await startOfBody(new Response(endless), 2048);
  assert.equal(body, 'x'.repeat(2048));
  assert.ok(pulled <= 5, `read ${pulled} chunks`);
  assert.equal(await startOfBody(new Response('{"status":"OK"}'), 2048), '{"status":"OK"}');
  assert.equal(await startOfBody(new Response(null, { status: 204 }), 2048), '');
});

test('getFromHost reports an answer, a refused port and a silent one, each as an answer', async () => {
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    if (request.url === '/slow') return; // never answers
    response.end(`pod-a ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const ok = await getFromHost(`http://127.0.0.1:${port}/`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'pod-a /');
    assert.equal(ok.summary, `GET http://127.0.0.1:${port}/ from the host: HTTP 200`);
    const silent = await getFromHost(`http://127.0.0.1:${port}/slow`, { timeoutMs: 300 });
    assert.equal(silent.status, undefined);
    assert.match(silent.summary, /no answer \(no answer in time\)$/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
  const refused = await getFromHost(`http://127.0.0.1:${port}/`);
  assert.equal(refused.status, undefined);
  assert.match(refused.summary, /ECONNREFUSED/);
});

test("loadBalancerAddress reads EXTERNAL-IP: an IP, else a hostname, else nothing while it is pending", () => {
  assert.equal(loadBalancerAddress({ status: { loadBalancer: { ingress: [{ ip: '172.18.255.200' }] } } }), '172.18.255.200');
  assert.equal(loadBalancerAddress({ status: { loadBalancer: { ingress: [{ hostname: 'a1.elb.example' }] } } }), 'a1.elb.example');
  assert.equal(loadBalancerAddress({ status: { loadBalancer: {} } }), undefined);
  assert.equal(loadBalancerAddress(null), undefined);
});
