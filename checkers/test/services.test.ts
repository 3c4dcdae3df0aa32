/** Reading a NodePort's answer: bounded, since the app behind it is the learner's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOfBody } from '../src/services.ts';

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
