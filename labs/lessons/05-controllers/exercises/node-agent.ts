import { apply, clusterNodes, daemonSet, defineExercise, listNodes, type V1DaemonSet } from '@kubelab/labs';

const image = 'kubelab/web:1.0';
const controlPlaneTaint = 'node-role.kubernetes.io/control-plane';

type Toleration = NonNullable<NonNullable<V1DaemonSet['spec']>['template']['spec']>['tolerations'];

/** The agent's DaemonSet; the variants and near-misses change its tolerations, labels or image. */
function agent(options: { tolerations?: Toleration; image?: string; labels?: Record<string, string> } = {}): V1DaemonSet {
  const labels = options.labels ?? { app: 'node-agent' };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'node-agent', labels },
    spec: {
      selector: { matchLabels: { app: 'node-agent' } },
      template: {
        metadata: { labels },
        spec: {
          ...(options.tolerations ? { tolerations: options.tolerations } : {}),
          containers: [{ name: 'agent', image: options.image ?? image }],
        },
      },
    },
  };
}

const settle = 'kubectl rollout status daemonset/node-agent --timeout=120s';

export default defineExercise({
  title: 'A pod on every node',
  hints: [
    'A DaemonSet has no `kubectl create` shortcut. Start from `kubectl create deployment node-agent --image=kubelab/web:1.0 --dry-run=client -o yaml`, change the kind to DaemonSet and drop `replicas`, `strategy` and `status`.',
    '`kubectl get pods -l app=node-agent -o wide` shows which nodes have a pod. The control plane has none yet: `kubectl describe node <control-plane> | grep Taints` says why.',
    `Let the pods past the taint, under \`spec.template.spec\`: \`tolerations: [{key: ${controlPlaneTaint}, operator: Exists, effect: NoSchedule}]\`.`,
  ],
  solution: `${apply(agent({ tolerations: [{ key: controlPlaneTaint, operator: 'Exists', effect: 'NoSchedule' }] }))}
${settle}`,
  // A learner may have removed the control-plane taint instead of tolerating it: every scenario starts with it.
  cleanup: `kubectl taint nodes -l ${controlPlaneTaint} ${controlPlaneTaint}:NoSchedule --overwrite >/dev/null
kubectl delete daemonset/node-agent deployment/node-agent --ignore-not-found --cascade=foreground --wait --timeout=90s`,
  variants: [
    {
      name: 'tolerates every taint (operator Exists, no key), extra labels, image with its registry',
      apply: `${apply(agent({ tolerations: [{ operator: 'Exists' }], image: `docker.io/${image}`, labels: { app: 'node-agent', tier: 'infra' } }))}
${settle}`,
    },
  ],
  nearMisses: [
    { name: 'no toleration: the control plane gets no pod', apply: `${apply(agent())}\n${settle}`, failsOn: 'control-plane' },
    {
      name: 'the legacy master taint key tolerated instead',
      apply: `${apply(agent({ tolerations: [{ key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' }] }))}
${settle}`,
      failsOn: 'control-plane',
    },
    {
      name: 'the control-plane taint removed instead of tolerated',
      apply: `kubectl taint nodes -l ${controlPlaneTaint} ${controlPlaneTaint}:NoSchedule-
${apply(agent())}
${settle}
kubectl wait --for=jsonpath='{.status.numberReady}'=3 daemonset/node-agent --timeout=120s`,
      failsOn: 'control-plane-taint',
    },
    {
      name: 'a Deployment with three replicas',
      apply: `kubectl create deployment node-agent --image=${image} --replicas=3
kubectl rollout status deployment/node-agent --timeout=120s`,
      failsOn: 'exists',
    },
  ],
  check: async (cluster) => {
    const agentSet = await daemonSet.read(cluster, 'node-agent');
    const [pods, nodes] = await Promise.all([daemonSet.pods(cluster, agentSet), listNodes(cluster)]);
    return [
      daemonSet.exists(agentSet, 'node-agent'),
      daemonSet.image(agentSet, image),
      daemonSet.onNodes(pods, daemonSet.workers(nodes), 'each worker', { id: 'workers' }),
      daemonSet.onNodes(pods, daemonSet.controlPlanes(nodes), 'the control-plane node', {
        id: 'control-plane',
        hint: `The control plane is tainted \`${controlPlaneTaint}:NoSchedule\`, so only pods that tolerate it go there. Add the toleration to the pod template (the old key \`node-role.kubernetes.io/master\` is gone since Kubernetes 1.25).`,
      }),
      clusterNodes.controlPlaneTainted(nodes),
    ];
  },
});
