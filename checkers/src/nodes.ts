import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { getOrNull, type CheckContext } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import { formatLabels } from './pods.ts';
import type { Criterion } from './types.ts';

/** Reads one node, or null when there is none of that name. */
export function readNode(cluster: CheckContext, name: string): Promise<V1Node | null> {
  return getOrNull(() => cluster.core.readNode({ name }));
}

/**
 * The node a single-node lab runs on (its control plane, which is also where every pod runs), or on a multi-node
 * lab the first one the API lists. Null only on a cluster without nodes.
 */
export async function firstNode(cluster: CheckContext): Promise<V1Node | null> {
  const nodes = await cluster.core.listNode();
  const controlPlane = nodes.items.find((n) => n.metadata?.labels?.['node-role.kubernetes.io/control-plane'] !== undefined);
  return controlPlane ?? nodes.items[0] ?? null;
}

/**
 * The kubelet's running configuration (KubeletConfiguration: cgroupDriver, staticPodPath, clusterDNS, …), as the
 * kubelet itself reports it at /configz, read through the API server's node proxy. Null when the kubelet does not
 * answer. Needs the nodes/proxy right, which the lab server's admin credentials have and a workshop learner's not.
 */
export async function kubeletConfig(cluster: CheckContext, nodeName: string): Promise<Record<string, unknown> | null> {
  try {
    const answer: unknown = await cluster.core.connectGetNodeProxyWithPath({ name: nodeName, path: 'configz' });
    const parsed: unknown = typeof answer === 'string' ? JSON.parse(answer) : answer;
    const config = (parsed as { kubeletconfig?: unknown } | null)?.kubeletconfig;
    return typeof config === 'object' && config !== null ? (config as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The annotation the kubelet puts on the API's copy of a static pod (a mirror pod). */
export const mirrorAnnotation = 'kubernetes.io/config.mirror';

/** The pod is a mirror pod: the read-only copy in the API of a static pod that a kubelet runs from a file. */
export function isMirrorPod(target: V1Pod | null): boolean {
  return target?.metadata?.annotations?.[mirrorAnnotation] !== undefined;
}

/**
 * The mirror pods of one node's static pods, in every namespace: the control plane's (etcd, kube-apiserver, …)
 * and any a learner added to the kubelet's manifest folder.
 */
export async function mirrorPods(cluster: CheckContext, nodeName: string): Promise<V1Pod[]> {
  const pods = await cluster.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` });
  return pods.items.filter(isMirrorPod);
}

/** A mirror pod's name: the kubelet adds the node's name to the static pod's own. */
export const mirrorPodName = (podName: string, nodeName: string): string => `${podName}-${nodeName}`;

const nodeName = (target: V1Node | null) => target?.metadata?.name ?? '<node>';

/**
 * Criterion builders for nodes and what runs on them, in the style of `pod`: each states one fact, takes a
 * missing object (null), and fills in id, description, expected, actual and a default hint.
 *
 *   const target = await node.first(cluster);
 *   const config = await node.kubeletConfig(cluster, target.metadata.name);
 *   return [node.hasLabel(target, 'kubelab.dev/cgroup-driver', String(config?.cgroupDriver))];
 */
export const node = {
  read: readNode,
  first: firstNode,
  kubeletConfig,
  mirrorPods,
  mirrorPodName,
  isMirrorPod,

  /**
   * The node carries the label `key`, with one of the `accepted` values (the first is the one shown as expected:
   * `['2.1.3', 'v2.1.3']` accepts a version written either way). Id "label".
   */
  hasLabel<const Id extends string = 'label'>(
    target: V1Node | null,
    key: string,
    accepted: string | readonly string[],
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const values = typeof accepted === 'string' ? [accepted] : accepted;
    const found = target?.metadata?.labels?.[key];
    return buildCriterion(
      {
        id: 'label',
        description: `The node carries the label \`${key}=${values[0] ?? ''}\``,
        hint: `\`kubectl label node ${nodeName(target)} ${key}=<value> --overwrite\` sets it; \`kubectl get node ${nodeName(target)} --show-labels\` shows what is there.`,
      },
      options,
      {
        passed: found !== undefined && values.includes(found),
        expected: `${key}=${values[0] ?? ''}`,
        actual: !target ? 'no node' : found === undefined ? `no label ${key} (${formatLabels(labelsLike(target, key))})` : `${key}=${found}`,
      },
    );
  },

  /**
   * The pod is the mirror pod of a static pod of `nodeOfPod`: it has the kubelet's mirror annotation and is owned
   * by that Node (not created through the API by a person or a controller). Id "mirror".
   */
  mirrorOf<const Id extends string = 'mirror'>(target: V1Pod | null, nodeOfPod: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const owners = target?.metadata?.ownerReferences ?? [];
    const ownedByNode = owners.some((owner) => owner.kind === 'Node' && owner.name === nodeOfPod);
    const describe = (pod: V1Pod) => {
      const facts = [isMirrorPod(pod) ? `annotation ${mirrorAnnotation}` : `no ${mirrorAnnotation} annotation`];
      facts.push(owners.length ? `owned by ${owners.map((o) => `${o.kind}/${o.name}`).join(', ')}` : 'no owner');
      return facts.join(', ');
    };
    return buildCriterion(
      {
        id: 'mirror',
        description: `The pod is a mirror pod: the API's copy of a static pod that the kubelet of \`${nodeOfPod}\` runs from a manifest file`,
        hint: 'A pod created with kubectl is an ordinary pod. A static pod comes from a file in the kubelet\'s manifest folder (/etc/kubernetes/manifests), and the kubelet publishes its mirror.',
      },
      options,
      {
        passed: isMirrorPod(target) && ownedByNode,
        expected: `annotation ${mirrorAnnotation}, owned by Node/${nodeOfPod}`,
        actual: target ? describe(target) : 'no pod',
      },
    );
  },
};

/** The node's labels that share the key's prefix (kubelab.dev/…), so a misspelt key shows next to the right one. */
function labelsLike(target: V1Node, key: string): Record<string, string> {
  const prefix = key.includes('/') ? key.slice(0, key.indexOf('/') + 1) : key;
  return Object.fromEntries(Object.entries(target.metadata?.labels ?? {}).filter(([k]) => k.startsWith(prefix) || !k.includes('/')));
}
