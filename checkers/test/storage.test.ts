import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '@kubernetes/client-node';
import { defaultClassAnnotation, describeClaim, describeVolume, storage } from '../src/index.ts';

// The storage builders judge objects built by hand here: no cluster needed. labs:test proves them on a real one.
function claim(overrides: { phase?: string; className?: string | null; volumeName?: string; accessModes?: string[] } = {}): V1PersistentVolumeClaim {
  return {
    metadata: { name: 'notes', namespace: 'default', uid: 'u1' },
    spec: {
      accessModes: overrides.accessModes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: '100Mi' } },
      ...(overrides.className === null ? {} : { storageClassName: overrides.className ?? 'standard' }),
      ...(overrides.volumeName ? { volumeName: overrides.volumeName } : {}),
    },
    status: { phase: overrides.phase ?? 'Pending' },
  };
}

function volume(overrides: { name?: string; policy?: string; claimRef?: { name: string; namespace?: string }; phase?: string } = {}): V1PersistentVolume {
  return {
    metadata: { name: overrides.name ?? 'pvc-1' },
    spec: {
      capacity: { storage: '100Mi' },
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'standard',
      persistentVolumeReclaimPolicy: overrides.policy ?? 'Delete',
      ...(overrides.claimRef ? { claimRef: overrides.claimRef } : {}),
    },
    status: { phase: overrides.phase ?? 'Bound' },
  };
}

test('a Pending claim says what it asks for and why it waits', () => {
  const criterion = storage.bound(claim({ accessModes: ['ReadWriteMany'] }), 'waiting for first consumer to be created before binding');
  assert.equal(criterion.passed, false);
  assert.equal(criterion.actual, 'Pending (asks for 100Mi, ReadWriteMany, class standard): waiting for first consumer to be created before binding');
  assert.equal(storage.bound(claim({ phase: 'Bound', volumeName: 'pvc-1' }), undefined).passed, true);
  assert.equal(storage.bound(null, undefined).actual, 'no such claim');
});

test('a claim with no class and a claim with the empty class are told apart', () => {
  assert.match(describeClaim(claim({ className: null })), /the default class/);
  assert.match(describeClaim(claim({ className: '' })), /no class \(""\)/);
});

test('bound to this volume, not to one provisioned for the claim instead', () => {
  assert.equal(storage.boundTo(claim({ phase: 'Bound', volumeName: 'manual-pv' }), 'manual-pv').passed, true);
  const other = storage.boundTo(claim({ phase: 'Bound', volumeName: 'pvc-1' }), 'manual-pv');
  assert.equal(other.passed, false);
  assert.equal(other.actual, 'Bound to pvc-1 (asks for 100Mi, ReadWriteOnce, class standard)');
  assert.equal(storage.boundTo(claim({ volumeName: 'manual-pv' }), 'manual-pv').passed, false, 'pre-bound by name, but not Bound yet');
});

test('a Released volume is still found through its claimRef once the claim is gone, and only in its namespace', () => {
  const volumes = [volume({ name: 'a', claimRef: { name: 'archive', namespace: 'default' }, phase: 'Released', policy: 'Retain' }), volume({ name: 'b', claimRef: { name: 'archive', namespace: 'other' } })];
  assert.deepEqual(storage.volumesOfClaim(volumes, 'archive', 'default').map((v) => v.metadata?.name), ['a']);
  assert.equal(storage.reclaimPolicy(volumes[0], 'Retain').passed, true);
  assert.equal(storage.reclaimPolicy(volumes[1], 'Retain').actual, 'Delete');
  assert.equal(storage.reclaimPolicy(undefined, 'Retain').actual, 'no volume');
  assert.equal(describeVolume(volumes[0]!), 'a: 100Mi, ReadWriteOnce, class standard, Retain, Released, claimed by default/archive');
});

test('the default class is the one annotated, and two annotated classes make none', () => {
  const sc = (name: string, isDefault: boolean): V1StorageClass => ({
    metadata: { name, annotations: isDefault ? { [defaultClassAnnotation]: 'true' } : {} },
    provisioner: 'rancher.io/local-path',
  });
  assert.equal(storage.defaultClass([sc('standard', true), sc('fast', false)])?.metadata?.name, 'standard');
  assert.equal(storage.defaultClass([sc('standard', true), sc('fast', true)]), undefined);
  assert.equal(storage.defaultClass([sc('fast', false)]), undefined);
});

test('a pod mounts a claim only when a container mounts the volume that names it', () => {
  const pod = (mounted: boolean, claimName = 'notes'): V1Pod => ({
    metadata: { name: 'notes-app' },
    spec: {
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
      containers: [{ name: 'app', image: 'kubelab/toolbox:1.0', volumeMounts: mounted ? [{ name: 'data', mountPath: '/data' }] : [] }],
    },
  });
  assert.equal(storage.mountsClaim(pod(true), 'notes').actual, 'app:/data');
  assert.equal(storage.mountsClaim(pod(false), 'notes').actual, 'the volume, mounted by no container');
  assert.equal(storage.mountsClaim(pod(true, 'other'), 'notes').actual, 'claims other');
  assert.equal(storage.mountsClaim(null, 'notes').actual, 'no pod');
});
