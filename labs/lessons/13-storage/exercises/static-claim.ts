import { apply, defineExercise, storage, type V1PersistentVolume, type V1PersistentVolumeClaim } from '@kubelab/labs';

const volumeName = 'manual-pv';
const claimName = 'manual-claim';

function volume(options: { labels?: Record<string, string>; accessModes?: string[] } = {}): V1PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: volumeName, ...(options.labels ? { labels: options.labels } : {}) },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: options.accessModes ?? ['ReadWriteOnce'],
      storageClassName: 'manual',
      hostPath: { path: '/tmp/kubelab-manual-pv', type: 'DirectoryOrCreate' },
    },
  };
}

function claim(options: { size?: string; accessModes?: string[]; className?: string | null; selector?: Record<string, string> } = {}): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claimName },
    spec: {
      accessModes: options.accessModes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: options.size ?? '500Mi' } },
      ...(options.className === null ? {} : { storageClassName: options.className ?? 'manual' }),
      ...(options.selector ? { selector: { matchLabels: options.selector } } : {}),
    },
  };
}

/** A claim binds within a second or two of the volume controller's next pass; a wrong one stays Pending. */
const settle = `for i in $(seq 1 20); do [ "$(kubectl get pvc ${claimName} -o jsonpath='{.status.phase}')" = Bound ] && break; sleep 1; done`;

export default defineExercise({
  title: 'A volume by hand, and a claim that finds it',
  hints: [
    'Two objects: a PersistentVolume (cluster-wide, the disk) and a PersistentVolumeClaim (in `default`, the request). `kubectl explain pv.spec` and `kubectl explain pvc.spec` list their fields.',
    'The volume: `capacity: {storage: 1Gi}`, `accessModes: [ReadWriteOnce]`, `storageClassName: manual` and `hostPath: {path: /tmp/kubelab-manual-pv}`. The claim asks for `500Mi`, `ReadWriteOnce`, and the same `storageClassName: manual`.',
    'A claim without `storageClassName` gets the default class, which makes a new volume for it instead: write `storageClassName: manual` in both. `kubectl get pv,pvc` shows who bound to whom.',
  ],
  solution: `kubectl apply -f - <<'EOF'
apiVersion: v1
kind: PersistentVolume
metadata:
  name: ${volumeName}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: /tmp/kubelab-manual-pv, type: DirectoryOrCreate}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${claimName}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  resources:
    requests: {storage: 500Mi}
EOF
${settle}`,
  cleanup: `kubectl delete pvc ${claimName} --ignore-not-found --wait --timeout=60s
kubectl delete pv ${volumeName} --ignore-not-found --wait --timeout=60s`,
  variants: [
    {
      name: 'the claim picks the volume by label, asks for the whole 1Gi, and the volume also allows ReadOnlyMany',
      apply: `${apply([volume({ labels: { disk: 'manual' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }), claim({ size: '1Gi', selector: { disk: 'manual' } })])}
${settle}`,
    },
  ],
  nearMisses: [
    { name: 'the claim without storageClassName: the default class takes it', apply: `${apply([volume(), claim({ className: null })])}\n${settle}`, failsOn: 'volume' },
    { name: 'the claim asks for 2Gi, more than the volume has', apply: `${apply([volume(), claim({ size: '2Gi' })])}\n${settle}`, failsOn: 'bound' },
    { name: 'the claim asks for ReadWriteMany, which the volume does not offer', apply: `${apply([volume(), claim({ accessModes: ['ReadWriteMany'] })])}\n${settle}`, failsOn: 'bound' },
  ],
  check: async (cluster) => {
    const [pv, pvc] = await Promise.all([storage.readVolume(cluster, volumeName), storage.readClaim(cluster, claimName)]);
    const why = await storage.claimWhy(cluster, pvc);
    return [
      storage.volumeExists(pv, volumeName),
      storage.claimExists(pvc, claimName),
      storage.bound(pvc, why),
      storage.boundTo(pvc, volumeName),
    ];
  },
});
