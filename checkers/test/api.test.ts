import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ConfigMap, V1CustomResourceDefinition, V1Pod } from '@kubernetes/client-node';
import { api, valueAt, sameImage } from '../src/index.ts';
import type { Criterion } from '../src/types.ts';

// The API builders judge objects built by hand here: no cluster needed.
const configMap = (data: Record<string, string>, managers: string[] = ['curl']): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'from-curl', namespace: 'default', managedFields: managers.map((manager) => ({ manager, operation: 'Update', apiVersion: 'v1' })) },
  data,
});

function crd(overrides: { shortNames?: string[]; scope?: string; served?: boolean } = {}): V1CustomResourceDefinition {
  return {
    metadata: { name: 'backups.kubelab.dev' },
    spec: {
      group: 'kubelab.dev',
      scope: overrides.scope ?? 'Namespaced',
      names: { kind: 'Backup', plural: 'backups', shortNames: overrides.shortNames },
      versions: [{ name: 'v1', served: overrides.served ?? true, storage: true }],
    },
    status: {
      acceptedNames: { kind: 'Backup', plural: 'backups', shortNames: overrides.shortNames },
      storedVersions: ['v1'],
      conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }],
    },
  };
}

const facts = (c: Criterion) => [c.id, c.passed, c.expected, c.actual];

describe('API object criterion builders', () => {
  test('exists and deleted', () => {
    assert.deepEqual(facts(api.exists(configMap({}), 'ConfigMap `from-curl`')), ['exists', true, 'ConfigMap `from-curl`', 'ConfigMap from-curl exists']);
    assert.deepEqual(facts(api.exists(null, 'ConfigMap `from-curl`')).slice(1), [false, 'ConfigMap `from-curl`', 'not found']);
    assert.deepEqual(facts(api.deleted(null, 'Deployment `legacy`')), ['deleted', true, 'not found', 'not found']);
    assert.equal(api.deleted(configMap({}), 'it').passed, false);
    const going = configMap({});
    going.metadata!.deletionTimestamp = new Date();
    assert.deepEqual(facts(api.deleted(going, 'it')).slice(1), [true, 'not found', 'being deleted']);
  });

  test('managedBy names the clients that wrote the object', () => {
    assert.deepEqual(facts(api.managedBy(configMap({}, ['curl']), 'curl')), ['manager', true, 'manager curl', 'managers curl']);
    assert.deepEqual(facts(api.managedBy(configMap({}, ['kubectl-create', 'kubectl-label']), 'curl')).slice(1), [false, 'manager curl', 'managers kubectl-create, kubectl-label']);
    assert.equal(api.managedBy(null, 'curl').actual, 'no object');
  });

  test('condition finds one condition by type, with its reason when it is not as wanted', () => {
    const pod: V1Pod = {
      kind: 'Pod',
      metadata: { name: 'gated' },
      status: {
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [wait]' },
        ],
      },
    };
    assert.deepEqual(facts(api.condition(pod, 'PodScheduled', { id: 'scheduled' })), ['scheduled', true, 'PodScheduled=True', 'PodScheduled=True']);
    assert.deepEqual(facts(api.condition(pod, 'Initialized')).slice(1), [false, 'Initialized=True', 'Initialized=False (ContainersNotInitialized: containers with incomplete status: [wait])']);
    assert.equal(api.condition(pod, 'Ready').actual, 'no Ready condition yet');
    assert.equal(api.condition(pod, 'Initialized', { status: 'False' }).passed, true);
    assert.equal(api.condition(null, 'Ready').actual, 'no object');
  });

  test('field compares value and type', () => {
    const backup = { apiVersion: 'kubelab.dev/v1', kind: 'Backup', metadata: { name: 'nightly' }, spec: { schedule: '0 3 * * *', retain: 7 } };
    assert.deepEqual(facts(api.field(backup, 'spec.retain', 7)), ['field', true, 'spec.retain: 7 (a number)', 'spec.retain: 7 (a number)']);
    const quoted = { ...backup, spec: { retain: '7' } };
    const empty = { ...backup, spec: {} };
    assert.deepEqual(facts(api.field(quoted, 'spec.retain', 7)).slice(1), [false, 'spec.retain: 7 (a number)', 'spec.retain: "7" (a string)']);
    assert.equal(api.field(empty, 'spec.retain', 7).actual, 'spec.retain: not set');
    assert.equal(valueAt(backup, 'spec.schedule'), '0 3 * * *');
    assert.equal(valueAt(backup, 'spec.schedule.minute'), undefined);
  });

  test('dataEntry trims the value, and takes a matcher for values with several right spellings', () => {
    const cm = configMap({ 'etcd-image': 'registry.k8s.io/etcd:3.6.4-0\n', 'service-cidr': '10.244.0.0/16' });
    assert.deepEqual(facts(api.dataEntry(cm, 'etcd-image', 'registry.k8s.io/etcd:3.6.4-0')), ['data', true, 'etcd-image: registry.k8s.io/etcd:3.6.4-0', 'etcd-image: registry.k8s.io/etcd:3.6.4-0']);
    assert.deepEqual(facts(api.dataEntry(cm, 'service-cidr', '10.96.0.0/16', { id: 'cidr' })).slice(0, 2), ['cidr', false]);
    assert.equal(api.dataEntry(cm, 'missing', 'x').actual, 'no key missing (keys: etcd-image, service-cidr)');
    assert.equal(api.dataEntry(null, 'x', 'y').actual, 'no ConfigMap');
    const docker = configMap({ image: 'docker.io/kubelab/web:1.0' });
    assert.equal(api.dataEntry(docker, 'image', 'kubelab/web:1.0', { matches: (v) => sameImage(v, 'kubelab/web:1.0') }).passed, true);
  });

  test('a CRD: its served short names, scope and versions', () => {
    assert.deepEqual(facts(api.crdShortNames(crd({ shortNames: ['bk'] }), ['bk'])), ['short-names', true, 'shortNames bk', 'shortNames bk']);
    assert.deepEqual(facts(api.crdShortNames(crd(), ['bk'])).slice(1), [false, 'shortNames bk', 'no short names']);
    assert.deepEqual(facts(api.crdScope(crd({ scope: 'Cluster' }), 'Namespaced')).slice(1), [false, 'scope Namespaced', 'scope Cluster']);
    assert.equal(api.crdServes(crd(), 'v1').passed, true);
    assert.equal(api.crdServes(crd({ served: false }), 'v1').actual, 'no version served');
    assert.equal(api.condition(crd(), 'Established').passed, true);
    assert.equal(api.crdScope(null, 'Namespaced').actual, 'no CRD');
  });
});
