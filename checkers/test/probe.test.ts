/** Reading back what a probe pod printed (the probes themselves run in checkers.integration.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseHttpProbe, shellQuote } from '../src/probe.ts';

const from = 'a probe pod in namespace kubelab-probe';

test('shellQuote keeps any text one bash word, quotes and all', () => {
  for (const text of ['http://web/', "it's", "a'b'c", '$(touch /tmp/x) `id` "q"', '']) {
    assert.equal(execFileSync('bash', ['-c', `printf %s ${shellQuote(text)}`], { encoding: 'utf8' }), text);
  }
});

test('an HTTP answer gives its status and body; a body cannot pass for a status', () => {
  const ok = parseHttpProbe('http://web/', { exitCode: 0, output: 'status:200\nerror:\n{"status":"OK"}\nstatus:500', from });
  assert.deepEqual(ok, { status: 200, body: '{"status":"OK"}\nstatus:500', summary: `GET http://web/ from ${from}: HTTP 200` });
  const notFound = parseHttpProbe('http://web/x', { exitCode: 0, output: 'status:404\nerror:\n404 page not found', from });
  assert.equal(notFound.status, 404);
});

test('no answer says why, in curl’s words without its error number', () => {
  const timedOut = parseHttpProbe('http://web/', { exitCode: 28, output: 'status:000\nerror:curl: (28) Connection timed out after 3001 milliseconds ', from });
  assert.equal(timedOut.status, undefined);
  assert.equal(timedOut.summary, `GET http://web/ from ${from}: no answer (Connection timed out after 3001 milliseconds)`);
  const unfinished = parseHttpProbe('http://web/', { exitCode: null, output: '', from });
  assert.equal(unfinished.summary, `GET http://web/ from ${from}: the probe did not finish in time`);
  const silent = parseHttpProbe('http://web/', { exitCode: 7, output: 'status:000\nerror:', from });
  assert.match(silent.summary, /no answer \(curl exit 7\)$/);
});
