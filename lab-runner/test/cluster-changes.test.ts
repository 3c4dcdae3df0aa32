/** What auto-check counts as a change of the learner's cluster. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeLabel, probeNamespace } from '@kubelab/checkers';
import { isCheckerProbe } from '../sessions/cluster-changes.ts';

test("a network check's probe pod and namespace are not changes; the learner's objects are", () => {
  assert.equal(isCheckerProbe({ metadata: { name: 'kubelab-probe-x7k2q', labels: { [probeLabel]: 'true', role: 'client' } } }), true);
  assert.equal(isCheckerProbe({ metadata: { name: probeNamespace, labels: { [probeLabel]: 'true' } } }), true);
  assert.equal(isCheckerProbe({ metadata: { name: 'web', labels: { app: 'web' } } }), false);
  assert.equal(isCheckerProbe({ metadata: { name: 'web' } }), false);
  assert.equal(isCheckerProbe(undefined), false);
});
