import { apply, defineExercise, deletes, deployment, eventually, podsLabelled, replicationController, type V1Deployment } from '@kubelab/labs';

const image = 'kubelab/web:1.0';
const podLabels = { app: 'legacy', tier: 'backend' };

/** What older tutorials made: a ReplicationController, whose selector can only compare labels for equality. */
const legacyController = {
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'legacy' },
  spec: {
    replicas: 2,
    selector: podLabels,
    template: { metadata: { labels: podLabels }, spec: { containers: [{ name: 'web', image }] } },
  },
};

type Selector = NonNullable<V1Deployment['spec']>['selector'];

function legacyDeployment(selector: Selector, options: { labels?: Record<string, string>; registry?: boolean } = {}): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'legacy' },
    spec: {
      replicas: 2,
      selector,
      template: {
        metadata: { labels: options.labels ?? podLabels },
        spec: { containers: [{ name: 'web', image: options.registry ? `docker.io/${image}` : image }] },
      },
    },
  };
}

const setBased: Selector = { matchLabels: { app: 'legacy' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] };
const settle = 'kubectl rollout status deployment/legacy --timeout=120s';

export default defineExercise({
  title: 'Retire a ReplicationController',
  hints: [
    '`kubectl get rc legacy -o yaml` shows what it runs. A Deployment\'s `spec.selector` takes `matchLabels` and `matchExpressions`; the second knows `In`, `NotIn`, `Exists` and `DoesNotExist`.',
    '"Has a tier label, whatever its value" is `{key: tier, operator: Exists}` (no `values`). The pod template\'s labels must satisfy the selector, or the API refuses the Deployment.',
    'Write the Deployment (selector `matchLabels: {app: legacy}` plus `matchExpressions: [{key: tier, operator: Exists}]`), apply it, then `kubectl delete rc legacy`: deleting it deletes its pods too.',
  ],
  setup: `${apply(legacyController)}
kubectl wait --for=jsonpath='{.status.readyReplicas}'=2 rc/legacy --timeout=120s`,
  solution: `${apply(legacyDeployment(setBased))}
${settle}
kubectl delete rc legacy --wait
kubectl wait --for=delete pods -l 'app=legacy,!pod-template-hash' --timeout=60s`,
  cleanup: `${deletes('replicationcontroller/legacy', 'deployment/legacy')}
kubectl delete pods -l app=legacy --ignore-not-found --grace-period=1 --wait`,
  variants: [
    {
      name: 'the RC deleted first; both keys in matchExpressions (app In [legacy]); extra labels; the image with its registry',
      apply: `kubectl delete rc legacy --wait
${apply(
  legacyDeployment(
    { matchExpressions: [{ key: 'tier', operator: 'Exists' }, { key: 'app', operator: 'In', values: ['legacy'] }] },
    { labels: { ...podLabels, version: '1.0' }, registry: true },
  ),
)}
${settle}
kubectl wait --for=delete pods -l 'app=legacy,!pod-template-hash' --timeout=60s`,
    },
  ],
  nearMisses: [
    {
      name: 'the RC\'s equality selector copied (app=legacy, tier=backend)',
      apply: `${apply(legacyDeployment({ matchLabels: podLabels }))}
${settle}
kubectl delete rc legacy --wait
kubectl wait --for=delete pods -l 'app=legacy,!pod-template-hash' --timeout=60s`,
      failsOn: 'selector',
    },
    {
      name: 'the RC deleted with --cascade=orphan: its pods stay, owned by nobody',
      apply: `kubectl delete rc legacy --cascade=orphan --wait
${apply(legacyDeployment(setBased))}
${settle}`,
      failsOn: 'owned',
    },
    {
      name: 'the Deployment made, the RC left running',
      apply: `${apply(legacyDeployment(setBased))}
${settle}`,
      failsOn: 'rc-gone',
    },
  ],
  check: async (cluster, signal) => {
    const [rc, target] = await Promise.all([replicationController.read(cluster, 'legacy'), deployment.read(cluster, 'legacy')]);
    const owned = async () => deployment.ownsPods(target, await deployment.replicaSets(cluster, target), await podsLabelled(cluster, { app: 'legacy' }));
    // The RC's pods go a moment after the RC itself: give them that moment before calling them strays.
    const settled = async () => {
      const criterion = await owned();
      return criterion.passed ? criterion : undefined;
    };
    const ownership = (await eventually(settled, { timeoutMs: 3_000, signal })) ?? (await owned());
    return [
      replicationController.gone(rc, 'legacy'),
      deployment.exists(target, 'legacy'),
      deployment.image(target, image),
      deployment.replicas(target, 2),
      deployment.templateLabels(target, podLabels),
      deployment.selector(target, {
        meaning: 'every pod labelled `app=legacy` that has a `tier` label, whatever its value',
        selects: [podLabels, { app: 'legacy', tier: 'frontend' }],
        rejects: [{ app: 'legacy' }, { app: 'other', tier: 'backend' }],
      }),
      deployment.available(target),
      ownership,
    ];
  },
});
