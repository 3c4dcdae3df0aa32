import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment, V1EndpointSlice, V1Pod, V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import { deployment, formatSelector, matchesLabelSelector, replicationController, resolveIntOrPercent, service } from '../src/index.ts';
import type { Criterion } from '../src/types.ts';

// The builders judge objects built by hand here, as the API server would return them (defaults filled in).
function web(
  overrides: {
    replicas?: number;
    image?: string;
    status?: V1Deployment['status'];
    generation?: number;
    strategy?: NonNullable<V1Deployment['spec']>['strategy'];
    revision?: string;
    env?: { name: string; value: string }[];
    ports?: { name?: string; containerPort: number }[];
    readiness?: { path?: string; port: number | string };
    selector?: NonNullable<V1Deployment['spec']>['selector'];
    paused?: boolean;
  } = {},
): V1Deployment {
  const replicas = overrides.replicas ?? 3;
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'd-1', generation: overrides.generation ?? 2, annotations: { 'deployment.kubernetes.io/revision': overrides.revision ?? '2' } },
    spec: {
      replicas,
      paused: overrides.paused,
      selector: overrides.selector ?? { matchLabels: { app: 'web' } },
      strategy: overrides.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'frontend' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: overrides.image ?? 'kubelab/web:1.0',
              env: overrides.env,
              ports: overrides.ports,
              readinessProbe: overrides.readiness ? { httpGet: { path: overrides.readiness.path, port: overrides.readiness.port } } : undefined,
            },
          ],
        },
      },
    },
    status: overrides.status ?? { observedGeneration: 2, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas },
  };
}

const facts = (c: Criterion) => [c.id, c.passed, c.expected, c.actual];

