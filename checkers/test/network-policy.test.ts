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

test('the probe waits until the URL it must not reach is refused, then asks for every URL', () => {
  // The settling curl answers twice (the policy not in place yet), then is refused; the requests then get 200 and a refusal.
  const curl = `n=$(grep -c . "$DIR/calls"); url="\${@: -1}"
if [[ "$*" != *"-w"* ]]; then [ $n -le 2 ] && exit 0; exit 7; fi
while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
if [ "$url" = http://payments/ ]; then echo payments > "$out"; printf 200; exit 0; fi
printf 000; echo 'curl: (7) Failed to connect: Connection refused' >&2; exit 7`;
  const client = { urls: ['http://payments/', 'http://10.96.0.5/'], settleOn: 'http://10.96.0.5/', lookup: 'payments' };
  const script = policyProbeScript(client, marker, 5).replaceAll('+ 12 ))', '+ 0 ))'); // no 12 s of refusals here
  const { output, calls } = runWithFakes(script, curl, 'echo "10.96.0.7 STREAM payments"');
  const settling = calls.filter((call) => !call.includes('-w'));
  assert.equal(settling.length, 3, 'two answers, then the refusal that ends the wait');
  const probe = parsePolicyProbe(client, { exitCode: 0, output, from }, marker);
  assert.equal(probe.answers[0]!.status, 200);
  assert.equal(probe.answers[1]!.status, undefined);
  assert.equal(probe.answers[1]!.finished, true);
  assert.deepEqual(probe.lookup, { answers: ['10.96.0.7'], summary: `payments from ${from}: 10.96.0.7` });
});

test('without settleOn or lookup the script is httpFromPodEach’s', () => {
  const script = policyProbeScript({ urls: ['http://a/'] }, marker);
  assert.doesNotMatch(script, /settle_until|getent/);
  assert.match(script, /--connect-timeout 3/);
  const quoted = policyProbeScript({ urls: ['http://a/'], settleOn: "http://a/'x" }, marker);
  assert.ok(quoted.includes(`'http://a/'\\''x'`), 'the settle URL is one shell word');
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
