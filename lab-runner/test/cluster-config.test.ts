/**
 * The kind config every cluster is made from: each node mounts its node image's image store read-only, or its
 * containerd has no images at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { nodeImageStoreMount } from '@kubelab/kit/artifacts';
import { clusterProfiles, type Profile } from '@kubelab/labs/profiles';
import { kindClusterConfig } from '../providers/kind/cluster-config.ts';

type KindNode = { role: string; extraMounts?: { hostPath: string; containerPath: string; readOnly?: boolean }[] };

for (const profile of Object.keys(clusterProfiles) as Profile[]) {
  test(`every node of a ${profile} cluster mounts the image store read-only`, () => {
    const text = kindClusterConfig('demo', profile, 'admin', '/cache/node-images/kubelab_node_x');
    const { nodes } = parse(text) as { nodes: KindNode[] };
    assert.equal(nodes.length, 1 + clusterProfiles[profile].workers);
    for (const node of nodes) {
      assert.deepEqual(node.extraMounts, [{ hostPath: '/cache/node-images/kubelab_node_x', containerPath: nodeImageStoreMount, readOnly: true }], node.role);
    }
    // kind reads this; a YAML anchor shared between nodes would be one mistake away from every node sharing state.
    assert.doesNotMatch(text, /[&*]a\d/, 'no anchors or aliases');
  });
}
