import { apply, defineExercise, pod, storage, type V1PersistentVolumeClaim, type V1Pod } from '@kubelab/labs';

const image = 'kubelab/toolbox:1.0';
const text = 'kubelab notes';

function claim(options: { className?: string; size?: string } = {}): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'notes' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: options.size ?? '100Mi' } },
      ...(options.className !== undefined ? { storageClassName: options.className } : {}),
    },
  };
}

function app(options: { mountPath?: string; writeTo?: string } = {}): V1Pod {
  const mountPath = options.mountPath ?? '/data';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'notes-app' },
    spec: {
      volumes: [{ name: 'notes', persistentVolumeClaim: { claimName: 'notes' } }],
      containers: [
        {
          name: 'app',
          image,
          command: ['sh', '-c', `echo "${text}" > ${options.writeTo ?? mountPath}/notes.txt; sleep infinity`],
          volumeMounts: [{ name: 'notes', mountPath }],
        },
      ],
    },
  };
}

const waitForApp = 'kubectl wait --for=condition=Ready pod/notes-app --timeout=150s';
const waitForClaim = `for i in $(seq 1 15); do [ "$(kubectl get pvc notes -o jsonpath='{.status.phase}')" = Bound ] && break; sleep 1; done`;

export default defineExercise({
  title: 'Storage on demand',
  hints: [
    'A claim that names no `storageClassName` gets the default StorageClass (`kubectl get storageclass` marks it "(default)"), and that class makes a volume for it: no PersistentVolume to write by hand.',
    'The claim: `accessModes: [ReadWriteOnce]`, `resources: {requests: {storage: 100Mi}}`. The pod lists it under `spec.volumes` (`persistentVolumeClaim: {claimName: notes}`) and mounts it at `/data`.',
    'This class waits for the first pod that uses the claim before it makes the volume (`volumeBindingMode: WaitForFirstConsumer`): a claim alone stays Pending. Write `/data/notes.txt` from the pod\'s command: `echo "kubelab notes" > /data/notes.txt; sleep infinity`.',
  ],
  solution: `kubectl apply -f - <<'EOF'
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: notes
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 100Mi}
---
apiVersion: v1
kind: Pod
metadata:
  name: notes-app
spec:
  volumes:
    - name: notes
      persistentVolumeClaim: {claimName: notes}
  containers:
    - name: app
      image: ${image}
      command: [sh, -c, 'echo "${text}" > /data/notes.txt; sleep infinity']
      volumeMounts:
        - {name: notes, mountPath: /data}
EOF
${waitForApp}`,
  cleanup: `kubectl delete pod notes-app --ignore-not-found --grace-period=1 --wait --timeout=60s
kubectl delete pvc notes --ignore-not-found --wait --timeout=90s`,
  variants: [
    {
      name: 'the default class named (standard), 200Mi, mounted at /var/notes',
      apply: `${apply([claim({ className: 'standard', size: '200Mi' }), app({ mountPath: '/var/notes' })])}
${waitForApp}`,
    },
  ],
  nearMisses: [
    { name: 'the claim alone, with no pod to use it', apply: `${apply(claim())}\n${waitForClaim}`, failsOn: 'bound' },
    {
      name: 'storageClassName: "" (no class: only a volume written by hand could bind)',
      apply: `${apply(claim({ className: '' }))}\n${waitForClaim}`,
      failsOn: 'bound',
    },
    { name: 'the pod writes to /tmp, beside the mount', apply: `${apply([claim(), app({ writeTo: '/tmp' })])}\n${waitForApp}`, failsOn: 'data' },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const [pvc, target, classes] = await Promise.all([storage.readClaim(cluster, 'notes'), pod.read(cluster, 'notes-app'), storage.classes(cluster)]);
    const why = await storage.claimWhy(cluster, pvc);
    const volume = pvc?.spec?.volumeName ? await storage.readVolume(cluster, pvc.spec.volumeName) : null;
    const defaultClass = storage.defaultClass(classes)?.metadata?.name;
    const provisioned = volume?.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'];
    const bound = pvc?.status?.phase === 'Bound';
    const read = bound ? await storage.readFromClaim(cluster, 'notes', 'notes.txt', { signal }) : { summary: 'not read: the claim is not bound' };
    return [
      storage.claimExists(pvc, 'notes'),
      storage.bound(pvc, why),
      {
        id: 'provisioned' as const,
        description: `Its volume was made for it by the default StorageClass${defaultClass ? ` (\`${defaultClass}\`)` : ''}`,
        passed: volume !== null && provisioned !== undefined && volume.spec?.storageClassName === defaultClass,
        expected: `a volume of class ${defaultClass ?? '(the default)'}, provisioned for the claim`,
        actual: volume ? `${volume.metadata?.name}: class ${volume.spec?.storageClassName || '""'}${provisioned ? `, made by ${provisioned}` : ', written by hand'}` : 'no volume yet',
        hint: 'Leave `storageClassName` out of the claim (or name the default class): the class\'s provisioner then makes the volume.',
      },
      storage.mountsClaim(target, 'notes'),
      pod.running(target),
      {
        id: 'data' as const,
        description: `\`notes.txt\` on the claim holds \`${text}\``,
        passed: read.content?.includes(text) === true,
        expected: text,
        actual: read.summary,
        hint: 'Only what is written under the mount path lands on the claim: with `mountPath: /data`, write `/data/notes.txt`.',
      },
    ];
  },
});
