/** The NetworkPolicy lesson's probe script and criteria, without a cluster (labs:test runs them on one). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { netpol, parsePolicyProbe, policyProbeScript } from '../src/network-policy.ts';
import type { HttpProbeEach } from '../src/probe.ts';

const from = 'a pod labelled app=checkout in namespace checkout';
const marker = 'kubelab-probe-test';

/** Runs `script` with a fake curl (and getent) that answer as `curl` says, counting the calls in a file. */
function runWithFakes(script: string, curl: string, getent = 'exit 2'): { output: string; calls: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-netpol-'));
  try {
    writeFileSync(join(dir, 'curl'), `#!/bin/bash\necho "$*" >> "${dir}/calls"\n${curl}\n`, { mode: 0o755 });
    writeFileSync(join(dir, 'getent'), `#!/bin/bash\n${getent}\n`, { mode: 0o755 });
    const output = execFileSync('bash', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin`, DIR: dir }, encoding: 'utf8' });
    return { output, calls: readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the probe waits until its blocked URL is refused, then asks again for each refused URL until it is answered', () => {
  // The tracker (to be blocked) answers twice more (the old, open rules), then is refused; payments (to be admitted)
  // is refused for its first two requests (the new policy's rules not written yet), then answers.
  const curl = `url="\${@: -1}"; echo "$url" >> "$DIR/calls"; n=$(grep -cxF "$url" "$DIR/calls")
while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
if [ "$url" = http://payments/ ]; then open=$(( n >= 3 )); else open=$(( n <= 2 )); fi
if [ $open = 1 ]; then [ -n "$out" ] && echo answer > "$out"; printf 200; exit 0; fi
printf 000; echo 'curl: (7) Failed to connect: Connection refused' >&2; exit 7`;
  const client = { urls: ['http://payments/', 'http://10.96.0.5/'], blocked: ['http://10.96.0.5/'], lookup: 'payments' };
  const { output, calls } = runWithFakes(policyProbeScript(client, marker, 2), curl, 'echo "10.96.0.7 STREAM payments"');
  assert.equal(calls.filter((url) => url === 'http://payments/').length, 3, 'two refusals, then the answer that ends its wait');
  assert.ok(calls.filter((url) => url === 'http://10.96.0.5/').length >= 4, 'two answers, the refusal that ends the settling, then refusals until the patience is spent');
  const probe = parsePolicyProbe(client, { exitCode: 0, output, from }, marker);
  assert.equal(probe.answers[0]!.status, 200);
  assert.equal(probe.answers[1]!.status, undefined);
  assert.equal(probe.answers[1]!.finished, true);
  assert.doesNotMatch(probe.answers[1]!.body, /lookup/, 'the lookup is not part of the last answer');
  assert.deepEqual(probe.lookup, { answers: ['10.96.0.7'], summary: `payments from ${from}: 10.96.0.7` });
});

test('a stale closed state that looks right is not taken for the answer: a refused URL is asked again, and its late answer counts', () => {
  // The URL the task wants blocked is refused at first (the old deny-all), then answers (the wrong new policy).
  const curl = `url="\${@: -1}"; echo "$url" >> "$DIR/calls"; n=$(grep -c . "$DIR/calls")
while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
if [ $n -ge 3 ]; then [ -n "$out" ] && echo open > "$out"; printf 200; exit 0; fi
printf 000; echo 'curl: (7) Failed to connect: Connection refused' >&2; exit 7`;
  const client = { urls: ['http://a/'], blocked: ['http://a/'] };
  const { output } = runWithFakes(policyProbeScript(client, marker, 5), curl);
  const [answer] = parsePolicyProbe(client, { exitCode: 0, output, from }, marker).answers;
  assert.equal(answer!.status, 200, 'the wrong policy shows once its rules are written');
  assert.match(policyProbeScript({ urls: ["http://a/'x"], blocked: ["http://a/'x"] }, marker), /'http:\/\/a\/'\\''x'/, 'a URL is one shell word');
  assert.doesNotMatch(policyProbeScript({ urls: ['http://a/'] }, marker), /getent|settle_until/);
});

test('a lookup that found nothing, or never ran, says so', () => {
  const client = { urls: [], lookup: 'payments' };
  assert.equal(parsePolicyProbe(client, { exitCode: 0, output: 'lookup: ', from }, marker).lookup?.summary, `payments from ${from}: does not resolve`);
  assert.equal(parsePolicyProbe(client, { exitCode: null, output: '', from }, marker).lookup?.summary, `payments from ${from}: the probe did not finish in time`);
  assert.equal(parsePolicyProbe({ urls: [] }, { exitCode: 0, output: 'lookup:1.2.3.4', from }, marker).lookup, undefined);
});

const answered: HttpProbeEach = { status: 200, body: 'api', summary: 'GET http://api/ from x: HTTP 200', finished: true };
const refused: HttpProbeEach = { body: 'Connection refused', summary: 'GET http://api/ from x: no answer (Connection refused)', finished: true };
const cutShort: HttpProbeEach = { body: '', summary: 'GET http://api/ from x: the probe did not finish in time', finished: false };

test('admitted takes any HTTP answer; blocked takes no answer only from a probe that finished', () => {
  const words = { id: 'c', description: 'd' } as const;
  assert.equal(netpol.admitted(answered, words).passed, true);
  assert.equal(netpol.admitted({ ...answered, status: 503 }, words).passed, true);
  assert.equal(netpol.admitted(refused, words).passed, false);
  assert.equal(netpol.admitted(undefined, words).actual, 'not probed');
  assert.equal(netpol.blocked(refused, words).passed, true);
  assert.equal(netpol.blocked(answered, words).passed, false);
  assert.equal(netpol.blocked(cutShort, words).passed, false, 'a probe cut short proves nothing');
  assert.equal(netpol.blocked(refused, words).actual, refused.summary);
});

test('resolves needs an address', () => {
  const words = { id: 'dns', description: 'd' } as const;
  assert.equal(netpol.resolves({ answers: ['10.96.0.7'], summary: 's' }, words).passed, true);
  assert.equal(netpol.resolves({ answers: [], summary: 'payments: does not resolve' }, words).passed, false);
  assert.equal(netpol.resolves(undefined, words).passed, false);
});

test('podsReady names each pod’s state, and a missing one fails', () => {
  const ready: V1Pod = { metadata: { name: 'api' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
  const pending: V1Pod = { metadata: { name: 'web' }, status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] } };
  const words = { id: 'apps', description: 'd' } as const;
  assert.equal(netpol.podsReady([ready], ['api'], 'cafe', words).passed, true);
  const some = netpol.podsReady([ready, pending, null], ['api', 'web', 'db'], 'cafe', words);
  assert.equal(some.passed, false);
  assert.equal(some.actual, 'api: ready, web: phase Pending, db: missing');
});
