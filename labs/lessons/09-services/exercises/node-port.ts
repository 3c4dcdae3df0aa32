import { apply, defineExercise, deletes, deployment, eventually, getFromNodePort, service, type Criterion } from '@kubelab/labs';
import { health, waitForEndpoints, webDeployment } from '../shared.ts';

const labels = { app: 'front' };
const settle = waitForEndpoints('front', 2);

export default defineExercise({
  title: 'Open a NodePort: 30080',
  hints: [
    '`kubectl create service nodeport --help`, or `kubectl expose` with `--type=NodePort`. Either way, look for the flag that fixes the node port.',
    'Three numbers: `port: 80` (the Service), `targetPort: 5000` (the pod), `nodePort: 30080` (every node). `kubectl expose` has no flag for the last one; `kubectl create service nodeport` has `--node-port`.',
    '`kubectl create service nodeport front --tcp=80:5000 --node-port=30080` (its selector is `app=front`, which the pods carry). Then `curl http://<node InternalIP>:30080/api/v1/health`.',
  ],
  setup: `${apply(webDeployment('front', labels))}
kubectl rollout status deployment/front --timeout=120s`,
  solution: `kubectl create service nodeport front --tcp=80:5000 --node-port=30080
${settle}`,
  cleanup: deletes('service/front', 'deployment/front'),
  variants: [
    {
      name: 'kubectl expose --type=NodePort, then the random node port patched to 30080',
      apply: `kubectl expose deployment front --type=NodePort --port=80 --target-port=5000
kubectl patch service front -p '{"spec":{"ports":[{"port":80,"nodePort":30080}]}}'
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'no node port given, so Kubernetes picks a random one',
      apply: `kubectl expose deployment front --type=NodePort --port=80 --target-port=5000
${settle}`,
      failsOn: 'node-port',
    },
    {
      name: '--port=30080: the Service listens on 30080, the node port is still random',
      apply: `kubectl expose deployment front --type=NodePort --port=30080 --target-port=5000
${settle}`,
      failsOn: 'from-host',
    },
  ],
  timeoutMs: 20_000,
  check: async (cluster, signal) => {
    const front = await deployment.read(cluster, 'front');
    const svc = await service.read(cluster, 'front');
    const criteria = [service.exists(svc, 'front'), service.nodePort(svc, { port: 80, nodePort: 30080, targetPort: 5000, pods: front }), service.selects(svc, front)];
    // From the checker's own process, outside the cluster: the node's address and the node port, as a browser would.
    const answer =
      (await eventually(async () => {
        const got = await getFromNodePort(cluster, { nodePort: 30080, path: health, timeoutMs: 2_000, signal });
        return got.status === 200 && got.body.includes('"status":"OK"') ? got : undefined;
      }, { timeoutMs: svc ? 4_000 : 0, signal })) ?? (await getFromNodePort(cluster, { nodePort: 30080, path: health, timeoutMs: 2_000, signal }));
    const fromHost: Criterion<'from-host'> = {
      id: 'from-host',
      description: `From outside the cluster, port 30080 of the node answers \`{"status":"OK"}\` at \`${health}\``,
      passed: answer.status === 200 && answer.body.includes('"status":"OK"'),
      expected: `HTTP 200 {"status":"OK"} at ${answer.url ?? `<node>:30080${health}`}`,
      actual: answer.status !== undefined ? `${answer.summary}: ${answer.body.trim().slice(0, 100)}` : answer.summary,
      hint: 'Try it yourself: `curl http://$(kubectl get nodes -o jsonpath=\'{.items[0].status.addresses[0].address}\'):30080/api/v1/health`. Refused means no Service holds node port 30080; `kubectl get service front` shows `80:<node port>/TCP`.',
    };
    return [...criteria, fromHost];
  },
});
