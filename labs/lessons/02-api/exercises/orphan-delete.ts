import { api, apply, defineExercise, getOrNull, type V1Deployment } from '@kubelab/labs';
import { curlApi, startProxy } from '../proxy.ts';

const deploymentUrl = '/apis/apps/v1/namespaces/default/deployments/legacy';

const legacy: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'legacy', labels: { app: 'legacy' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'legacy' } },
    template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'web', image: 'kubelab/web:1.0' }] } },
  },
};

const gone = 'kubectl wait --for=delete deployment/legacy --timeout=60s';
const replicaSetsGone = 'kubectl wait --for=delete replicaset -l app=legacy --timeout=60s';

export default defineExercise({
  title: 'DELETE, and keep what it owned',
  hints: [
    'Watch how kubectl does it: `kubectl delete deployment legacy --cascade=orphan --dry-run=server -v=8` prints the request it sends (and `--dry-run=server` keeps the Deployment).',
    'A DELETE takes a propagation policy, as a query parameter (`?propagationPolicy=Orphan`) or in a DeleteOptions body: Background (the default) and Foreground remove what the object owns, Orphan leaves it.',
    `With \`kubectl proxy &\` running: \`curl -X DELETE 'localhost:8001${deploymentUrl}?propagationPolicy=Orphan'\`.`,
  ],
  setup: `${apply(legacy)}
kubectl rollout status deployment/legacy --timeout=120s`,
  solution: `${startProxy}
${curlApi(`${deploymentUrl}?propagationPolicy=Orphan`, '-X DELETE')}
${gone}`,
  cleanup: 'kubectl delete deployment,replicaset,pod -l app=legacy --ignore-not-found --grace-period=1 --wait',
  variants: [
    { name: 'kubectl delete --cascade=orphan', apply: `kubectl delete deployment legacy --cascade=orphan\n${gone}` },
    {
      name: 'a DeleteOptions body instead of the query parameter',
      apply: `${startProxy}
${curlApi(deploymentUrl, `-X DELETE -H 'Content-Type: application/json' --data '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Orphan"}'`)}
${gone}`,
    },
  ],
  nearMisses: [
    { name: 'a plain DELETE (background propagation)', apply: `${startProxy}\n${curlApi(deploymentUrl, '-X DELETE')}\n${gone}\n${replicaSetsGone}`, failsOn: 'replicaset-kept' },
    {
      name: 'the ReplicaSet orphan-deleted instead of the Deployment',
      // --wait=false: kubectl would wait for the garbage collector to orphan the pod and release the ReplicaSet,
      // which under a full run's load took over a minute; the check only needs the Deployment still there.
      apply: 'kubectl delete replicaset -l app=legacy --cascade=orphan --wait=false\nkubectl rollout status deployment/legacy --timeout=120s',
      failsOn: 'deleted',
    },
  ],
  check: async (cluster) => {
    const deployment = await getOrNull(() => cluster.apps.readNamespacedDeployment({ name: 'legacy', namespace: 'default' }));
    const replicaSets = (await cluster.apps.listNamespacedReplicaSet({ namespace: 'default', labelSelector: 'app=legacy' })).items.filter((rs) => !rs.metadata?.deletionTimestamp);
    const orphans = replicaSets.filter((rs) => !(rs.metadata?.ownerReferences ?? []).some((owner) => owner.kind === 'Deployment'));
    const pods = (await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=legacy' })).items;
    const running = pods.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
    return [
      api.deleted(deployment, 'Deployment `legacy`'),
      {
        id: 'replicaset-kept',
        description: 'Its ReplicaSet is still there, owned by nothing now',
        passed: orphans.length > 0,
        expected: 'a ReplicaSet labelled app=legacy without an owner',
        actual: replicaSets.length === 0 ? 'no ReplicaSet labelled app=legacy' : replicaSets.map((rs) => `${rs.metadata?.name}: owned by ${(rs.metadata?.ownerReferences ?? []).map((o) => `${o.kind}/${o.name}`).join(', ') || 'nothing'}`).join('; '),
        hint: 'Without a propagation policy, a DELETE is Background: the garbage collector removes what the Deployment owned. Ask for `propagationPolicy=Orphan`. (Reset the exercise to get the Deployment back.)',
      },
      {
        id: 'pod-kept',
        description: 'Its pod is still running',
        passed: running.length > 0,
        expected: 'a Running pod labelled app=legacy',
        actual: pods.length ? pods.map((p) => `${p.metadata?.name}: ${p.status?.phase ?? '?'}`).join(', ') : 'no pod labelled app=legacy',
        hint: 'The pod belongs to the ReplicaSet: when the ReplicaSet goes, so does the pod.',
      },
    ];
  },
});
