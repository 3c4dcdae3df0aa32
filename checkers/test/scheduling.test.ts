import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node, V1Pod, V1PodDisruptionBudget, V1PodSpec, V1PodTemplateSpec, V1Taint } from '@kubernetes/client-node';
import { clusterNodes, disruptionBudget, matchesLabelSelector, nodeMeetsPodRequirements, placement, toleratesTaint } from '../src/index.ts';
import type { Criterion } from '../src/types.ts';

// The builders judge nodes, pod specs and budgets built by hand here: no cluster needed.
function node(name: string, options: { labels?: Record<string, string>; taints?: V1Taint[]; unschedulable?: boolean; controlPlane?: boolean } = {}): V1Node {
  return {
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, ...(options.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}), ...options.labels },
    },
    spec: {
      ...(options.controlPlane ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {}),
      ...(options.taints ? { taints: options.taints } : {}),
      ...(options.unschedulable ? { unschedulable: true } : {}),
    },
  };
}

const cluster = (overrides: { worker?: Parameters<typeof node>[1]; worker2?: Parameters<typeof node>[1]; plane?: Parameters<typeof node>[1] } = {}) => [
  node('lab-control-plane', { controlPlane: true, ...overrides.plane }),
  node('lab-worker', overrides.worker),
  node('lab-worker2', overrides.worker2),
];

function runningPod(name: string, nodeName: string | undefined, options: { ready?: boolean; labels?: Record<string, string> } = {}): V1Pod {
  return {
    metadata: { name, labels: options.labels ?? { app: 'web' } },
    spec: { nodeName, containers: [{ name: 'web', image: 'kubelab/web:1.0' }] },
    status: nodeName
      ? { phase: 'Running', containerStatuses: [{ name: 'web', image: 'kubelab/web:1.0', imageID: '', ready: options.ready ?? true, restartCount: 0 }] }
      : { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }] },
  };
}

const facts = (c: Criterion) => [c.id, c.passed];

describe('selectors and matchers', () => {
  test('label selectors: matchLabels and every expression operator', () => {
    assert.equal(matchesLabelSelector({ matchLabels: { app: 'web' } }, { app: 'web', tier: 'x' }), true);
    assert.equal(matchesLabelSelector({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, { app: 'api' }), true);
    assert.equal(matchesLabelSelector({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, {}), true);
    assert.equal(matchesLabelSelector({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, { app: 'web' }), false);
    assert.equal(matchesLabelSelector({}, { any: 'thing' }), true);
    assert.equal(matchesLabelSelector(undefined, { app: 'web' }), false);
  });

  test('a pod spec meets a node by nodeSelector and by any required affinity term', () => {
    const ssd = node('n', { labels: { disk: 'ssd' } });
    assert.equal(nodeMeetsPodRequirements({ containers: [], nodeSelector: { disk: 'ssd' } }, ssd), true);
    assert.equal(nodeMeetsPodRequirements({ containers: [], nodeSelector: { disk: 'hdd' } }, ssd), false);
    const affinity = (operator: string, values?: string[]): V1PodSpec => ({
      containers: [],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator, values }] }] } } },
    });
    assert.equal(nodeMeetsPodRequirements(affinity('In', ['nvme', 'ssd']), ssd), true);
    assert.equal(nodeMeetsPodRequirements(affinity('NotIn', ['ssd']), ssd), false);
    assert.equal(nodeMeetsPodRequirements(affinity('Exists'), node('plain')), false);
    assert.equal(nodeMeetsPodRequirements(affinity('Gt', ['3']), node('n', { labels: { disk: '4' } })), true);
  });

  test('tolerations: same key, value and effect; Exists; an empty key tolerates everything', () => {
    const taint = { key: 'dedicated', value: 'batch', effect: 'NoSchedule' };
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }, taint), true);
    assert.equal(toleratesTaint({ key: 'dedicated', value: 'batch' }, taint), true);
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, taint), true);
    assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true);
    assert.equal(toleratesTaint({ key: 'dedicated', value: 'batch-jobs', effect: 'NoSchedule' }, taint), false);
    assert.equal(toleratesTaint({ key: 'dedicated', value: 'batch', effect: 'NoExecute' }, taint), false);
  });
});

