import { apply, config, defineExercise, deletes, environmentOf, pod, readReferencedObjects, type V1Container, type V1Pod } from '@kubelab/labs';

const settings = { LOG_LEVEL: 'debug', GREETING: 'hello' };

function settingsPod(container: Omit<V1Container, 'name' | 'image'>, image = 'kubelab/web:1.0'): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'settings', labels: { app: 'settings' } },
    spec: { containers: [{ name: 'web', image, ...container }] },
  };
}

const ready = 'kubectl wait --for=condition=Ready pod/settings --timeout=120s';

export default defineExercise({
  title: 'Settings from a ConfigMap',
  hints: [
    '`kubectl create configmap web-settings --from-literal=KEY=value` takes one `--from-literal` per key.',
    '`kubectl run` cannot read a ConfigMap into the environment. Write the pod as YAML (`kubectl run settings --image=kubelab/web:1.0 --dry-run=client -o yaml` gives a start) and add `envFrom: [{configMapRef: {name: web-settings}}]` to the container.',
    'A pod\'s environment cannot be edited in place: `kubectl delete pod settings`, then apply your manifest again. `kubectl exec settings -- env` shows what the container got.',
  ],
  solution: `kubectl create configmap web-settings --from-literal=LOG_LEVEL=debug --from-literal=GREETING=hello
${apply(settingsPod({ envFrom: [{ configMapRef: { name: 'web-settings' } }] }))}
${ready}`,
  cleanup: deletes('pod/settings', 'configmap/web-settings'),
  variants: [
    {
      name: 'one configMapKeyRef per variable, the ConfigMap from an env file, the image with its registry',
      apply: `printf 'LOG_LEVEL=debug\\nGREETING=hello\\n' > settings.env
kubectl create configmap web-settings --from-env-file=settings.env
${apply(
  settingsPod(
    {
      env: [
        { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'web-settings', key: 'GREETING' } } },
        { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: 'web-settings', key: 'LOG_LEVEL' } } },
      ],
    },
    'docker.io/kubelab/web:1.0',
  ),
)}
${ready}`,
    },
  ],
  nearMisses: [
    {
      name: 'the values typed into the pod as literals',
      apply: `kubectl create configmap web-settings --from-literal=LOG_LEVEL=debug --from-literal=GREETING=hello
kubectl run settings --image=kubelab/web:1.0 --env=LOG_LEVEL=debug --env=GREETING=hello
${ready}`,
      failsOn: 'env-source',
    },
    {
      name: 'envFrom with a prefix (APP_LOG_LEVEL, APP_GREETING)',
      apply: `kubectl create configmap web-settings --from-literal=LOG_LEVEL=debug --from-literal=GREETING=hello
${apply(settingsPod({ envFrom: [{ configMapRef: { name: 'web-settings' }, prefix: 'APP_' }] }))}
${ready}`,
      failsOn: 'env-source',
    },
    {
      name: 'the ConfigMap keys in lower case',
      apply: `kubectl create configmap web-settings --from-literal=log_level=debug --from-literal=greeting=hello
${apply(settingsPod({ envFrom: [{ configMapRef: { name: 'web-settings' } }] }))}
${ready}`,
      failsOn: 'configmap',
    },
  ],
  check: async (cluster) => {
    const configMap = await config.readConfigMap(cluster, 'web-settings');
    const target = await pod.read(cluster, 'settings');
    const env = environmentOf(target?.spec?.containers[0], await readReferencedObjects(cluster, target?.spec));
    return [
      config.configMapData(configMap, 'web-settings', settings),
      pod.exists(target, 'settings'),
      pod.image(target, 'kubelab/web:1.0'),
      config.envFrom(
        env,
        { LOG_LEVEL: { configMap: 'web-settings', key: 'LOG_LEVEL' }, GREETING: { configMap: 'web-settings', key: 'GREETING' } },
        {
          description: 'The container reads `LOG_LEVEL` and `GREETING` from the ConfigMap `web-settings`, under the same names',
          hint: 'The values must come from the ConfigMap, not be typed into the pod: use `envFrom` with `configMapRef` (no prefix), or one `configMapKeyRef` per variable.',
        },
      ),
      pod.running(target),
    ];
  },
});
