import { api, apply, defineExercise, deletes, getOrNull, pod, type V1ConfigMap } from '@kubelab/labs';
import { curlApi, startProxy } from '../proxy.ts';

const webPod = apply({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'kubelab/web:1.0' }] },
});

/** GETs the pod through the proxy, as the learner does, and picks the fields with jq. */
const readPod = `${startProxy}
${curlApi('/api/v1/namespaces/default/pods/web')} > web.json
UID_=$(jq -r .metadata.uid web.json)
NODE=$(jq -r .spec.nodeName web.json)
POD_IP=$(jq -r .status.podIP web.json)
HOST_IP=$(jq -r .status.hostIP web.json)
VERSION=$(jq -r .metadata.resourceVersion web.json)`;

const create = (uid: string, node: string, ip: string) =>
  `kubectl create configmap anatomy --from-literal=uid="${uid}" --from-literal=node="${node}" --from-literal=pod-ip="${ip}"`;

export default defineExercise({
  title: 'Read an object the way the API serves it',
  hints: [
    'Start `kubectl proxy &`, then `curl -s localhost:8001/api/v1/namespaces/default/pods/web` returns the pod as JSON: metadata, spec and status.',
    'Pipe it into `jq .metadata`, `jq .spec.nodeName` or `jq .status` to see one part. The server filled in much of it: the uid, the node the scheduler chose, the address the network plugin gave.',
    '`kubectl create configmap anatomy --from-literal=uid=<uid> --from-literal=node=<node> --from-literal=pod-ip=<address>`.',
  ],
  setup: `${webPod}
kubectl wait --for=condition=Ready pod/web --timeout=120s`,
  solution: `${readPod}
${create('$UID_', '$NODE', '$POD_IP')}`,
  cleanup: deletes('configmap/anatomy', 'pod/web'),
  variants: [
    {
      name: 'kubectl get with jsonpath, written as YAML with the keys in another order',
      apply: `kubectl apply -f - <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: anatomy
data:
  pod-ip: "$(kubectl get pod web -o jsonpath='{.status.podIP}')"
  node: "$(kubectl get pod web -o jsonpath='{.spec.nodeName}')"
  uid: "$(kubectl get pod web -o jsonpath='{.metadata.uid}')"
YAML`,
    },
  ],
  nearMisses: [
    { name: 'the resourceVersion taken for the uid', apply: `${readPod}\n${create('$VERSION', '$NODE', '$POD_IP')}`, failsOn: 'uid' },
    { name: 'the node\'s address (status.hostIP) instead of the pod\'s', apply: `${readPod}\n${create('$UID_', '$NODE', '$HOST_IP')}`, failsOn: 'pod-ip' },
  ],
  check: async (cluster) => {
    const configMap: V1ConfigMap | null = await getOrNull(() => cluster.core.readNamespacedConfigMap({ name: 'anatomy', namespace: 'default' }));
    const web = await pod.read(cluster, 'web');
    const truth = (value: string | undefined) => value ?? 'unknown (pod web is missing: Reset the exercise)';
    return [
      api.exists(configMap, 'ConfigMap `anatomy` in namespace `default`'),
      api.dataEntry(configMap, 'uid', truth(web?.metadata?.uid), {
        id: 'uid',
        description: 'Under `uid`: the unique id the API server gave pod `web` (in its metadata)',
        hint: 'The uid is in `.metadata.uid`. `resourceVersion` is something else: it changes with every write to the object.',
      }),
      api.dataEntry(configMap, 'node', truth(web?.spec?.nodeName), {
        id: 'node',
        description: 'Under `node`: the node the scheduler put the pod on (in its spec)',
        hint: 'The scheduler writes its choice into `.spec.nodeName`.',
      }),
      api.dataEntry(configMap, 'pod-ip', truth(web?.status?.podIP), {
        id: 'pod-ip',
        description: 'Under `pod-ip`: the pod\'s own IP address (in its status)',
        hint: 'The status holds two addresses: `.status.podIP` is the pod\'s, `.status.hostIP` the node\'s.',
      }),
    ];
  },
});
