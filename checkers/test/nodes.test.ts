import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { isMirrorPod, mirrorPodName, node } from '../src/index.ts';
import type { Criterion } from '../src/types.ts';

// The node builders judge objects built by hand here: no cluster needed.
const labNode = (labels: Record<string, string> = {}): V1Node => ({
  metadata: { name: 'lab-control-plane', labels: { 'kubernetes.io/hostname': 'lab-control-plane', ...labels } },
});

function mirror(overrides: { annotated?: boolean; owner?: string } = {}): V1Pod {
  return {
    metadata: {
      name: 'static-web-lab-control-plane',
      namespace: 'default',
      annotations: overrides.annotated === false ? {} : { 'kubernetes.io/config.mirror': '0f3c…', 'kubernetes.io/config.source': 'file' },
      ownerReferences: overrides.owner ? [{ apiVersion: 'v1', kind: overrides.owner, name: 'lab-control-plane', uid: 'u', controller: true }] : [],
    },
    spec: { nodeName: 'lab-control-plane', containers: [{ name: 'web', image: 'kubelab/web:1.0' }] },
  };
}

const facts = (c: Criterion) => [c.id, c.passed, c.expected, c.actual];

describe('node criterion builders', () => {
  test('hasLabel accepts any of the right spellings and shows the first', () => {
    const labelled = labNode({ 'kubelab.dev/containerd': 'v2.1.3' });
    assert.deepEqual(facts(node.hasLabel(labelled, 'kubelab.dev/containerd', ['2.1.3', 'v2.1.3'])), ['label', true, 'kubelab.dev/containerd=2.1.3', 'kubelab.dev/containerd=v2.1.3']);
    assert.deepEqual(facts(node.hasLabel(labelled, 'kubelab.dev/containerd', '2.1.4')).slice(1), [false, 'kubelab.dev/containerd=2.1.4', 'kubelab.dev/containerd=v2.1.3']);
    assert.equal(node.hasLabel(null, 'kubelab.dev/containerd', '2.1.3').actual, 'no node');
  });

  test('a missing label shows the labels that look like it (a key without its prefix)', () => {
    const c = node.hasLabel(labNode({ 'cgroup-driver': 'systemd' }), 'kubelab.dev/cgroup-driver', 'systemd', { id: 'driver' });
    assert.deepEqual([c.id, c.passed, c.actual], ['driver', false, 'no label kubelab.dev/cgroup-driver (cgroup-driver=systemd)']);
  });

  test('mirrorOf wants the kubelet\'s annotation and the Node as owner', () => {
    assert.deepEqual(facts(node.mirrorOf(mirror({ owner: 'Node' }), 'lab-control-plane')), [
      'mirror',
      true,
      'annotation kubernetes.io/config.mirror, owned by Node/lab-control-plane',
      'annotation kubernetes.io/config.mirror, owned by Node/lab-control-plane',
    ]);
    assert.deepEqual(facts(node.mirrorOf(mirror({ annotated: false }), 'lab-control-plane')).slice(1, 2), [false]);
    assert.equal(node.mirrorOf(mirror({ annotated: false }), 'lab-control-plane').actual, 'no kubernetes.io/config.mirror annotation, no owner');
    assert.equal(node.mirrorOf(mirror({ owner: 'ReplicaSet' }), 'lab-control-plane').passed, false);
    assert.equal(node.mirrorOf(null, 'lab-control-plane').actual, 'no pod');
  });

  test('mirror pods are named after the static pod and the node', () => {
    assert.equal(mirrorPodName('static-web', 'lab-control-plane'), 'static-web-lab-control-plane');
    assert.equal(isMirrorPod(mirror()), true);
    assert.equal(isMirrorPod(mirror({ annotated: false })), false);
    assert.equal(isMirrorPod(null), false);
  });
});
