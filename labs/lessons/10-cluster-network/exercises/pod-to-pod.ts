import { apply, clusterNetwork, defineExercise, deletes, pod, type V1Pod } from '@kubelab/labs';

const web = 'kubelab/web:1.0';
const toolbox = 'kubelab/toolbox:1.0';

/** Shell expressions for the two workers' names (the control plane keeps its taint, so pods go to workers). */
const worker = (index: 0 | 1) => `$(kubectl get nodes -l '!node-role.kubernetes.io/control-plane' -o jsonpath='{.items[${index}].metadata.name}')`;

const ready = 'kubectl wait --for=condition=Ready pod/server pod/client --timeout=120s';
const serverIp = `$(kubectl get pod server -o jsonpath='{.status.podIP}')`;

/** `kubectl run` of the pod on a node given by name (a shell expression), with `--overrides` as the solution types it. */
const runOn = (name: string, image: string, node: string, args = '') =>
  `kubectl run ${name} --image=${image} --overrides="{\\"spec\\":{\\"nodeName\\":\\"${node}\\"}}"${args}`;

/** The two pods as the solution makes them, on two workers, for the near-misses that go wrong afterwards. */
const apart = `w1=${worker(0)}
w2=${worker(1)}
${runOn('server', web, '$w1')}
${runOn('client', toolbox, '$w2', ' -- sleep infinity')}`;

/** The variant's client: a required pod anti-affinity keeps it off the server's node, whichever that is. */
const awayFromServer: V1Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'client', labels: { app: 'client', role: 'probe' } },
  spec: {
    terminationGracePeriodSeconds: 1,
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'server' } }, topologyKey: 'kubernetes.io/hostname' }],
      },
    },
    containers: [{ name: 'shell', image: `docker.io/${toolbox}`, command: ['sleep', 'infinity'] }],
  },
};

export default defineExercise({
  title: 'From one node to another, pod to pod',
  hints: [
    '`kubectl get nodes` names the two workers. A pod\'s `spec.nodeName` puts it on a node you choose; `kubectl get pods -o wide` shows each pod\'s IP and node.',
    '`kubectl run` takes the node through `--overrides=\'{"spec":{"nodeName":"<worker>"}}\'`. The client needs something to keep it running: `kubectl run client --image=kubelab/toolbox:1.0 … -- sleep infinity`.',
    'Then `kubectl exec client -- curl -s http://<server\'s pod IP>:5000/` and read `kubectl logs server`: the request came from the client\'s own IP.',
  ],
  solution: `w1=${worker(0)}
w2=${worker(1)}
${runOn('server', web, '$w1')}
${runOn('client', toolbox, '$w2', ' -- sleep infinity')}
${ready}
kubectl get pods -o wide
kubectl exec client -- curl -s http://${serverIp}:5000/
kubectl logs server --tail=1`,
  cleanup: deletes('pod/server', 'pod/client', 'pod/tmp'),
  variants: [
    {
      name: 'YAML: the server by nodeSelector on the other worker, the client kept away by pod anti-affinity, another path',
      apply: `w2=${worker(1)}
kubectl run server --image=docker.io/${web} --labels=app=server --overrides="{\\"spec\\":{\\"nodeSelector\\":{\\"kubernetes.io/hostname\\":\\"$w2\\"}}}"
kubectl wait --for=condition=Ready pod/server --timeout=120s
${apply(awayFromServer)}
${ready}
kubectl exec client -- curl -s http://${serverIp}:5000/api/v1/info`,
    },
  ],
  nearMisses: [
    {
      name: 'both pods pinned to the same worker',
      apply: `w1=${worker(0)}
${runOn('server', web, '$w1')}
${runOn('client', toolbox, '$w1', ' -- sleep infinity')}
${ready}
kubectl exec client -- curl -s http://${serverIp}:5000/`,
      failsOn: 'nodes',
    },
    {
      name: 'the request sent from a throwaway pod instead of client',
      apply: `${apart}
${ready}
kubectl run tmp --image=${toolbox} --restart=Never -- curl -s http://${serverIp}:5000/
kubectl wait --for=jsonpath='{.status.phase}'=Succeeded pod/tmp --timeout=120s`,
      failsOn: 'seen',
    },
    {
      name: 'curl to the pod IP on port 80: nothing listens there',
      apply: `${apart}
${ready}
kubectl exec client -- curl -s -m 5 http://${serverIp}/ || true`,
      failsOn: 'seen',
    },
  ],
  check: async (cluster) => {
    const [server, client] = await Promise.all([pod.read(cluster, 'server'), pod.read(cluster, 'client')]);
    const log = await pod.log(cluster, server);
    // Other pods' addresses, so a request from the wrong pod is named in the criterion.
    const pods = (await cluster.core.listNamespacedPod({ namespace: 'default' })).items;
    const owners = new Map(pods.filter((p) => p.status?.podIP).map((p) => [p.status!.podIP!, `pod ${p.metadata?.name} on ${p.spec?.nodeName ?? 'no node'}`]));
    return [
      pod.running(server, { id: 'server', description: 'A pod `server` is Running and ready', hint: `\`kubectl run server --image=${web}\`, on the node of your choice; \`kubectl describe pod server\` says why one does not start.` }),
      pod.running(client, {
        id: 'client',
        description: 'A pod `client` is Running and ready',
        hint: 'A toolbox container with nothing to do exits at once: give it a command that lasts, `-- sleep infinity`.',
      }),
      clusterNetwork.apart([server, 'server'], [client, 'client']),
      clusterNetwork.requestFrom(log, [server, 'server'], [client, 'client'], owners, {
        description: '`server` logged a request from `client`\'s own pod IP: across nodes, with no address translation on the way',
      }),
    ];
  },
});
