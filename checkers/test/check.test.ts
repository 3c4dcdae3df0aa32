import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextFromKubeconfig, getOrNull, maxCriterionTextBytes, runCheck, truncateText } from '../src/index.ts';

/** base64 of a PEM block that holds nothing: the shape of a kubeconfig's data fields, not a usable key. */
const pem = (label: string) => Buffer.from(`-----BEGIN ${label}-----\nZmFrZQ==\n-----END ${label}-----\n`).toString('base64');

/** A kubeconfig of the shape kind writes, for a server that is not there. */
const unreachable = `apiVersion: v1
kind: Config
clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:1", certificate-authority-data: ${pem('CERTIFICATE')} } }]
users: [{ name: u, user: { client-certificate-data: ${pem('CERTIFICATE')}, client-key-data: ${pem('PRIVATE KEY')} } }]
contexts: [{ name: gone, context: { cluster: gone, user: u } }]
current-context: gone
`;

test('a check against a cluster that is gone fails with a criterion that says so, not an exception', async () => {
  const k = contextFromKubeconfig(unreachable);
  const result = await runCheck('pods/web', async () => {
    const pod = await getOrNull(() => k.core.readNamespacedPod({ name: 'web', namespace: 'default' }));
    return [{ id: 'exists', description: 'Pod web exists', passed: pod !== null }];
  });
  assert.equal(result.passed, false);
  assert.equal(result.criteria[0]!.id, 'check-ran');
  assert.match(result.criteria[0]!.hint ?? '', /recreate/);
});

test('a check that hangs is stopped at its deadline and reported as failed', async () => {
  const result = await runCheck('slow', () => new Promise(() => {}), { timeoutMs: 200 });
  assert.equal(result.passed, false);
  assert.match(result.criteria[0]!.actual ?? '', /did not finish within 0.2s/);
  assert.ok(result.durationMs < 2000);
});

test('a check with no criteria fails: a check that cannot fail proves nothing', async () => {
  const result = await runCheck('vacuous', async () => []);
  assert.equal(result.passed, false);
  assert.equal(result.criteria[0]!.id, 'check-has-criteria');
});

test('every criterion text is cut to 1 KiB before anyone stores or returns it; ids and short texts are kept', async () => {
  const huge = 'x'.repeat(20 * 1024 * 1024);
  const result = await runCheck('big', async () => [
    { id: 'log', description: huge, passed: false, expected: huge, actual: huge, hint: huge },
    { id: 'short', description: 'Short', passed: true, expected: 'a', actual: 'b' },
  ]);
  const [big, short] = result.criteria;
  for (const key of ['description', 'expected', 'actual', 'hint'] as const) {
    const text = big![key]!;
    assert.ok(Buffer.byteLength(text) <= maxCriterionTextBytes, `${key} is ${Buffer.byteLength(text)} bytes`);
    assert.ok(text.endsWith('…') && text.startsWith('xxx'), `${key} says it was cut`);
  }
  assert.deepEqual(short, { id: 'short', description: 'Short', passed: true, expected: 'a', actual: 'b' });
  assert.equal(JSON.stringify(result).length < 8 * 1024, true, 'the whole result stays small');
});

test('a check that throws a huge message is cut too', async () => {
  const result = await runCheck('throws', async () => {
    throw new Error('y'.repeat(100_000));
  });
  assert.ok(Buffer.byteLength(result.criteria[0]!.actual!) <= maxCriterionTextBytes);
});

test('truncateText counts UTF-8 bytes and never splits a character', () => {
  assert.equal(truncateText('short'), 'short');
  assert.equal(truncateText('a'.repeat(1024)), 'a'.repeat(1024), 'exactly 1 KiB is kept whole');
  const emoji = '😀'.repeat(400); // 4 bytes each: 1600 bytes
  const cut = truncateText(emoji);
  assert.ok(Buffer.byteLength(cut) <= 1024);
  assert.equal(cut, `${'😀'.repeat(255)}…`, 'whole characters only, then the ellipsis');
  assert.equal(truncateText('é'.repeat(600), 10), 'ééé…');
});