describe('deployment criterion builders', () => {
  test('exists, replicas and image (the registry written or not)', () => {
    assert.deepEqual(facts(deployment.exists(web(), 'web')), ['exists', true, 'deployment/web', 'deployment/web']);
    assert.deepEqual(facts(deployment.exists(null, 'web')), ['exists', false, 'deployment/web', 'no such deployment']);
    assert.deepEqual(facts(deployment.replicas(web({ replicas: 1 }), 3)), ['replicas', false, 'replicas: 3', 'replicas: 1']);
    assert.equal(deployment.image(web({ image: 'docker.io/kubelab/web:1.0' }), 'kubelab/web:1.0').passed, true);
    assert.deepEqual(facts(deployment.image(web({ image: 'kubelab/web:1.1' }), 'kubelab/web:1.0')).slice(1), [false, 'kubelab/web:1.0', 'kubelab/web:1.1']);
    assert.equal(deployment.image(null, 'kubelab/web:1.0').actual, 'no deployment');
  });

  test('available: every desired replica ready and available', () => {
    assert.deepEqual(facts(deployment.available(web())), ['available', true, '3 ready and available', '3 ready, 3 available of 3']);
    const partly = web({ status: { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1, observedGeneration: 2 } });
    assert.equal(deployment.available(partly).passed, true, 'available counts pods, not versions: that is rolledOut');
    assert.equal(deployment.available(web({ status: { readyReplicas: 2, availableReplicas: 2 } })).passed, false);
  });

  test('rolledOut: seen, all updated, no old pods, none unavailable, not paused', () => {
    assert.equal(deployment.rolledOut(web()).passed, true);
    const stuck = web({ status: { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1, observedGeneration: 2 } });
    assert.deepEqual(facts(deployment.rolledOut(stuck)).slice(1), [false, '3 of 3 updated and available, no old pods', '1 of 3 updated, 3 available, 4 pods in all, 1 unavailable']);
    assert.match(deployment.rolledOut(web({ generation: 3 })).actual ?? '', /not yet seen/);
    assert.equal(deployment.rolledOut(web({ generation: 3 })).passed, false);
    assert.equal(deployment.rolledOut(web({ paused: true })).passed, false);
    assert.equal(deployment.rolledOut(null).actual, 'no deployment');
  });

  test('strategy: numbers and percentages resolved on the replica count, as the controller does', () => {
    assert.equal(resolveIntOrPercent('25%', 4, true), 1);
    assert.equal(resolveIntOrPercent('25%', 3, true), 1);
    assert.equal(resolveIntOrPercent('25%', 3, false), 0);
    assert.equal(resolveIntOrPercent(2, 10, false), 2);
    const want = { maxSurge: 1, maxUnavailable: 0 };
    assert.equal(deployment.strategy(web({ replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }), want).passed, true);
    assert.equal(deployment.strategy(web({ replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '0%' } } }), want).passed, true);
    const defaults = deployment.strategy(web({ replicas: 4 }), want);
    assert.deepEqual(facts(defaults).slice(1), [false, 'RollingUpdate, maxSurge 1, maxUnavailable 0', 'RollingUpdate, maxSurge 25% (= 1 of 4), maxUnavailable 25% (= 1 of 4)']);
    assert.equal(deployment.strategy(web({ replicas: 3 }), want).passed, true, '25%/25% of 3 replicas is 1 and 0');
    assert.match(deployment.strategy(web({ strategy: { type: 'Recreate' } }), want).actual ?? '', /^Recreate/);
  });

  test('env, environment and revision', () => {
    const env = [{ name: 'THEME', value: 'classic' }, { name: 'BANNER', value: 'sale' }];
    assert.deepEqual(facts(deployment.env(web({ env }), 'THEME', 'classic')), ['env', true, 'THEME=classic', 'THEME=classic']);
    assert.equal(deployment.env(web(), 'THEME', 'classic').actual, 'THEME is not set');
    assert.deepEqual(facts(deployment.environment(web({ env }), { THEME: 'classic' })).slice(1), [false, 'THEME=classic', 'THEME=classic, BANNER=sale']);
    assert.equal(deployment.environment(web({ env: [...env].reverse() }), { BANNER: 'sale', THEME: 'classic' }).passed, true);
    assert.deepEqual(facts(deployment.revision(web({ revision: '1' }), 2)), ['history', false, 'revision ≥ 2', 'revision 1']);
    assert.equal(deployment.revision(web({ revision: '4' }), 4).passed, true);
  });

  test('probes: the path and the port, a named port by its number', () => {
    const want = { path: '/api/v1/health', port: 5000 };
    assert.equal(deployment.readinessProbe(web({ readiness: { path: '/api/v1/health', port: 5000 } }), want).passed, true);
    const named = web({ readiness: { path: '/api/v1/health', port: 'http' }, ports: [{ name: 'http', containerPort: 5000 }] });
    assert.deepEqual(facts(deployment.readinessProbe(named, want)), ['readiness', true, 'HTTP GET /api/v1/health on port 5000', 'HTTP GET /api/v1/health on port http (= 5000)']);
    assert.equal(deployment.readinessProbe(web({ readiness: { path: '/api/v1/health', port: 80 } }), want).passed, false);
    assert.equal(deployment.readinessProbe(web({ readiness: { port: 5000 } }), want).actual, 'HTTP GET / on port 5000');
    assert.deepEqual(facts(deployment.livenessProbe(web(), want)).slice(0, 2).concat(deployment.livenessProbe(web(), want).actual), ['liveness', false, 'no probe']);
  });

  test('selector: judged by what it selects, whatever its form', () => {
    const want: Parameters<typeof deployment.selector>[1] = { meaning: 'app=web pods with a tier', selects: [{ app: 'web', tier: 'a' }, { app: 'web', tier: 'b' }], rejects: [{ app: 'web' }, { app: 'db', tier: 'a' }] };
    const setBased = web({ selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] } });
    const allExpressions = web({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }, { key: 'tier', operator: 'Exists' }] } });
    assert.equal(deployment.selector(setBased, want).passed, true);
    assert.equal(deployment.selector(allExpressions, want).passed, true);
    const equality = deployment.selector(web({ selector: { matchLabels: { app: 'web', tier: 'a' } } }), want);
    assert.deepEqual(facts(equality).slice(1), [false, 'app=web pods with a tier', 'app=web, tier=a (misses pods labelled app=web, tier=b)']);
    assert.equal(deployment.selector(web(), want).actual, 'app=web (also takes pods labelled app=web)');
    assert.equal(matchesLabelSelector({ matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['stable'] }] }, {}), true);
    assert.equal(matchesLabelSelector({ matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }, { canary: 'yes' }), false);
    assert.equal(matchesLabelSelector(undefined, {}), false);
    assert.equal(formatSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }] }), 'app=web, tier in (a,b), !x');
  });

  test('ownsPods: pods of its ReplicaSets pass, strays are named, terminating pods are ignored', () => {
    const rs: V1ReplicaSet = { metadata: { name: 'web-abc', uid: 'rs-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-1', controller: true }] } };
    const other: V1ReplicaSet = { metadata: { name: 'x-abc', uid: 'rs-2', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: 'd-2', controller: true }] } };
    const pod = (name: string, owner?: { kind: string; name: string; uid: string }, deleting = false): V1Pod => ({
      metadata: {
        name,
        deletionTimestamp: deleting ? new Date() : undefined,
        ownerReferences: owner ? [{ apiVersion: 'v1', ...owner, controller: true }] : undefined,
      },
    });
    const ours = pod('web-abc-1', { kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-1' });
    assert.deepEqual(facts(deployment.ownsPods(web(), [rs, other], [ours])).slice(1), [true, 'every pod owned by one of its ReplicaSets', '1 pod, all its own']);
    const strays = deployment.ownsPods(web(), [rs, other], [ours, pod('legacy-x'), pod('legacy-y', { kind: 'ReplicationController', name: 'legacy', uid: 'rc-1' })]);
    assert.deepEqual(facts(strays).slice(1), [false, 'every pod owned by one of its ReplicaSets', 'legacy-x (no owner), legacy-y (ReplicationController legacy)']);
    assert.equal(deployment.ownsPods(web(), [other], [pod('x-abc-1', { kind: 'ReplicaSet', name: 'x-abc', uid: 'rs-2' })]).passed, false, 'another Deployment\'s ReplicaSet');
    assert.equal(deployment.ownsPods(web(), [rs], [ours, pod('legacy-z', undefined, true)]).passed, true);
    assert.equal(deployment.ownsPods(null, [], []).passed, false);
  });

  test('replicationController.gone', () => {
    assert.deepEqual(facts(replicationController.gone(null, 'legacy')), ['rc-gone', true, 'no such ReplicationController', 'no such ReplicationController']);
    assert.deepEqual(facts(replicationController.gone({ metadata: { name: 'legacy' }, status: { replicas: 2 } }, 'legacy')).slice(1, 4), [false, 'no such ReplicationController', 'replicationcontroller/legacy, 2 pods']);
  });
});

