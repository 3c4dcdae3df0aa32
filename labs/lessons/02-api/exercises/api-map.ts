import { api, apply, defineExercise, deletes, getOrNull, type V1ConfigMap } from '@kubelab/labs';

/** kubectl api-resources prints NAME [SHORTNAMES] APIVERSION NAMESPACED KIND: read from the right, the short names may be missing. */
const lookUp = `INGRESS=$(kubectl api-resources | awk '$NF == "Ingress" { print $(NF-2) }')
CRONJOB=$(kubectl api-resources | awk '$NF == "CronJob" { print $(NF-2) }')
PV_NAMESPACED=$(kubectl api-resources | awk '$NF == "PersistentVolume" { print $(NF-1) }')`;

const create = (ingress: string, cronjob: string, namespaced: string) =>
  `kubectl create configmap api-map --from-literal=ingress="${ingress}" --from-literal=cronjob="${cronjob}" --from-literal=persistentvolume-namespaced="${namespaced}"`;

export default defineExercise({
  title: 'Find your way around the API',
  hints: [
    '`kubectl api-resources` lists every kind the API server serves, with its API version and whether it is namespaced; `kubectl api-versions` lists the group versions.',
    'The apiVersion you write in a manifest is the group and the version: `networking.k8s.io/v1`, or only `v1` for the core group. `kubectl explain ingress` shows it too (GROUP and VERSION at the top).',
    '`kubectl create configmap api-map --from-literal=ingress=<apiVersion> --from-literal=cronjob=<apiVersion> --from-literal=persistentvolume-namespaced=<true|false>`.',
  ],
  solution: `${lookUp}
${create('$INGRESS', '$CRONJOB', '$PV_NAMESPACED')}`,
  cleanup: deletes('configmap/api-map'),
  variants: [
    {
      name: 'hand-written YAML, False with a capital, one more key',
      apply: apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'api-map', labels: { lesson: 'api' } },
        data: { cronjob: 'batch/v1', 'persistentvolume-namespaced': 'False', ingress: 'networking.k8s.io/v1', deployment: 'apps/v1' },
      }),
    },
  ],
  nearMisses: [
    { name: 'Ingress under extensions/v1beta1, as old tutorials write it', apply: `${lookUp}\n${create('extensions/v1beta1', '$CRONJOB', '$PV_NAMESPACED')}`, failsOn: 'ingress' },
    { name: 'CronJob under batch/v1beta1 (removed in 1.25)', apply: `${lookUp}\n${create('$INGRESS', 'batch/v1beta1', '$PV_NAMESPACED')}`, failsOn: 'cronjob' },
    { name: 'PersistentVolumes taken for namespaced, like their claims', apply: `${lookUp}\n${create('$INGRESS', '$CRONJOB', 'true')}`, failsOn: 'namespaced' },
  ],
  check: async (cluster) => {
    const configMap: V1ConfigMap | null = await getOrNull(() => cluster.core.readNamespacedConfigMap({ name: 'api-map', namespace: 'default' }));
    const [ingress, cronjob, persistentVolumes] = await Promise.all([
      api.preferredGroupVersion(cluster, 'networking.k8s.io'),
      api.preferredGroupVersion(cluster, 'batch'),
      api.discoverResource(cluster, 'v1', 'persistentvolumes'),
    ]);
    const namespaced = String(persistentVolumes?.namespaced ?? 'unknown');
    return [
      api.exists(configMap, 'ConfigMap `api-map` in namespace `default`'),
      api.dataEntry(configMap, 'ingress', ingress ?? 'unknown', {
        id: 'ingress',
        description: 'Under `ingress`: the apiVersion a manifest of an Ingress uses on this cluster',
        hint: '`kubectl api-resources | grep -i ingress` shows the APIVERSION column. Ingress left extensions/v1beta1 long ago; old tutorials still show it.',
      }),
      api.dataEntry(configMap, 'cronjob', cronjob ?? 'unknown', {
        id: 'cronjob',
        description: 'Under `cronjob`: the apiVersion of a CronJob',
        hint: '`kubectl explain cronjob | head` names its group and version.',
      }),
      api.dataEntry(configMap, 'persistentvolume-namespaced', namespaced, {
        id: 'namespaced',
        matches: (value) => value.toLowerCase() === namespaced,
        description: 'Under `persistentvolume-namespaced`: whether a PersistentVolume lives in a namespace (true or false)',
        hint: '`kubectl api-resources --namespaced=false` lists the kinds that belong to the whole cluster.',
      }),
    ];
  },
});
