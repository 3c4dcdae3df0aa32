import { apply, clusterNodes, defineExercise, deletes, listNodes, placement, pod, type V1Pod } from '@kubelab/labs';
import { firstWorker, lastWorker, restoreNodes } from '../nodes.ts';

const image = 'kubelab/web:1.0';

/** The pod `fast`, asking for its node by a nodeSelector, by a required node affinity, or not at all. */
function fast(rule: 'selector' | 'affinity' | 'none', options: { key?: string; image?: string } = {}): V1Pod {
  const key = options.key ?? 'disk';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'fast', labels: { app: 'fast', ...(rule === 'affinity' ? { tier: 'cache' } : {}) } },
    spec: {
      ...(rule === 'selector' ? { nodeSelector: { [key]: 'ssd' } } : {}),
      ...(rule === 'affinity'
        ? {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key, operator: 'In', values: ['ssd', 'nvme'] }] }],
                },
              },
            },
          }
        : {}),
      containers: [{ name: 'web', image: options.image ?? image }],
    },
  };
}

const ready = 'kubectl wait --for=condition=Ready pod/fast --timeout=120s';
const unschedulable = 'kubectl wait --for=condition=PodScheduled=false pod/fast --timeout=60s';

export default defineExercise({
  title: 'Only on the fast disk',
  hints: [
    '`kubectl get nodes --show-labels` lists every node\'s labels; `kubectl label node <worker> disk=ssd` adds one.',
    'A pod asks for nodes by label with `nodeSelector` in its spec. `kubectl run` has no flag for it: write the pod\'s YAML (`kubectl run fast --image=kubelab/web:1.0 --dry-run=client -o yaml > fast.yaml`) and add `nodeSelector: {disk: ssd}` under `spec`.',
    '`kubectl get pod fast -o wide` shows the node it landed on. A Pending pod says why at the bottom of `kubectl describe pod fast`.',
  ],
  solution: `worker=${firstWorker}
kubectl label node "$worker" disk=ssd
${apply(fast('selector'))}
${ready}`,
  cleanup: `${deletes('pod/fast')}
${restoreNodes}`,
  variants: [
    {
      name: 'the other worker, a required node affinity (In ssd, nvme), extra labels, image with its registry',
      apply: `kubectl label node "${lastWorker}" disk=ssd rack=r2
${apply(fast('affinity', { image: `docker.io/${image}` }))}
${ready}`,
    },
  ],
  nearMisses: [
    {
      name: 'the worker labelled, but the pod has no nodeSelector',
      apply: `kubectl label node "${firstWorker}" disk=ssd
kubectl run fast --image=${image}
${ready}`,
      failsOn: 'selector',
    },
    {
      name: 'nodeSelector disktype=ssd: a label no node has',
      apply: `kubectl label node "${firstWorker}" disk=ssd
${apply(fast('selector', { key: 'disktype' }))}
${unschedulable}`,
      failsOn: 'placed',
    },
    {
      name: 'the control-plane node labelled instead of a worker',
      apply: `kubectl label nodes -l node-role.kubernetes.io/control-plane disk=ssd
${apply(fast('selector'))}
${unschedulable}`,
      failsOn: 'label',
    },
  ],
  check: async (cluster) => {
    const [nodes, target] = await Promise.all([listNodes(cluster), pod.read(cluster, 'fast')]);
    return [
      clusterNodes.labelledWorker(nodes, 'disk', 'ssd'),
      pod.exists(target, 'fast'),
      pod.image(target, image),
      placement.requiresNodeLabel(target?.spec, nodes, 'disk', 'ssd'),
      placement.runsOn(target, nodes, { test: (n) => n.metadata?.labels?.disk === 'ssd', description: 'the node labelled `disk=ssd`' }),
    ];
  },
});
