import { apply, defineExercise, deletes, eventually, pod, type V1Pod } from '@kubelab/labs';

const image = 'kubelab/toolbox:1.0';
const message = 'hello from writer';

/** The two-container pod; the near-misses vary one thing each. */
function pair(options: { volume?: 'emptyDir' | 'two-emptyDirs' | 'hostPath'; writerPath?: string; readerPath?: string; readFrom?: string; memory?: boolean } = {}): V1Pod {
  const writerPath = options.writerPath ?? '/shared';
  const readerPath = options.readerPath ?? '/shared';
  const readFrom = options.readFrom ?? readerPath;
  const volume = options.volume ?? 'emptyDir';
  const source =
    volume === 'hostPath'
      ? { hostPath: { path: '/tmp/kubelab-pair', type: 'DirectoryOrCreate' } }
      : { emptyDir: options.memory ? { medium: 'Memory', sizeLimit: '16Mi' } : {} };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pair' },
    spec: {
      volumes: volume === 'two-emptyDirs' ? [{ name: 'out', emptyDir: {} }, { name: 'in', emptyDir: {} }] : [{ name: 'scratch', ...source }],
      containers: [
        {
          name: 'writer',
          image,
          command: ['sh', '-c', `echo "${message}" > ${writerPath}/message; sleep infinity`],
          volumeMounts: [{ name: volume === 'two-emptyDirs' ? 'out' : 'scratch', mountPath: writerPath }],
        },
        {
          name: 'reader',
          image: options.memory ? `docker.io/${image}` : image,
          command: ['sh', '-c', `while true; do cat ${readFrom}/message 2>/dev/null; sleep 2; done`],
          volumeMounts: [{ name: volume === 'two-emptyDirs' ? 'in' : 'scratch', mountPath: readerPath }],
        },
      ],
    },
  };
}

const settle = (manifest: V1Pod) => `${apply(manifest)}
kubectl wait --for=condition=Ready pod/pair --timeout=120s`;

export default defineExercise({
  title: 'Two containers, one scratch folder',
  hints: [
    'A volume is declared once, under the pod\'s `spec.volumes`, and each container that wants it lists it under its own `volumeMounts`. `emptyDir: {}` is a volume that starts empty when the pod starts.',
    'Both containers mount the same volume name (the paths may differ). The writer runs `echo "hello from writer" > /shared/message; sleep infinity`, the reader `while true; do cat /shared/message; sleep 2; done`.',
    'Read what the reader printed with `kubectl logs pair -c reader`.',
  ],
  solution: `kubectl apply -f - <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: pair
spec:
  volumes:
    - name: scratch
      emptyDir: {}
  containers:
    - name: writer
      image: ${image}
      command: [sh, -c, 'echo "${message}" > /shared/message; sleep infinity']
      volumeMounts:
        - {name: scratch, mountPath: /shared}
    - name: reader
      image: ${image}
      command: [sh, -c, 'while true; do cat /shared/message 2>/dev/null; sleep 2; done']
      volumeMounts:
        - {name: scratch, mountPath: /shared}
EOF
kubectl wait --for=condition=Ready pod/pair --timeout=120s`,
  cleanup: deletes('pod/pair'),
  variants: [
    { name: 'each container mounts it at its own path, in memory with a size limit, the image with its registry', apply: settle(pair({ writerPath: '/out', readerPath: '/in', memory: true })) },
  ],
  nearMisses: [
    { name: 'an emptyDir for each container: two folders, nothing shared', apply: settle(pair({ volume: 'two-emptyDirs' })), failsOn: 'shared' },
    { name: 'a hostPath folder on the node instead of an emptyDir', apply: settle(pair({ volume: 'hostPath' })), failsOn: 'shared' },
    { name: 'the reader mounts the volume at /data but reads /shared', apply: settle(pair({ readerPath: '/data', readFrom: '/shared' })), failsOn: 'read' },
  ],
  timeoutMs: 30_000,
  check: async (cluster, signal) => {
    const target = await pod.read(cluster, 'pair');
    const mountedBy = (volume: string) => (target?.spec?.containers ?? []).filter((c) => (c.volumeMounts ?? []).some((m) => m.name === volume)).map((c) => c.name);
    const shared = (target?.spec?.volumes ?? []).some((v) => v.emptyDir && ['writer', 'reader'].every((name) => mountedBy(v.name).includes(name)));
    const kindOf = (volume: object) => Object.keys(volume).find((key) => key !== 'name') ?? 'unknown';
    const volumes = (target?.spec?.volumes ?? []).map((v) => `${v.name} (${kindOf(v)}, mounted by ${mountedBy(v.name).join(', ') || 'no container'})`);
    // The reader prints every two seconds: a pod that just started may not have printed yet.
    const log =
      (await eventually(
        async () => {
          const text = await pod.log(cluster, target, 'reader');
          return text.includes(message) ? text : undefined;
        },
        { timeoutMs: 8_000, signal },
      )) ?? (await pod.log(cluster, target, 'reader'));
    return [
      pod.exists(target, 'pair'),
      pod.containers(target, { writer: image, reader: image }),
      pod.running(target),
      {
        id: 'shared' as const,
        description: 'One emptyDir volume is mounted by both `writer` and `reader`',
        passed: shared,
        expected: 'an emptyDir volume mounted by writer and reader',
        actual: target ? volumes.join('; ') || 'no volumes' : 'no pod',
        hint: 'Declare one volume (`emptyDir: {}`) under `spec.volumes` and list its name under `volumeMounts` in both containers. A hostPath folder would be shared too, but it is the node\'s own disk: it outlives the pod, and a pod that may mount it can reach the node\'s files.',
      },
      pod.logIncludes(log, message, {
        id: 'read',
        lastLines: 3,
        description: `The reader prints what the writer wrote: its log shows \`${message}\``,
        hint: 'The reader must read the file where its own mount puts it: with `mountPath: /data`, the writer\'s `/shared/message` is `/data/message` for the reader.',
      }),
    ];
  },
});
