import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextFromKubeconfig, getOrNull, runCheck } from '../src/index.ts';

const unreachable = `apiVersion: v1
kind: Config
clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: x } }]
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