describe('service criterion builders', () => {
  const svc = (spec: V1Service['spec']): V1Service => ({ metadata: { name: 'web' }, spec });
  const pods = web({ ports: [{ name: 'http', containerPort: 5000 }] });
  const want = { port: 80, nodePort: 30080, targetPort: 5000, pods };

  test('nodePort: the type, the three ports, a named targetPort by its number', () => {
    assert.equal(service.nodePort(svc({ type: 'NodePort', ports: [{ port: 80, targetPort: 5000, nodePort: 30080 }] }), want).passed, true);
    assert.equal(service.nodePort(svc({ type: 'NodePort', ports: [{ port: 80, targetPort: 'http', nodePort: 30080 }] }), want).passed, true);
    const random = service.nodePort(svc({ type: 'NodePort', ports: [{ port: 80, targetPort: 5000, nodePort: 31234 }] }), want);
    assert.deepEqual(facts(random).slice(1), [false, 'NodePort, 80→5000 (node port 30080)', 'NodePort, 80→5000 (node port 31234)']);
    assert.equal(service.nodePort(svc({ type: 'ClusterIP', ports: [{ port: 80, targetPort: 5000 }] }), want).actual, 'ClusterIP, 80→5000');
    assert.equal(service.nodePort(null, want).actual, 'no service');
  });

  test('selects: every key of the selector on the pod template', () => {
    assert.equal(service.selects(svc({ selector: { app: 'web' } }), pods).passed, true);
    assert.deepEqual(facts(service.selects(svc({ selector: { app: 'webapp' } }), pods)).slice(0, 2), ['service-selector', false]);
    assert.equal(service.selects(svc({}), pods).actual, 'no selector');
  });

  test('endpoints and responds', () => {
    const slice = (ready: boolean[]): V1EndpointSlice => ({
      addressType: 'IPv4',
      endpoints: ready.map((r, i) => ({ addresses: [`10.0.0.${i + 1}`], conditions: { ready: r } })),
    });
    const addresses = service.readyAddresses([slice([true, false]), slice([true])]);
    assert.deepEqual(addresses, ['10.0.0.1']);
    assert.deepEqual(facts(service.endpoints(addresses, 2)), ['endpoints', false, '2 ready endpoints', '1: 10.0.0.1']);
    assert.equal(service.endpoints(['10.0.0.1', '10.0.0.2'], 2).passed, true);
    assert.deepEqual(facts(service.responds({ body: '{"status":"OK"}\n' }, '/api/v1/health', '"status":"OK"')), ['http', true, '"status":"OK"', '{"status":"OK"}']);
    assert.deepEqual(facts(service.responds({ error: 'HTTP 503: no endpoints available for service "web"' }, '/api/v1/health', '"status":"OK"')).slice(1), [
      false,
      '"status":"OK"',
      'HTTP 503: no endpoints available for service "web"',
    ]);
  });
});
