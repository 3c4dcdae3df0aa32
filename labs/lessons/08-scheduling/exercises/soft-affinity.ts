import { apply, clusterNodes, defineExercise, getOrNull, listNodes, placement, podsSelectedBy, type V1Deployment } from '@kubelab/labs';
import { firstWorker, restoreNodes } from '../nodes.ts';

type Affinity = NonNullable<NonNullable<V1Deployment['spec']>['template']['spec']>['affinity'];

const ssd = { key: 'disk', operator: 'In', values: ['ssd'] };

const required: Affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [ssd] }] } } };
const preferred: Affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 80, preference: { matchExpressions: [ssd] } }] } };

function api(affinity: Affinity): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', labels: { app: 'api' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: { ...(affinity ? { affinity } : {}), containers: [{ name: 'api', image: 'kubelab/web:1.0' }] },
      },
    },
  };
}

const settle = 'kubectl rollout status deployment/api --timeout=120s';

export default defineExercise({
  title: 'Prefer, do not require',
  hints: [
    '`kubectl describe pod -l app=api` ends with the scheduler\'s reason: "didn\'t match Pod\'s node affinity/selector". `kubectl get deployment api -o yaml` shows the rule.',
    'A `requiredDuringScheduling…` rule is a filter: no matching node, no scheduling. A `preferredDuringScheduling…` rule only adds points to the nodes that match.',
    'With `kubectl edit deployment api`, replace the `requiredDuringSchedulingIgnoredDuringExecution` block by `preferredDuringSchedulingIgnoredDuringExecution: [{weight: 80, preference: {matchExpressions: [{key: disk, operator: In, values: [ssd]}]}}]`.',
  ],
  setup: apply(api(required)),
  solution: `${apply(api(preferred))}
${settle}`,
  cleanup: `kubectl delete deployment/api --ignore-not-found --cascade=foreground --wait --timeout=90s
${restoreNodes}`,
  variants: [
    {
      name: 'kubectl patch: a weight of 20, preferring ssd or nvme',
      apply: `kubectl patch deployment api --type=json -p '[{"op":"replace","path":"/spec/template/spec/affinity","value":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":20,"preference":{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd","nvme"]}]}}]}}}]'
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'the affinity removed altogether',
      apply: `kubectl patch deployment api --type=json -p '[{"op":"remove","path":"/spec/template/spec/affinity"}]'
${settle}`,
      failsOn: 'prefers',
    },
    {
      name: 'a worker labelled disk=ssd so that the required rule is met',
      apply: `kubectl label node "${firstWorker}" disk=ssd
${settle}`,
      failsOn: 'unlabelled',
    },
    {
      name: 'a preference added, but the requirement kept',
      apply: `kubectl patch deployment api -p '{"spec":{"template":{"spec":{"affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":80,"preference":{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]}]}}]}}}}}}'
kubectl wait --for=condition=PodScheduled=false pod -l app=api --timeout=60s
sleep 2`,
      failsOn: 'running',
    },
  ],
  check: async (cluster) => {
    const deployment = await getOrNull(() => cluster.apps.readNamespacedDeployment({ name: 'api', namespace: 'default' }));
    const [nodes, pods] = await Promise.all([listNodes(cluster), podsSelectedBy(cluster, deployment?.spec?.selector)]);
    return [
      clusterNodes.noneLabelled(nodes, 'disk', {
        description: 'No node was labelled `disk` to meet the rule: the pods run without one',
        hint: 'The task is to relax the rule, not to satisfy it. Remove the label: `kubectl label node <node> disk-`.',
      }),
      placement.readyAtLeast(pods, 2, {
        id: 'running',
        description: 'Both pods of `api` are Running and ready',
        hint: 'A pod whose required node affinity matches no node stays Pending. A preference alongside the requirement changes nothing: the requirement has to go.',
      }),
      placement.prefersNodeLabel(deployment?.spec?.template?.spec, nodes, 'disk', 'ssd'),
    ];
  },
});
