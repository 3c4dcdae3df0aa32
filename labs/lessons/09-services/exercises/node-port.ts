import { apply, defineExercise, deletes, deployment, exposure, firstNode, service, type V1Deployment, type V1Service } from '@kubelab/labs';

const hello: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'hello', labels: { app: 'hello' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'hello' } },
    template: {
      metadata: { labels: { app: 'hello' } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'kubelab/web:1.0', ports: [{ containerPort: 5000 }] }] },
    },
  },
};

/** The starting point: reachable inside the cluster only. */
const helloService: V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'hello', labels: { app: 'hello' } },
  spec: { selector: { app: 'hello' }, ports: [{ port: 80, targetPort: 5000 }] },
};

const inCluster = 'http://hello.default.svc.cluster.local/';
const settle = `kubectl wait service/hello --for=jsonpath='{.spec.ports[0].nodePort}'=30080 --timeout=30s`;

export default defineExercise({
  title: 'Open the Service on every node',
  hints: [
    'A Service changes type in place: `kubectl edit service hello`, or `kubectl patch`. Its `spec.type` decides who can reach it.',
    'A NodePort Service keeps its cluster IP and `port`, and adds `nodePort` to the port entry: 30080 here. Without it, Kubernetes picks one from 30000–32767.',
    "`kubectl patch service hello -p '{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30080}]}}'`, then `curl http://$NODE_IP:30080/` from your terminal.",
  ],
  setup: `${apply([hello, helloService])}
kubectl rollout status deployment/hello --timeout=120s`,
  solution: `kubectl patch service hello -p '{"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}}'
${settle}`,
  cleanup: `${deletes('service/hello', 'service/hello-outside', 'deployment/hello')}
kubectl delete pods -l app=hello --ignore-not-found --grace-period=1 --wait`,
  variants: [
    {
      name: 'deleted and made again with kubectl create service nodeport',
      apply: `kubectl delete service hello
kubectl create service nodeport hello --tcp=80:5000 --node-port=30080
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'type NodePort without a nodePort: a random one is picked',
      apply: `kubectl patch service hello -p '{"spec":{"type":"NodePort"}}'`,
      failsOn: 'node-port',
    },
    {
      name: 'a second Service made with kubectl create service nodeport (its selector app=hello-outside matches nothing)',
      apply: 'kubectl create service nodeport hello-outside --tcp=80:5000 --node-port=30080',
      failsOn: 'node-port',
    },
  ],
  check: async (cluster, signal) => {
    const [svc, app, node] = await Promise.all([service.read(cluster, 'hello'), deployment.read(cluster, 'hello'), firstNode(cluster)]);
    const nodeIp = exposure.nodeInternalIp(node);
    const ready = svc ? await exposure.awaitReadyAddresses(cluster, 'hello', 2, { signal }) : [];
    const criteria = [
      service.exists(svc, 'hello'),
      service.nodePort(svc, { port: 80, nodePort: 30080, targetPort: 5000, pods: app }),
      service.endpoints(ready, 2),
    ];
    const nodeUrl = `http://${nodeIp ?? '<node>'}:30080/`;
    // One probe pod asks both ways in: through a node's address, as an outside client would, and by the Service's name.
    const [outside, inside] = criteria.every((c) => c.passed) && nodeIp
      ? await exposure.httpAfterSync(cluster, [nodeUrl, inCluster], { signal })
      : ['the criteria above must pass first', 'the criteria above must pass first'];
    return [
      ...criteria,
      exposure.answeredBy(outside!, 'hello-', {
        id: 'node-http',
        description: `A GET of ${nodeUrl} (the node's InternalIP, port 30080) is answered by a pod of \`hello\``,
        hint: 'From your terminal: `NODE_IP=$(kubectl get nodes -o jsonpath=\'{.items[0].status.addresses[?(@.type=="InternalIP")].address}\')`, then `curl -sS http://$NODE_IP:30080/`.',
      }),
      exposure.answeredBy(inside!, 'hello-', { description: `Clients inside the cluster still reach it at ${inCluster} (port 80)` }),
    ];
  },
  timeoutMs: 60_000,
});
