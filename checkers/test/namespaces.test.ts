import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1LimitRange, V1Pod } from '@kubernetes/client-node';
import { limitRangeDefaults, namespaces, parseQuantity, sameQuantity } from '../src/index.ts';

// The namespace builders need no cluster: each judges objects built by hand here.
describe('quantities', () => {
  test('parseQuantity reads decimal and binary suffixes and exponents', () => {
    assert.equal(parseQuantity('500m'), 0.5);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('1.5'), 1.5);
    assert.equal(parseQuantity('128Mi'), 128 * 2 ** 20);
    assert.equal(parseQuantity('1G'), 1e9);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity('lots'), undefined);
    assert.equal(parseQuantity(undefined), undefined);
  });

  test('sameQuantity compares by value', () => {
    assert.ok(sameQuantity('1', '1000m'));
    assert.ok(sameQuantity('0.1', '100m'));
    assert.ok(sameQuantity('1Gi', '1024Mi'));
    assert.ok(!sameQuantity('1G', '1Gi'));
    assert.ok(!sameQuantity(undefined, '1'));
  });
});

const stamp = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
const range = (name: string, at: number, item: NonNullable<V1LimitRange['spec']>['limits'][number]): V1LimitRange => ({
  metadata: { name, creationTimestamp: stamp(at) },
  spec: { limits: [item] },
});
const mine = range('defaults', 0, { type: 'Container', defaultRequest: { cpu: '100m', memory: '96Mi' }, _default: { cpu: '250m', memory: '192Mi' }, max: { cpu: '500m', memory: '384Mi' } });
const workshop = range('kubelab-learner', 0, { type: 'Container', defaultRequest: { cpu: '50m', memory: '64Mi' }, _default: { cpu: '500m', memory: '256Mi' } });
const plain = (at: number, resources: { requests?: Record<string, string>; limits?: Record<string, string> }, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name: 'plain', creationTimestamp: stamp(at), labels },
  spec: { containers: [{ name: 'plain', resources }] },
});

describe('namespace criterion builders', () => {
  test('exists: present and Active, absent, or terminating', () => {
    assert.equal(namespaces.exists({ metadata: { name: 'green' }, status: { phase: 'Active' } }, 'green').passed, true);
    assert.deepEqual([namespaces.exists(null, 'green').id, namespaces.exists(null, 'green').actual], ['namespace', 'no such namespace']);
    assert.equal(namespaces.exists({ metadata: { name: 'green' }, status: { phase: 'Terminating' } }, 'green').passed, false);
  });

  test('quotaHard compares each amount by value, and ignores other entries', () => {
    const quota = { metadata: { name: 'q', namespace: 'shop' }, spec: { hard: { pods: '3', 'requests.cpu': '300m', 'limits.memory': '240Mi', services: '2' } } };
    assert.equal(namespaces.quotaHard(quota, 'q', { pods: '3', 'requests.cpu': '0.3', 'limits.memory': '240Mi' }).passed, true);
    const raised = namespaces.quotaHard({ ...quota, spec: { hard: { ...quota.spec.hard, pods: '10' } } }, 'q', { pods: '3' });
    assert.deepEqual([raised.id, raised.passed], ['quota', false]);
    assert.equal(namespaces.quotaHard(null, 'q', { pods: '3' }).actual, 'no ResourceQuota named `q`');
  });

  test('limitRangeDefaults: defaultRequest, or the default limit when there is none', () => {
    assert.deepEqual(limitRangeDefaults(mine), { requests: { cpu: '100m', memory: '96Mi' }, limits: { cpu: '250m', memory: '192Mi' } });
    const limitsOnly = range('l', 0, { type: 'Container', _default: { cpu: '1', memory: '1Gi' } });
    assert.deepEqual(limitRangeDefaults(limitsOnly)?.requests, { cpu: '1', memory: '1Gi' });
    assert.equal(limitRangeDefaults(range('p', 0, { type: 'PersistentVolumeClaim', max: { storage: '1Gi' } })), undefined);
  });

  test('defaultedBy: the pod\'s resources are the defaults of a LimitRange made before it', () => {
    const fromMine = plain(5, { requests: { cpu: '100m', memory: '96Mi' }, limits: { cpu: '250m', memory: '192Mi' } });
    assert.equal(namespaces.defaultedBy(fromMine, [mine]).passed, true);
    assert.equal(namespaces.defaultedBy(fromMine, [workshop, mine]).passed, true, 'either LimitRange may be the one');
    const fromWorkshop = plain(5, { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    assert.equal(namespaces.defaultedBy(fromWorkshop, [workshop, mine]).passed, true);
    const ownResources = plain(5, { requests: { cpu: '300m', memory: '128Mi' }, limits: { cpu: '400m', memory: '160Mi' } });
    assert.deepEqual([namespaces.defaultedBy(ownResources, [mine]).id, namespaces.defaultedBy(ownResources, [mine]).passed], ['defaults', false]);
    const before = { ...fromMine, metadata: { ...fromMine.metadata, creationTimestamp: stamp(0) } };
    const later = range('defaults', 9, mine.spec!.limits[0]!);
    const c = namespaces.defaultedBy(plain(3, {}), [later]);
    assert.deepEqual([c.passed, c.actual], [false, 'requests cpu none, memory none; limits cpu none, memory none']);
    assert.match(c.expected ?? '', /made after the pod/);
    assert.equal(namespaces.defaultedBy(before, [mine]).passed, true, 'made in the same second counts as after');
    assert.equal(namespaces.defaultedBy(null, [mine]).actual, 'no pod');
  });

  test('labelStates compares the label by value', () => {
    const pod = plain(5, {}, { 'cpu-request': '0.1', 'memory-limit': '192Mi' });
    assert.equal(namespaces.labelStates(pod, 'cpu-request', '100m').passed, true);
    assert.deepEqual([namespaces.labelStates(pod, 'memory-limit', '256Mi').id, namespaces.labelStates(pod, 'memory-limit', '256Mi').passed], ['label-quantity', false]);
    assert.equal(namespaces.labelStates(pod, 'missing', '1').actual, 'no label `missing`');
    assert.equal(namespaces.labelStates(pod, 'cpu-request', undefined).passed, false, 'nothing to state');
  });
});
