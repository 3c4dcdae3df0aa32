import { apply, defineExercise, describeVolume, pod, storage } from '@kubelab/labs';

const image = 'kubelab/toolbox:1.0';

/** The volume bound to (or once bound to) the claim `archive`, by name, for the scripts. */
const volumeOfArchive = `kubectl get pv -o jsonpath='{range .items[?(@.spec.claimRef.name=="archive")]}{.metadata.name}{"\\n"}{end}' | head -1`;

const retain = `kubectl patch pv "$(${volumeOfArchive})" -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'`;
const deleteBoth = `kubectl delete pod archiver --grace-period=1 --wait --timeout=60s
kubectl delete pvc archive --wait --timeout=60s`;
/**
 * Until the claim's volume is settled: gone (the provisioner deletes a Delete volume a few seconds after its claim,
 * through a helper pod), or Released and kept.
 */
const settle = `for i in $(seq 1 45); do
  VOLUME=$(${volumeOfArchive})
  [ -z "$VOLUME" ] && break
  [ "$(kubectl get pv "$VOLUME" -o jsonpath='{.status.phase}/{.spec.persistentVolumeReclaimPolicy}')" = Released/Retain ] && break
  sleep 1
done`;

export default defineExercise({
  title: 'Delete the claim, keep the data',
  hints: [
    'What happens to a volume when its claim is deleted is the volume\'s reclaim policy (`kubectl get pv` shows it in RECLAIM POLICY). The default class makes volumes with `Delete`.',
    'Change the volume, not the claim: `kubectl patch pv <volume> -p \'{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}\'`. `kubectl get pvc archive` names its volume.',
    'Then delete the pod first (a claim in use waits for its pods) and the claim: `kubectl delete pod archiver` and `kubectl delete pvc archive`. The volume stays, Released.',
  ],
  setup: `${apply([
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'archive' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Mi' } } },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'archiver' },
      spec: {
        volumes: [{ name: 'archive', persistentVolumeClaim: { claimName: 'archive' } }],
        containers: [{ name: 'archiver', image, command: ['sh', '-c', 'date > /archive/report.txt; sleep infinity'], volumeMounts: [{ name: 'archive', mountPath: '/archive' }] }],
      },
    },
  ])}
kubectl wait --for=condition=Ready pod/archiver --timeout=150s`,
  solution: `VOLUME=$(kubectl get pvc archive -o jsonpath='{.spec.volumeName}')
kubectl patch pv "$VOLUME" -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'
kubectl delete pod archiver
kubectl delete pvc archive
${settle}`,
  cleanup: `kubectl delete pod archiver --ignore-not-found --grace-period=1 --wait --timeout=60s
kubectl delete pvc archive --ignore-not-found --wait --timeout=60s
for volume in $(${volumeOfArchive}); do kubectl delete pv "$volume" --wait --timeout=60s; done`,
  variants: [
    {
      name: 'a JSON patch, and both deleted in one command without waiting',
      apply: `kubectl patch pv "$(${volumeOfArchive})" --type=json -p '[{"op":"replace","path":"/spec/persistentVolumeReclaimPolicy","value":"Retain"}]'
kubectl delete pod/archiver pvc/archive --wait=false
kubectl wait --for=delete pod/archiver pvc/archive --timeout=90s
${settle}`,
    },
  ],
  nearMisses: [
    { name: 'the claim deleted with its volume still on Delete', apply: `${deleteBoth}\n${settle}`, failsOn: 'kept' },
    { name: 'the volume set to Retain, but the claim kept', apply: retain, failsOn: 'claim-deleted' },
  ],
  check: async (cluster) => {
    const [pvc, archiver, volumes] = await Promise.all([storage.readClaim(cluster, 'archive'), pod.read(cluster, 'archiver'), storage.listVolumes(cluster)]);
    const kept = storage.volumesOfClaim(volumes, 'archive', 'default')[0];
    return [
      {
        id: 'claim-deleted' as const,
        description: 'The claim `archive` and the pod `archiver` are deleted',
        passed: pvc === null && archiver === null,
        expected: 'no claim archive, no pod archiver',
        actual: [pvc ? `claim archive is ${pvc.metadata?.deletionTimestamp ? 'being deleted (a pod still uses it)' : pvc.status?.phase}` : 'claim deleted', archiver ? 'pod archiver still there' : 'pod deleted'].join(', '),
        hint: 'Delete the pod, then the claim: `kubectl delete pod archiver`, `kubectl delete pvc archive`. A claim a pod still mounts waits, Terminating, until that pod is gone.',
      },
      {
        id: 'kept' as const,
        description: 'The volume the claim had is still there, with its data',
        passed: kept !== undefined,
        expected: 'a PersistentVolume whose claimRef is default/archive',
        actual: kept ? describeVolume(kept) : 'no volume that belonged to archive: it was deleted with its claim',
        hint: 'A volume with the `Delete` policy goes with its claim. Patch the volume to `Retain` before you delete the claim (the setup gives you a new one: Reset exercise).',
      },
      storage.reclaimPolicy(kept, 'Retain'),
    ];
  },
});