describe('clusterNodes', () => {
  test('labelledWorker: exactly one node, a worker', () => {
    assert.deepEqual(facts(clusterNodes.labelledWorker(cluster({ worker: { labels: { disk: 'ssd' } } }), 'disk', 'ssd')), ['label', true]);
    assert.deepEqual(facts(clusterNodes.labelledWorker(cluster({ worker: { labels: { disk: 'ssd' } }, worker2: { labels: { disk: 'ssd' } } }), 'disk', 'ssd')), ['label', false]);
    const onPlane = clusterNodes.labelledWorker(cluster({ plane: { labels: { disk: 'ssd' } } }), 'disk', 'ssd');
    assert.deepEqual([onPlane.passed, onPlane.actual], [false, 'lab-control-plane (the control plane)']);
    assert.equal(clusterNodes.labelledWorker(cluster(), 'disk', 'ssd').actual, 'no node carries disk=ssd');
  });

  test('noneLabelled, taintedWorker, controlPlaneTainted, cordonedWorker', () => {
    assert.equal(clusterNodes.noneLabelled(cluster(), 'disk').passed, true);
    assert.equal(clusterNodes.noneLabelled(cluster({ worker: { labels: { disk: 'hdd' } } }), 'disk').actual, 'lab-worker: disk=hdd');
    const batch = { key: 'dedicated', value: 'batch', effect: 'NoSchedule' };
    assert.equal(clusterNodes.taintedWorker(cluster({ worker2: { taints: [batch] } }), batch).passed, true);
    assert.equal(clusterNodes.taintedWorker(cluster({ worker2: { taints: [{ ...batch, effect: 'PreferNoSchedule' }] } }), batch).passed, false);
    assert.equal(clusterNodes.controlPlaneTainted(cluster()).passed, true);
    assert.equal(clusterNodes.controlPlaneTainted(cluster({ plane: { taints: [] } })).passed, false);
    assert.equal(clusterNodes.cordonedWorker(cluster()).passed, false);
    assert.equal(clusterNodes.cordonedWorker(cluster({ worker: { unschedulable: true } })).passed, true);
    assert.equal(clusterNodes.cordonedWorker(cluster({ plane: { unschedulable: true } })).passed, false);
  });
});

