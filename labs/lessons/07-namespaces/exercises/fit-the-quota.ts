import { apply, buildCriterion, defineExercise, eventually, getOrNull, namespaces, type V1Deployment, type V1Namespace, type V1ResourceQuota } from '@kubelab/labs';

/**
 * The quota leaves room for exactly three small pods. Its memory limit is under the 256Mi a workshop server's own
 * LimitRange would give a pod that sets nothing, so on either profile the Deployment's pods are refused until the
 * learner gives them requests and limits that fit.
 */
const hard = { pods: '3', 'requests.cpu': '300m', 'requests.memory': '120Mi', 'limits.cpu': '600m', 'limits.memory': '240Mi' };

const objects: [V1Namespace, V1ResourceQuota] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
  { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'shop-quota', namespace: 'shop' }, spec: { hard } },
];

const cart: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'cart', namespace: 'shop', labels: { app: 'cart' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'cart' } },
    template: {
      metadata: { labels: { app: 'cart' } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'cart', image: 'kubelab/web:1.0' }] },
    },
  },
};

const setup = `${apply(objects)}
kubectl wait --for=jsonpath='{.status.hard.pods}'=3 resourcequota/shop-quota -n shop --timeout=60s
${apply(cart)}
kubectl wait --for=condition=ReplicaFailure deployment/cart -n shop --timeout=60s`;

const rolledOut = 'kubectl rollout status deployment/cart -n shop --timeout=120s';

/** After one change to the template, the newest ReplicaSet has tried and been refused. */
const refusedAgain = `kubectl wait --for=jsonpath='{.status.observedGeneration}'=2 deployment/cart -n shop --timeout=60s
newest=$(kubectl get rs -n shop -l app=cart --sort-by=.metadata.creationTimestamp -o name | tail -1)
kubectl wait -n shop "$newest" --for=condition=ReplicaFailure --timeout=60s`;

export default defineExercise({
  title: 'Make room under a quota',
  hints: [
    '`kubectl describe deployment cart -n shop` and `kubectl get events -n shop` say why the ReplicaSet cannot create its pods; `kubectl describe resourcequota shop-quota -n shop` shows what the quota allows.',
    'A quota on `requests.cpu` or `limits.memory` needs every pod to state them. `kubectl set resources deployment cart -n shop --requests=cpu=…,memory=… --limits=cpu=…,memory=…` adds them to the template.',
    'Three pods must fit together: each may ask at most a third of every amount in the quota.',
  ],
  setup,
  solution: `kubectl describe resourcequota shop-quota -n shop
kubectl set resources deployment cart -n shop --requests=cpu=100m,memory=32Mi --limits=cpu=200m,memory=64Mi
${rolledOut}`,
  cleanup: 'kubectl delete namespace shop --ignore-not-found --wait',
  variants: [
    {
      name: 'smaller amounts written as decimals, with kubectl patch',
      apply: `kubectl patch deployment cart -n shop --type=json -p '[{"op":"add","path":"/spec/template/spec/containers/0/resources","value":{"requests":{"cpu":"0.05","memory":"40Mi"},"limits":{"cpu":"0.1","memory":"80Mi"}}}]'
${rolledOut}`,
    },
  ],
  nearMisses: [
    {
      name: 'requests without limits (the quota covers limits too)',
      apply: `kubectl set resources deployment cart -n shop --requests=cpu=100m,memory=32Mi
${refusedAgain}`,
      failsOn: 'ready',
    },
    {
      name: 'each pod asks 200m CPU: only one fits',
      apply: `kubectl set resources deployment cart -n shop --requests=cpu=200m,memory=32Mi --limits=cpu=200m,memory=64Mi
kubectl wait --for=jsonpath='{.status.readyReplicas}'=1 deployment/cart -n shop --timeout=120s
${refusedAgain}`,
      failsOn: 'ready',
    },
    {
      name: 'scaled down to two pods to fit',
      apply: `kubectl set resources deployment cart -n shop --requests=cpu=150m,memory=32Mi --limits=cpu=300m,memory=64Mi
kubectl scale deployment cart -n shop --replicas=2
${rolledOut}`,
      failsOn: 'replicas',
    },
  ],
  check: async (cluster, signal) => {
    const read = () => getOrNull(() => cluster.apps.readNamespacedDeployment({ name: 'cart', namespace: 'shop' }));
    const quota = await namespaces.readResourceQuota(cluster, 'shop-quota', 'shop');
    let deployment = await read();
    const allReady = (d: V1Deployment | null) => {
      const s = d?.status;
      return s !== undefined && s.readyReplicas === 3 && s.updatedReplicas === 3 && s.replicas === 3 && s.availableReplicas === 3;
    };
    if (!allReady(deployment)) {
      deployment = (await eventually(async () => {
        const d = await read();
        return allReady(d) ? d : undefined;
      }, { timeoutMs: 6_000, signal })) ?? (await read());
    }
    const status = deployment?.status;
    const refusal = status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True')?.message;
    return [
      namespaces.quotaHard(quota, 'shop-quota', hard, {
        description: 'The ResourceQuota `shop-quota` still allows what it did: the pods fit the quota, not the other way round',
        hint: 'Leave the quota as it was (reset the exercise to get it back); change the Deployment instead.',
      }),
      buildCriterion(
        {
          id: 'replicas',
          description: 'The Deployment `cart` still asks for 3 replicas',
          hint: 'Three pods are the task: make each one small enough instead of running fewer.',
        },
        {},
        {
          passed: deployment?.spec?.replicas === 3,
          expected: '3 replicas',
          actual: deployment ? `${deployment.spec?.replicas ?? 1} replicas` : 'no Deployment `cart` in shop',
        },
      ),
      buildCriterion(
        {
          id: 'ready',
          description: 'All 3 pods of `cart` are running and ready, inside the quota',
          hint: 'Read the refusal: `kubectl get events -n shop --field-selector reason=FailedCreate`. It names what the quota is missing or what would exceed it.',
        },
        {},
        {
          passed: allReady(deployment),
          expected: '3 ready, 3 updated',
          actual: status
            ? `${status.readyReplicas ?? 0} of 3 ready, ${status.updatedReplicas ?? 0} updated${refusal ? `; refused: ${refusal.replace(/^.*?forbidden: /, '').slice(0, 200)}` : ''}`
            : 'no Deployment',
        },
      ),
    ];
  },
});
