import { apply, clusterNodes, defineExercise, disruptionBudget, getOrNull, listNodes, placement, podsSelectedBy, type V1Deployment, type V1PodDisruptionBudget } from '@kubelab/labs';
import { restoreNodes } from '../nodes.ts';

const ledger: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'ledger', labels: { app: 'ledger' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'ledger' } },
    template: {
      metadata: { labels: { app: 'ledger' } },
      spec: {
        // Soft, so that setup spreads the pods over both workers and a drain can still put them together.
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'ledger' } }, topologyKey: 'kubernetes.io/hostname' } }],
          },
        },
        containers: [{ name: 'ledger', image: 'kubelab/web:1.0', readinessProbe: { httpGet: { path: '/api/v1/health', port: 5000 }, periodSeconds: 2 } }],
      },
    },
  },
};

function budget(name: string, rule: { minAvailable: number } | { maxUnavailable: number }): V1PodDisruptionBudget {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { ...rule, selector: { matchLabels: { app: 'ledger' } } } };
}

/** The node of one of ledger's pods: draining it has something to move. */
const ledgerNode = (index: 0 | -1 = 0) => `$(kubectl get pods -l app=ledger -o jsonpath='{.items[${index === 0 ? '0' : '-1:'}].spec.nodeName}')`;
const drain = (index: 0 | -1 = 0) => `kubectl drain "${ledgerNode(index)}" --ignore-daemonsets --delete-emptydir-data --timeout=150s`;
const settle = 'kubectl rollout status deployment/ledger --timeout=120s';
const relax = `kubectl patch pdb ledger --type=merge -p '{"spec":{"minAvailable":2}}'`;

export default defineExercise({
  title: 'Drain a node past a budget',
  hints: [
    '`kubectl get pdb ledger` shows ALLOWED DISRUPTIONS: 0. With `minAvailable: 3` and three pods, no eviction is ever allowed, so `kubectl drain` would retry forever.',
    'Keep the budget, but let it lose one pod at a time: `kubectl edit pdb ledger` and set `minAvailable: 2` (or use `maxUnavailable: 1` instead). Deleting it would leave the app unprotected.',
    'Then `kubectl get pods -l app=ledger -o wide` to pick a worker that runs ledger pods, and `kubectl drain <worker> --ignore-daemonsets --delete-emptydir-data`. Leave it cordoned.',
  ],
  setup: `${apply([ledger, budget('ledger', { minAvailable: 3 })])}
${settle}`,
  solution: `${relax}
${drain()}
${settle}`,
  cleanup: `${restoreNodes}
for budget in $(kubectl get pdb -o jsonpath='{.items[?(@.spec.selector.matchLabels.app=="ledger")].metadata.name}'); do kubectl delete pdb "$budget" --wait; done
kubectl delete deployment/ledger --ignore-not-found --cascade=foreground --wait --timeout=90s`,
  variants: [
    {
      name: 'the budget replaced by one of maxUnavailable 1 under another name, the other pod\'s node drained',
      apply: `kubectl delete pdb ledger
${apply(budget('ledger-budget', { maxUnavailable: 1 }))}
${drain(-1)}
${settle}`,
    },
    {
      name: 'the app scaled to four replicas instead (the budget left as it is)',
      apply: `kubectl scale deployment ledger --replicas=4
${settle}
${drain()}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'the budget deleted, then the node drained',
      apply: `kubectl delete pdb ledger
${drain()}
${settle}`,
      failsOn: 'protected',
    },
    {
      name: 'the budget lowered to minAvailable 1',
      apply: `kubectl patch pdb ledger --type=merge -p '{"spec":{"minAvailable":1}}'
${drain()}
${settle}`,
      failsOn: 'protected',
    },
    {
      name: 'the budget relaxed and the node cordoned, but not drained',
      apply: `${relax}
kubectl cordon "${ledgerNode()}"`,
      failsOn: 'drained',
    },
    {
      name: 'cordoned, and its ledger pods deleted by hand past the budget',
      apply: `node="${ledgerNode()}"
kubectl cordon "$node"
kubectl delete pods -l app=ledger --field-selector "spec.nodeName=$node" --wait
${settle}`,
      failsOn: 'allows-drain',
    },
  ],
  check: async (cluster) => {
    const deployment = await getOrNull(() => cluster.apps.readNamespacedDeployment({ name: 'ledger', namespace: 'default' }));
    const [nodes, pods, budgets] = await Promise.all([listNodes(cluster), podsSelectedBy(cluster, deployment?.spec?.selector), disruptionBudget.list(cluster)]);
    const covering = disruptionBudget.covering(budgets, deployment?.spec?.template?.metadata?.labels);
    return [
      clusterNodes.cordonedWorker(nodes),
      placement.noneOnCordoned(pods, nodes, { description: 'No pod of `ledger` is left on a cordoned node' }),
      placement.readyAtLeast(pods, 2, { description: 'At least two pods of `ledger` are ready' }),
      disruptionBudget.keepsAtLeast(covering, 2),
      disruptionBudget.allowsEviction(covering),
    ];
  },
});
