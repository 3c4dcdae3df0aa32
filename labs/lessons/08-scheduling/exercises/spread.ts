import { apply, defineExercise, getOrNull, placement, podsSelectedBy, type V1Deployment } from '@kubelab/labs';
import { restoreNodes } from '../nodes.ts';

type Affinity = NonNullable<NonNullable<V1Deployment['spec']>['template']['spec']>['affinity'];

const ownPods = { matchLabels: { app: 'web' } };
const hostname = 'kubernetes.io/hostname';

function web(affinity: Affinity, options: { replicas?: number; labels?: Record<string, string>; image?: string } = {}): V1Deployment {
  const labels = options.labels ?? { app: 'web' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels },
        spec: { affinity, containers: [{ name: 'web', image: options.image ?? 'kubelab/web:1.0' }] },
      },
    },
  };
}

const apart: Affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: ownPods, topologyKey: hostname }] } };
const settle = 'kubectl rollout status deployment/web --timeout=120s';

export default defineExercise({
  title: 'Never two on one node',
  hints: [
    'Pod anti-affinity is a rule about other pods: "not on a node that already runs a pod with these labels". It goes under the pod template\'s `affinity.podAntiAffinity`.',
    'The "node" part is the `topologyKey`: `kubernetes.io/hostname` is different on every node. The `labelSelector` should match the Deployment\'s own pods (`app: web`).',
    'Only `requiredDuringSchedulingIgnoredDuringExecution` forbids; `preferred…` merely discourages, and the scheduler already spreads replicas a little by itself. `kubectl get pods -l app=web -o wide` shows the nodes.',
  ],
  solution: `${apply(web(apart))}
${settle}`,
  cleanup: `kubectl delete deployment/web --ignore-not-found --cascade=foreground --wait --timeout=90s
${restoreNodes}`,
  variants: [
    {
      name: 'a set-based selector (app In web), the namespace spelled out, extra labels, image with its registry',
      apply: `${apply(
        web(
          {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, namespaces: ['default'], topologyKey: hostname },
              ],
            },
          },
          { labels: { app: 'web', tier: 'frontend' }, image: 'docker.io/kubelab/web:1.0' },
        ),
      )}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'a preferred anti-affinity (the pods may still share a node)',
      apply: `${apply(web({ podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: ownPods, topologyKey: hostname } }] } }))}
${settle}`,
      failsOn: 'rule',
    },
    {
      name: 'topologyKey topology.kubernetes.io/zone, a label these nodes do not have',
      apply: `${apply(web({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: ownPods, topologyKey: 'topology.kubernetes.io/zone' }] } }))}
${settle}`,
      failsOn: 'rule',
    },
    {
      name: 'three replicas: the third has no node left',
      apply: `${apply(web(apart, { replicas: 3 }))}
kubectl wait --for=jsonpath='{.status.readyReplicas}'=2 deployment/web --timeout=120s
sleep 2`,
      failsOn: 'spread',
    },
  ],
  check: async (cluster) => {
    const deployment = await getOrNull(() => cluster.apps.readNamespacedDeployment({ name: 'web', namespace: 'default' }));
    const pods = await podsSelectedBy(cluster, deployment?.spec?.selector);
    return [
      {
        id: 'exists' as const,
        description: 'A Deployment named `web` exists in namespace `default`',
        passed: deployment !== null,
        expected: 'deployment/web',
        actual: deployment ? 'deployment/web' : 'no such Deployment',
        hint: 'Create it with `kubectl create deployment web --image=kubelab/web:1.0 --replicas=2 --dry-run=client -o yaml > web.yaml`, add the rule, then `kubectl apply -f web.yaml`.',
      },
      placement.keepsApart(deployment?.spec?.template),
      placement.spreadAcrossNodes(pods, 2),
    ];
  },
});
