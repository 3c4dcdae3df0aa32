/** The checkers library against a real cluster: reads, missing objects, and expected-versus-found criteria. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canI,
  contextFromKubeconfig,
  eventually,
  getOrNull,
  getThroughServiceProxy,
  runCheck,
  serviceAccountUser,
  type CheckContext,
  type Criterion,
} from '../src/index.ts';
import { createTestCluster, testProvider, type TestCluster } from '@kubelab/lab-runner/testing';

/** An exercise-style check: Pod "web" exists and carries app=web. */
async function webPodLabelled(k: CheckContext): Promise<Criterion[]> {
  const pod = await getOrNull(() => k.core.readNamespacedPod({ name: 'web', namespace: 'default' }));
  const label = pod?.metadata?.labels?.app;
  return [
    { id: 'pod-exists', description: 'Pod web exists in namespace default', passed: pod !== null, expected: 'a Pod named web', actual: pod ? 'found' : 'no such Pod' },
    {
      id: 'pod-label',
      description: 'Pod web carries the label app=web',
      passed: label === 'web',
      expected: 'app=web',
      actual: label === undefined ? 'no app label' : `app=${label}`,
      hint: 'kubectl label pod web app=web --overwrite',
    },
  ];
}

describe('checkers on a real cluster', { timeout: 900_000 }, () => {
  let c: TestCluster;
  let k: CheckContext;

  before(async () => {
    const provider = testProvider();
    c = await createTestCluster(provider, 'single', 'checkers');
    k = contextFromKubeconfig(await provider.kubeconfig(c.cluster.name));
  });

  after(async () => {
    await c?.dispose();
  });

  test('getOrNull gives null for a missing object and the object once it exists', async () => {
    assert.equal(await getOrNull(() => k.core.readNamespacedPod({ name: 'web', namespace: 'default' })), null);
    await c.kubectl(['run', 'web', '--image=kubelab/web:1.0', '--image-pull-policy=Never', '--labels=app=webapp']);
    const pod = await getOrNull(() => k.core.readNamespacedPod({ name: 'web', namespace: 'default' }));
    assert.equal(pod?.metadata?.name, 'web');
  });

  test('a failed criterion says what it expected and what it found; fixing the cluster makes it pass', async () => {
    const wrong = await runCheck('pods/labels', () => webPodLabelled(k));
    assert.equal(wrong.passed, false);
    const label = wrong.criteria.find((x) => x.id === 'pod-label')!;
    assert.deepEqual([label.passed, label.expected, label.actual], [false, 'app=web', 'app=webapp']);
    assert.equal(wrong.criteria.find((x) => x.id === 'pod-exists')!.passed, true);

    await c.kubectl(['label', 'pod', 'web', 'app=web', '--overwrite']);
    const right = await runCheck('pods/labels', () => webPodLabelled(k));
    assert.equal(right.passed, true, JSON.stringify(right.criteria));
  });

  test('canI answers RBAC questions through a SubjectAccessReview', async () => {
    await c.kubectl(['create', 'serviceaccount', 'reader']);
    const reader = serviceAccountUser('default', 'reader');
    assert.equal(await canI(k, reader, { verb: 'list', resource: 'pods', namespace: 'default' }), false);
    await c.kubectl(['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods']);
    await c.kubectl(['create', 'rolebinding', 'reader-reads', '--role=pod-reader', '--serviceaccount=default:reader']);
    const allowed = await eventually(async () => ((await canI(k, reader, { verb: 'list', resource: 'pods', namespace: 'default' })) ? true : undefined));
    assert.equal(allowed, true);
    assert.equal(await canI(k, reader, { verb: 'delete', resource: 'pods', namespace: 'default' }), false);
  });

  test('getThroughServiceProxy probes an app through the API server', async () => {
    await c.kubectl(['expose', 'pod', 'web', '--port=5000', '--name=web']);
    await c.kubectl(['wait', '--for=condition=Ready', 'pod/web', '--timeout=120s']);
    const body = await eventually(() =>
      getThroughServiceProxy(k, { namespace: 'default', service: 'web', port: 5000, path: '/api/v1/health' }).catch(() => undefined),
    );
    assert.deepEqual(typeof body === 'string' ? JSON.parse(body) : body, { status: 'OK' });
  });
});

