import { api, defineExercise, deletes, getOrNull, type V1ConfigMap } from '@kubelab/labs';
import { curlApi, startProxy } from '../proxy.ts';

const collection = '/api/v1/namespaces/default/configmaps';

const post = (greeting: string) => `${startProxy}
kubectl create configmap from-curl --from-literal=greeting=${greeting} --dry-run=client -o json > from-curl.json
${curlApi(collection, "-X POST -H 'Content-Type: application/json' --data @from-curl.json")}`;

export default defineExercise({
  title: 'POST an object with curl',
  hints: [
    '`kubectl create configmap from-curl --from-literal=greeting=hello --dry-run=client -o json` prints the object without sending it: that is the body to POST.',
    'Objects of a kind live in a collection: ConfigMaps of namespace default at `/api/v1/namespaces/default/configmaps`. With `kubectl proxy &` running, POST to `localhost:8001` plus that path.',
    '`curl -X POST -H \'Content-Type: application/json\' --data @from-curl.json localhost:8001/api/v1/namespaces/default/configmaps`.',
  ],
  solution: post('hello'),
  cleanup: deletes('configmap/from-curl'),
  variants: [
    {
      name: 'a YAML body, with a label',
      apply: `${startProxy}
cat > from-curl.yaml <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: from-curl
  labels: {sent-by: curl}
data:
  greeting: hello
YAML
${curlApi(collection, "-X POST -H 'Content-Type: application/yaml' --data-binary @from-curl.yaml")}`,
    },
  ],
  nearMisses: [
    { name: 'made with kubectl create instead of curl', apply: 'kubectl create configmap from-curl --from-literal=greeting=hello', failsOn: 'manager' },
    { name: 'POSTed with another greeting', apply: post('hi'), failsOn: 'data' },
  ],
  check: async (cluster) => {
    const configMap: V1ConfigMap | null = await getOrNull(() => cluster.core.readNamespacedConfigMap({ name: 'from-curl', namespace: 'default' }));
    return [
      api.exists(configMap, 'ConfigMap `from-curl` in namespace `default`'),
      api.dataEntry(configMap, 'greeting', 'hello'),
      api.managedBy(configMap, 'curl', {
        description: 'It was sent with curl: the API server names curl among the clients that wrote it (metadata.managedFields)',
        hint: 'The task is the HTTP request itself: the API server records each client by its User-Agent, and kubectl\'s is not curl\'s. Delete the ConfigMap and POST it with curl through `kubectl proxy`.',
      }),
    ];
  },
});
