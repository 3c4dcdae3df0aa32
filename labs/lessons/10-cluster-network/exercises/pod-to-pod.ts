import { defineExercise, deletes, pod, runProbe, shellQuote, webRequests, type Criterion } from '@kubelab/labs';
import { findWorker, toolboxImage, webImage } from '../shared.ts';

/** `far` runs on the last worker; the learner's `client` must run elsewhere. */
const setup = `${findWorker}
kubectl run far --image=${webImage} --labels=app=far --overrides="{\\"apiVersion\\":\\"v1\\",\\"spec\\":{\\"nodeSelector\\":{\\"kubernetes.io/hostname\\":\\"$WORKER\\"}}}"
kubectl wait --for=condition=Ready pod/far --timeout=120s`;

/** Sets OTHER to a worker that is not far's node, and FAR_IP to far's pod IP. */
const findOther = `FAR_NODE=$(kubectl get pod far -o jsonpath='{.spec.nodeName}')
OTHER=$(kubectl get nodes -l '!node-role.kubernetes.io/control-plane' -o jsonpath='{range .items[*]}{.metadata.name}{"\\n"}{end}' | grep -vx "$FAR_NODE" | head -n 1)
FAR_IP=$(kubectl get pod far -o jsonpath='{.status.podIP}')`;

const runClient = (node: string) => `kubectl run client --image=${toolboxImage} --overrides="{\\"apiVersion\\":\\"v1\\",\\"spec\\":{\\"nodeName\\":\\"${node}\\"}}" -- sleep infinity
kubectl wait --for=condition=Ready pod/client --timeout=120s`;

