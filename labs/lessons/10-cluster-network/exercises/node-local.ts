import {
  apply,
  buildCriterion,
  clusterNetwork,
  defineExercise,
  deletes,
  getOrNull,
  httpFromPodEach,
  podsControlledBy,
  type NodeProbeAnswers,
  type V1DaemonSet,
  type V1Service,
} from '@kubelab/labs';

/** One cache pod per worker (a DaemonSet), each answering with its pod name, and a Service in front of them all. */
const cache: V1DaemonSet = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'node-cache', labels: { app: 'node-cache' } },
  spec: {
    selector: { matchLabels: { app: 'node-cache' } },
    template: {
      metadata: { labels: { app: 'node-cache' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'cache', image: 'kubelab/web:1.0', ports: [{ name: 'http', containerPort: 5000 }] }],
      },
    },
  },
};

function cacheService(spec: Partial<NonNullable<V1Service['spec']>> = {}, labels: Record<string, string> = { app: 'node-cache' }): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'node-cache', labels },
    spec: { selector: { app: 'node-cache' }, ports: [{ name: 'http', port: 80, targetPort: 5000 }], ...spec },
  };
}

const setup = `${apply([cache, cacheService()])}
kubectl rollout status daemonset/node-cache --timeout=120s`;

/** Requests per probe pod: with both pods behind the Service, eight answers from the local one by chance is 1 in 256. */
const requests = 8;

export default defineExercise({
  title: 'Keep the traffic on the node',
  hints: [
    '`kubectl get pods -l app=node-cache -o wide` shows one cache pod per worker. From a pod, `curl -s node-cache` a few times: the answers (pod names) come from both nodes.',
    'kube-proxy writes the same Service rules on every node. A field of the Service\'s spec, `internalTrafficPolicy`, tells it to keep only the endpoints on the node itself (`kubectl explain service.spec.internalTrafficPolicy`).',
    '`kubectl patch service node-cache -p \'{"spec":{"internalTrafficPolicy":"Local"}}\'`',
  ],
  setup,
  solution: `kubectl patch service node-cache -p '{"spec":{"internalTrafficPolicy":"Local"}}'
kubectl get service node-cache -o jsonpath='{.spec.internalTrafficPolicy}'; echo`,
  cleanup: deletes('service/node-cache', 'daemonset/node-cache'),
  variants: [
    {
      name: 'the Service rewritten as YAML with the policy, port by name, an extra label',
      apply: apply(cacheService({ internalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, targetPort: 'http' }] }, { app: 'node-cache', tier: 'cache' })),
    },
    {
      name: 'trafficDistribution: PreferSameNode (the node\'s own endpoint first, others only when it has none)',
      apply: `kubectl patch service node-cache -p '{"spec":{"trafficDistribution":"PreferSameNode"}}'`,
    },
  ],
  nearMisses: [
    {
      name: 'externalTrafficPolicy: Local on a NodePort (it concerns traffic from outside only)',
      apply: `kubectl patch service node-cache -p '{"spec":{"type":"NodePort","externalTrafficPolicy":"Local"}}'`,
      failsOn: 'local',
    },
    {
      name: 'trafficDistribution: PreferClose (it prefers a zone, and these nodes have none)',
      apply: `kubectl patch service node-cache -p '{"spec":{"trafficDistribution":"PreferClose"}}'`,
      failsOn: 'local',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const daemonSet = await getOrNull(() => cluster.apps.readNamespacedDaemonSet({ name: 'node-cache', namespace: 'default' }));
    const service = await getOrNull(() => cluster.core.readNamespacedService({ name: 'node-cache', namespace: 'default' }));
    const pods = (await podsControlledBy(cluster, daemonSet)).filter((p) => !p.metadata?.deletionTimestamp && p.status?.podIP && p.spec?.nodeName);
    const podNodes = new Map(pods.map((p) => [p.metadata!.name!, p.spec!.nodeName!]));
    const nodes = [...new Set(podNodes.values())].sort();
    const clusterIp = service?.spec?.clusterIP;
    const port = service?.spec?.ports?.[0]?.port;
    let results: NodeProbeAnswers[] = [];
    if (clusterIp && clusterIp !== 'None' && port !== undefined && nodes.length > 1) {
      const url = `http://${clusterIp}:${port}/`;
      // One client per node, side by side; each request is a connection of its own, so kube-proxy picks an endpoint each time.
      const probe = () =>
        Promise.all(nodes.map(async (node) => ({ node, answers: await httpFromPodEach(cluster, Array.from({ length: requests }, () => url), { node, signal }) })));
      results = await probe();
      // kube-proxy rewrites every node's rules a moment after the Service changes, later on a busy node: a Service
      // whose spec asks for local answers gets a second round before it is judged. One that does not ask would not
      // give them however long the check waited.
      const asksLocal = service?.spec?.internalTrafficPolicy === 'Local' || service?.spec?.trafficDistribution === 'PreferSameNode';
      if (asksLocal && !clusterNetwork.answeredLocally(results, podNodes).passed && !signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, 3000));
        results = await probe();
      }
    }
    return [
      buildCriterion(
        {
          id: 'service',
          description: 'The Service `node-cache` still sends traffic to the cache pods of the DaemonSet `node-cache`, one on each worker',
          hint: 'Reset the exercise if the Service or the DaemonSet is gone: the task is to change how the Service routes, not what it routes to.',
        },
        {},
        {
          passed: service !== null && daemonSet !== null && nodes.length > 1 && clusterIp !== undefined && clusterIp !== 'None',
          expected: 'a Service with a ClusterIP, cache pods on 2 nodes',
          actual: !service ? 'no Service node-cache' : !daemonSet ? 'no DaemonSet node-cache' : `ClusterIP ${clusterIp ?? 'none'}, cache pods on ${nodes.join(', ') || 'no node'}`,
        },
      ),
      clusterNetwork.answeredLocally(results, podNodes, {
        description: `A client pod on each worker, calling the Service's ClusterIP ${requests} times, is answered by the cache pod on its own node every time`,
      }),
    ];
  },
});
