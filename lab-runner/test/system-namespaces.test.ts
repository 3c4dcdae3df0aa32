/**
 * The system namespaces are named in two places, the lab-runner's list (the namespace reconciler leaves them
 * alone: no learner binding, quota or LimitRange) and the workshop policy (learners cannot change or delete them).
 * They must agree, and include the checkers' probe namespace: as a learner's, it got a quota a moment after a
 * check made it, and the check's probe pod was refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { probeNamespace } from '@kubelab/checkers';
import { isLearnerNamespace, systemNamespaces } from '../providers/workshop.ts';

test("the workshop policy's system namespaces are the lab-runner's, the checkers' probe namespace among them", async () => {
  const text = await readFile(new URL('../providers/kind/addons/workshop-policy.yaml', import.meta.url), 'utf8');
  const policy = parseAllDocuments(text).map((doc) => doc.toJS() as { kind: string; spec?: { variables?: { name: string; expression: string }[] } });
  const expression = policy.find((doc) => doc.kind === 'ValidatingAdmissionPolicy')!.spec!.variables!.find((v) => v.name === 'system')!.expression;
  const inPolicy = JSON.parse(expression.replaceAll("'", '"')) as string[];
  assert.deepEqual([...inPolicy].sort(), [...systemNamespaces].sort());
  assert.ok(systemNamespaces.includes(probeNamespace), `${probeNamespace} is a system namespace`);
  assert.equal(isLearnerNamespace(probeNamespace), false);
  assert.equal(isLearnerNamespace('team-a'), true);
});
