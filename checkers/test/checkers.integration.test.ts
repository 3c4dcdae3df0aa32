/** The checkers library against a real cluster: reads, missing objects, and expected-versus-found criteria. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canI,
  contextFromKubeconfig,
  eventually,
  getOrNull,
  getThroughServiceProxy,
  httpFromPod,
  lookupFromPod,
  probeLabel,
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

  test('a probe pod sees the network as an app does: a Service answers by name, a name resolves, nothing is left', async () => {
    const reached = await httpFromPod(k, 'http://web.default:5000/api/v1/health');
    assert.equal(reached.status, 200, reached.summary);
    assert.match(reached.body, /"OK"/);
    assert.match(reached.summary, /^GET http:\/\/web\.default:5000\/api\/v1\/health from a probe pod in namespace kubelab-probe: HTTP 200$/);

    const clusterIp = (await k.core.readNamespacedService({ name: 'web', namespace: 'default' })).spec?.clusterIP;
    const found = await lookupFromPod(k, 'web', { namespace: 'default' });
    assert.deepEqual(found.answers, [clusterIp], found.summary);
    const missing = await lookupFromPod(k, 'no-such-service.default.svc.cluster.local');
    assert.deepEqual(missing.answers, []);
    assert.match(missing.summary, /does not resolve$/);

    const refused = await httpFromPod(k, 'http://web.default:5001/', { connectSeconds: 2 });
    assert.equal(refused.status, undefined);
    assert.match(refused.summary, /: no answer \(.+\)$/);

    const probes = await k.core.listPodForAllNamespaces({ labelSelector: probeLabel });
    assert.deepEqual(probes.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name), [], 'every probe pod is deleted');
  });

  test('a probe tells a client a NetworkPolicy admits from one it blocks', async () => {
    await c.kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web-from-clients', namespace: 'default' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }] },
    }));
    try {
      const url = 'http://web.default:5000/api/v1/health';
      // kube-router applies a new policy within a second or two; until then the blocked probe may still get in.
      const blocked = await eventually(async () => {
        const probe = await httpFromPod(k, url, { namespace: 'default', connectSeconds: 2 });
        return probe.status === undefined ? probe : undefined;
      }, { timeoutMs: 60_000, intervalMs: 1000 });
      assert.ok(blocked, 'a pod without role=client is blocked');
      assert.match(blocked.summary, /from a probe pod in namespace default: no answer/);
      const admitted = await httpFromPod(k, url, { namespace: 'default', labels: { role: 'client' } });
      assert.equal(admitted.status, 200, admitted.summary);
      assert.match(admitted.summary, /from a pod labelled role=client in namespace default: HTTP 200$/);
    } finally {
      await c.kubectl(['delete', 'networkpolicy', 'web-from-clients', '--ignore-not-found']);
    }
  });
});

