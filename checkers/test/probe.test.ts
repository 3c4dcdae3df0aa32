/** Reading back what a probe pod printed (the probes themselves run in checkers.integration.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { createPodThroughNewQuota, httpEachScript, parseHttpProbe, parseHttpProbes, shellQuote } from '../src/probe.ts';

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

test('httpFromPodEach reads one answer per URL, in order, and a cut-short probe proves nothing', () => {
  const marker = 'kubelab-probe-test';
  const urls = ['http://web:5000/', 'http://web:8080/'];
  const output = [
    'lookup:10.96.0.1',
    `${marker} 0`,
    'status:200',
    'error:',
    '{"status":"OK"}',
    `${marker} 7`,
    'status:000',
    'error:curl: (7) Failed to connect to web port 8080: Connection refused',
  ].join('\n');
  const [ok, refused] = parseHttpProbes(urls, { exitCode: 0, output, from }, marker);
  assert.deepEqual(ok, { status: 200, body: '{"status":"OK"}', summary: `GET http://web:5000/ from ${from}: HTTP 200`, finished: true });
  assert.equal(refused!.status, undefined);
  assert.equal(refused!.finished, true);
  assert.equal(refused!.summary, `GET http://web:8080/ from ${from}: no answer (Failed to connect to web port 8080: Connection refused)`);

  const unfinished = parseHttpProbes(urls, { exitCode: null, output: '', from }, marker);
  assert.deepEqual(unfinished.map((p) => [p.finished, p.summary]), urls.map((url) => [false, `GET ${url} from ${from}: the probe did not finish in time`]));
  // A request whose curl never reported (no exit status written) is not a refusal either.
  const [, silent] = parseHttpProbes(urls, { exitCode: 0, output: `${marker} 0\nstatus:200\nerror:\nok\n${marker} `, from }, marker);
  assert.equal(silent!.finished, false);

  // The script itself: each request's block runs in the background, and the markers come out in URL order.
  const script = httpEachScript(urls, 2, marker);
  assert.equal(script.match(/\) &$/gm)?.length, 2);
  assert.ok(script.indexOf(`"${marker} $(cat "$out/0.exit"`) < script.indexOf(`"${marker} $(cat "$out/1.exit"`));
});

test('a refused request is tried again until the policy admits it (here at the fifth try, past the four tries there used to be); an answer ends the tries', () => {
  // A curl that is refused (HTTP code 000, exit 7) five times, then answers: the probe pod's address reaching the
  // policy's rules only after a few seconds, as on a busy node.
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-probe-curl-'));
  try {
    writeFileSync(
      join(dir, 'curl'),
      `#!/bin/sh
n=$(cat "${dir}/count" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "${dir}/count"
while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
if [ $n -le 4 ]; then printf 000; echo 'curl: (7) Failed to connect: Connection refused' >&2; exit 7; fi
echo '{"status":"OK"}' > "$out"; printf 200
`,
      { mode: 0o755 },
    );
    const marker = 'kubelab-probe-test';
    const output = execFileSync('bash', ['-c', httpEachScript(['http://web/'], 2, marker)], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' });
    const [probe] = parseHttpProbes(['http://web/'], { exitCode: 0, output, from }, marker);
    assert.equal(probe!.status, 200, output);
    assert.equal(readFileSync(join(dir, 'count'), 'utf8').trim(), '5', 'four refusals, then the answer, and no try after it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pod refused because a brand-new quota is not counted yet is made again; other refusals are not retried', async () => {
  const notCounted = new ApiException(403, 'Forbidden', 'pods "kubelab-probe-x" is forbidden: status unknown for quota: learner-quota, resource: limits.memory', {});
  let calls = 0;
  const pod = await createPodThroughNewQuota(async () => {
    calls += 1;
    if (calls < 3) throw notCounted;
    return { metadata: { name: 'kubelab-probe-x' } };
  });
  assert.equal(pod.metadata?.name, 'kubelab-probe-x');
  assert.equal(calls, 3);

  const exceeded = new ApiException(403, 'Forbidden', 'pods "kubelab-probe-y" is forbidden: exceeded quota: learner-quota', {});
  let tries = 0;
  await assert.rejects(
    createPodThroughNewQuota(async () => {
      tries += 1;
      throw exceeded;
    }),
    (error: unknown) => error === exceeded,
  );
  assert.equal(tries, 1);
});