export default defineExercise({
  title: 'From one node to a pod on another',
  hints: [
    '`kubectl get pods -o wide` shows every pod\'s IP and node. A pod\'s IP is reachable from every other pod, on any node, as it is.',
    'Put `client` on another node with `spec.nodeName` (in YAML, or `kubectl run … --overrides=\'{"apiVersion":"v1","spec":{"nodeName":"<node>"}}\'`), and keep it running with `-- sleep infinity`.',
    '`kubectl exec client -- curl -s http://<far\'s IP>:5000/api/v1/info`, then `kubectl logs far`: the last line names the address the request came from. Compare it with client\'s IP.',
  ],
  setup,
  solution: `${findOther}
${runClient('$OTHER')}
kubectl exec client -- curl -s "http://$FAR_IP:5000/api/v1/info"`,
  cleanup: deletes('pod/client', 'pod/far'),
  timeoutMs: 60_000,
  variants: [
    {
      name: 'hand-written YAML with a nodeSelector, extra labels, the image with its registry; GET /',
      apply: `${findOther}
kubectl apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: client, labels: {app: client, tier: debug}}
spec:
  nodeSelector: {kubernetes.io/hostname: $OTHER}
  containers: [{name: shell, image: docker.io/${toolboxImage}, command: [sleep, infinity]}]
YAML
kubectl wait --for=condition=Ready pod/client --timeout=120s
kubectl exec client -- curl -s "http://$FAR_IP:5000/"`,
    },
  ],
  nearMisses: [
    {
      name: 'client on the same node as far',
      apply: `${findOther}
${runClient('$FAR_NODE')}
kubectl exec client -- curl -s "http://$FAR_IP:5000/api/v1/info"`,
      failsOn: 'other-node',
    },
    {
      name: 'far\'s node address (its InternalIP) instead of the pod\'s IP',
      apply: `${findOther}
${runClient('$OTHER')}
NODE_IP=$(kubectl get node "$FAR_NODE" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')
kubectl exec client -- curl -s -m 3 "http://$NODE_IP:5000/api/v1/info" || true`,
      failsOn: 'request',
    },
  ],
  check: async (cluster, signal) => {
    const [far, client] = await Promise.all([pod.read(cluster, 'far'), pod.read(cluster, 'client')]);
    const farNode = far?.spec?.nodeName;
    const farIp = far?.status?.podIP;
    const clientNode = client?.spec?.nodeName;
    const clientIp = client?.status?.podIP;

    const otherNode: Criterion<'other-node'> = {
      id: 'other-node',
      description: 'client runs on another node than far',
      passed: Boolean(clientNode && farNode && clientNode !== farNode),
      expected: farNode ? `a node other than ${farNode}` : 'far running on a node (Reset the exercise if far is gone)',
      actual: client ? (clientNode ? `client on ${clientNode}` : 'client not scheduled yet') : 'no pod client',
      hint: 'The scheduler picks a node by itself. Name one with `spec.nodeName` (or a nodeSelector on `kubernetes.io/hostname`), and pick a node that `kubectl get pod far -o wide` does not show.',
    };

    // What far's own log says: every request, with the address it came from.
    const requests = far ? webRequests(await pod.log(cluster, far)) : [];
    const fromClient = clientIp ? requests.filter((r) => r.from === clientIp) : [];
    const seen = requests.slice(-3).map((r) => `${r.method} ${r.path} from ${r.from}`);
    const request: Criterion<'request'> = {
      id: 'request',
      description: 'far\'s log shows a request that came from client\'s own pod IP',
      passed: fromClient.length > 0,
      expected: clientIp ? `a request from ${clientIp} (client's IP)` : 'a request from client\'s IP',
      actual: fromClient.length
        ? `${fromClient.at(-1)!.method} ${fromClient.at(-1)!.path} from ${clientIp}`
        : seen.length
          ? `only ${seen.join('; ')}`
          : 'no request in far\'s log',
      hint: `Send the request from inside client, to far's pod IP${farIp ? ` (${farIp})` : ''} on port 5000: \`kubectl exec client -- curl -s http://<far's IP>:5000/api/v1/info\`. A node's address is not a pod's.`,
    };

    // The checker's own proof that the network is flat: a probe on another node than far's asks far directly,
    // by its pod IP, and far sees the probe's own address.
    let direct: Criterion<'no-nat'>;
    if (!far || !farIp || !farNode) {
      direct = { id: 'no-nat', description: 'A pod on another node reaches far at its pod IP, and far sees that pod\'s own address', passed: false, expected: 'far running with a pod IP', actual: far ? 'far has no IP yet' : 'no pod far (Reset the exercise)' };
    } else {
      const probeNode = clientNode && clientNode !== farNode ? clientNode : undefined;
      const nodes = probeNode ? [probeNode] : (await cluster.core.listNode()).items.map((n) => n.metadata!.name!).filter((n) => n !== farNode);
      const path = `/kubelab-probe-${Math.random().toString(36).slice(2, 10)}`;
      const url = `http://${farIp}:5000${path}`;
      const probe = await runProbe(cluster, `echo "ip:$(hostname -i)"; echo "code:$(curl -s -o /dev/null -w '%{http_code}' --connect-timeout 3 -m 5 ${shellQuote(url)})"`, {
        node: nodes[0],
        timeoutSeconds: 20,
        signal,
      });
      const probeIp = /^ip:(\S+)/m.exec(probe.output)?.[1] ?? '';
      const code = /^code:(\d{3})/m.exec(probe.output)?.[1] ?? '000';
      const arrived = webRequests(await pod.log(cluster, far)).filter((r) => r.path === path);
      const sawFrom = arrived.at(-1)?.from;
      direct = {
        id: 'no-nat',
        description: 'A pod on another node reaches far at its pod IP, and far sees that pod\'s own address (no NAT)',
        passed: code !== '000' && sawFrom !== undefined && sawFrom === probeIp,
        expected: `GET ${url} from ${probe.from} (${probeIp || 'its IP'}) arrives from ${probeIp || 'that IP'}`,
        actual:
          probe.exitCode === null
            ? 'the probe did not finish in time'
            : code === '000'
              ? 'no answer from far'
              : `HTTP ${code}; far saw it from ${sawFrom ?? 'nowhere (not in its log)'}`,
        hint: 'The checker\'s own probe could not reach far across nodes: is far running (`kubectl get pod far -o wide`)? Reset the exercise to start far again.',
      };
    }
    return [pod.exists(client, 'client'), pod.running(client), otherNode, request, direct];
  },
});