describe('placement', () => {
  const nodes = cluster({ worker: { labels: { disk: 'ssd' } } });

  test('requiresNodeLabel judges what the rule does, not how it is written', () => {
    const bySelector: V1PodSpec = { containers: [], nodeSelector: { disk: 'ssd' } };
    const byAffinity: V1PodSpec = {
      containers: [],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd', 'nvme'] }] }] } } },
    };
    const byHostname: V1PodSpec = { containers: [], nodeSelector: { 'kubernetes.io/hostname': 'lab-worker' } };
    const wrongKey: V1PodSpec = { containers: [], nodeSelector: { disktype: 'ssd' } };
    assert.equal(placement.requiresNodeLabel(bySelector, nodes, 'disk', 'ssd').passed, true);
    assert.equal(placement.requiresNodeLabel(byAffinity, nodes, 'disk', 'ssd').passed, true);
    assert.equal(placement.requiresNodeLabel(byHostname, nodes, 'disk', 'ssd').passed, false);
    assert.equal(placement.requiresNodeLabel({ containers: [] }, nodes, 'disk', 'ssd').passed, false);
    assert.match(placement.requiresNodeLabel(wrongKey, nodes, 'disk', 'ssd').actual ?? '', /no node would do/);
    assert.equal(placement.requiresNodeLabel(undefined, nodes, 'disk', 'ssd').actual, 'no pod');
  });

  test('prefersNodeLabel wants a weighted preference for the label', () => {
    const prefer = (values: string[], weight = 50): V1PodSpec => ({
      containers: [],
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values }] } }] } },
    });
    assert.equal(placement.prefersNodeLabel(prefer(['ssd']), nodes, 'disk', 'ssd').passed, true);
    assert.equal(placement.prefersNodeLabel(prefer(['hdd']), nodes, 'disk', 'ssd').passed, false);
    assert.equal(placement.prefersNodeLabel({ containers: [] }, nodes, 'disk', 'ssd').actual, 'no preferred node affinity');
  });

  test('tolerates and runsOn', () => {
    const batch = { key: 'dedicated', value: 'batch', effect: 'NoSchedule' };
    assert.equal(placement.tolerates({ containers: [], tolerations: [{ key: 'dedicated', operator: 'Exists' }] }, batch).passed, true);
    assert.equal(placement.tolerates({ containers: [] }, batch).actual, 'no tolerations of its own');
    const where = { test: (n: V1Node) => n.metadata?.labels?.disk === 'ssd', description: 'the ssd node' };
    assert.deepEqual(facts(placement.runsOn(runningPod('fast', 'lab-worker'), nodes, where)), ['placed', true]);
    assert.deepEqual(facts(placement.runsOn(runningPod('fast', 'lab-worker2'), nodes, where)), ['placed', false]);
    assert.match(placement.runsOn(runningPod('fast', undefined), nodes, where).actual ?? '', /^Pending, not scheduled: 0\/3 nodes are available/);
  });

  test('keepsApart: a required term on the hostname selecting the pods themselves', () => {
    const template = (term: object, kind: 'required' | 'preferred' = 'required'): V1PodTemplateSpec => ({
      metadata: { labels: { app: 'web', tier: 'front' } },
      spec: {
        containers: [],
        affinity: {
          podAntiAffinity:
            kind === 'required' ? { requiredDuringSchedulingIgnoredDuringExecution: [term as never] } : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term as never }] },
        },
      },
    });
    const own = { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' };
    assert.equal(placement.keepsApart(template(own)).passed, true);
    assert.equal(placement.keepsApart(template({ ...own, topologyKey: 'topology.kubernetes.io/zone' })).passed, false);
    assert.equal(placement.keepsApart(template({ ...own, labelSelector: { matchLabels: { app: 'api' } } })).passed, false);
    assert.match(placement.keepsApart(template(own, 'preferred')).actual ?? '', /only a preferred anti-affinity/);
  });

  test('spreadAcrossNodes, noneOnCordoned, readyAtLeast', () => {
    assert.equal(placement.spreadAcrossNodes([runningPod('a', 'lab-worker'), runningPod('b', 'lab-worker2')], 2).passed, true);
    assert.equal(placement.spreadAcrossNodes([runningPod('a', 'lab-worker'), runningPod('b', 'lab-worker')], 2).passed, false);
    assert.equal(placement.spreadAcrossNodes([runningPod('a', 'lab-worker'), runningPod('b', 'lab-worker2'), runningPod('c', undefined)], 2).passed, false);
    const drained = cluster({ worker: { unschedulable: true } });
    assert.equal(placement.noneOnCordoned([runningPod('a', 'lab-worker2')], drained).passed, true);
    assert.equal(placement.noneOnCordoned([runningPod('a', 'lab-worker')], drained).actual, 'a on lab-worker');
    assert.equal(placement.noneOnCordoned([runningPod('a', 'lab-worker2')], cluster()).actual, 'no node is cordoned');
    const short = placement.readyAtLeast([runningPod('a', 'lab-worker'), runningPod('b', 'lab-worker', { ready: false })], 2);
    assert.deepEqual([short.passed, short.actual], [false, '1 ready of 2 (b: Running but not ready on lab-worker)']);
    const pending = { ...runningPod('c', undefined), status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', message: '0/3 nodes are available: 3 node(s) didn\'t match. preemption: not helpful.' }] } };
    assert.equal(placement.readyAtLeast([pending, { ...pending, metadata: { name: 'd' } }], 1).actual, "0 ready of 2 (c, d: Pending, not scheduled: 0/3 nodes are available: 3 node(s) didn't match.)");
  });
});

describe('disruptionBudget', () => {
  const pdb = (name: string, desiredHealthy: number, expectedPods: number, selector = { matchLabels: { app: 'ledger' } }): V1PodDisruptionBudget => ({
    metadata: { name },
    spec: { minAvailable: desiredHealthy, selector },
    status: { desiredHealthy, expectedPods, currentHealthy: expectedPods, disruptionsAllowed: expectedPods - desiredHealthy, observedGeneration: 1 },
  });

  test('covering, keepsAtLeast and allowsEviction read what the controller computed', () => {
    const budgets = [pdb('ledger', 2, 3), pdb('other', 1, 1, { matchLabels: { app: 'other' } })];
    const covering = disruptionBudget.covering(budgets, { app: 'ledger' });
    assert.deepEqual(covering.map((b) => b.metadata?.name), ['ledger']);
    assert.equal(disruptionBudget.keepsAtLeast(covering, 2).passed, true);
    assert.equal(disruptionBudget.allowsEviction(covering).passed, true);
    assert.equal(disruptionBudget.keepsAtLeast([pdb('ledger', 1, 3)], 2).passed, false);
    assert.equal(disruptionBudget.allowsEviction([pdb('ledger', 3, 3)]).passed, false);
    assert.equal(disruptionBudget.keepsAtLeast([], 2).actual, "no PodDisruptionBudget selects the app's pods");
    assert.equal(disruptionBudget.allowsEviction([]).passed, false);
  });
});
