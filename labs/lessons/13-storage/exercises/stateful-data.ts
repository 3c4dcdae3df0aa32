import { apply, defineExercise, statefulSet, storage, type V1StatefulSet } from '@kubelab/labs';

const image = 'kubelab/toolbox:1.0';
const entry = 'entry-1';

function ledger(options: { scratch?: 'claim' | 'emptyDir'; size?: string; image?: string } = {}): V1StatefulSet {
  const claimed = (options.scratch ?? 'claim') === 'claim';
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'ledger' },
    spec: {
      serviceName: 'ledger',
      replicas: 1,
      selector: { matchLabels: { app: 'ledger' } },
      template: {
        metadata: { labels: { app: 'ledger' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          ...(claimed ? {} : { volumes: [{ name: 'data', emptyDir: {} }] }),
          containers: [{ name: 'ledger', image: options.image ?? image, command: ['sleep', 'infinity'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        },
      },
      ...(claimed
        ? {
            volumeClaimTemplates: [
              { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: options.size ?? '50Mi' } } } },
            ],
          }
        : {}),
    },
  };
}

const ready = 'kubectl rollout status statefulset/ledger --timeout=150s';
const write = (path = '/data/ledger.txt') => `kubectl exec ledger-0 -- sh -c 'echo ${entry} >> ${path}'`;
const replace = `kubectl delete pod ledger-0 --wait --timeout=60s
for i in $(seq 1 60); do kubectl get pod ledger-0 >/dev/null 2>&1 && break; sleep 1; done
kubectl wait --for=condition=Ready pod/ledger-0 --timeout=150s`;

export default defineExercise({
  title: 'Data that outlives its pod',
  hints: [
    'A StatefulSet gives each of its pods a claim of its own from `volumeClaimTemplates`: the pod `ledger-0` gets the claim `data-ledger-0`, and keeps it when it is made again.',
    'Start from the StatefulSet of the Controllers lesson, with `command: [sleep, infinity]`, a `volumeMounts` entry `{name: data, mountPath: /data}`, and `volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 50Mi}}}}]`.',
    'Then `kubectl exec ledger-0 -- sh -c \'echo entry-1 >> /data/ledger.txt\'`, `kubectl delete pod ledger-0`, and once the new one runs, `kubectl exec ledger-0 -- cat /data/ledger.txt`.',
  ],
  solution: `kubectl apply -f - <<'EOF'
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ledger
spec:
  serviceName: ledger
  replicas: 1
  selector:
    matchLabels: {app: ledger}
  template:
    metadata:
      labels: {app: ledger}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: ledger
          image: ${image}
          command: [sleep, infinity]
          volumeMounts:
            - {name: data, mountPath: /data}
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests: {storage: 50Mi}
EOF
${ready}
${write()}
${replace}`,
  cleanup: `kubectl delete statefulset ledger --ignore-not-found --wait --timeout=90s
kubectl delete pod ledger-0 --ignore-not-found --grace-period=1 --wait --timeout=60s
kubectl delete pvc data-ledger-0 --ignore-not-found --wait --timeout=90s`,
  variants: [
    { name: 'a 100Mi claim, the image with its registry, the pod replaced by scaling to 0 and back', apply: `${apply(ledger({ size: '100Mi', image: `docker.io/${image}` }))}
${ready}
${write()}
kubectl scale statefulset ledger --replicas=0
kubectl wait --for=delete pod/ledger-0 --timeout=90s
kubectl scale statefulset ledger --replicas=1
${ready}` },
  ],
  nearMisses: [
    { name: 'an emptyDir instead of volumeClaimTemplates: the file goes with the pod', apply: `${apply(ledger({ scratch: 'emptyDir' }))}\n${ready}\n${write()}\n${replace}`, failsOn: 'data' },
    { name: 'the entry written outside the mount, to /tmp', apply: `${apply(ledger())}\n${ready}\n${write('/tmp/ledger.txt')}\n${replace}`, failsOn: 'data' },
    { name: 'the entry written, but the pod never deleted', apply: `${apply(ledger())}\n${ready}\n${write()}`, failsOn: 'replaced' },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const set = await statefulSet.read(cluster, 'ledger');
    const [pods, pvc] = await Promise.all([statefulSet.pods(cluster, set), storage.readClaim(cluster, 'data-ledger-0')]);
    const current = pods.find((p) => p.metadata?.name === 'ledger-0');
    // The StatefulSet controller records each pod it creates ("create Pod ledger-0 in StatefulSet ledger
    // successful"; the claim it makes first has an event of its own, "create Claim data-ledger-0 Pod ledger-0 …").
    // ledger-0 made twice is the pod replaced.
    const { items: events } = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.kind=StatefulSet,involvedObject.name=ledger,reason=SuccessfulCreate' });
    const created = events
      .filter((e) => e.involvedObject.uid === set?.metadata?.uid && /^create Pod ledger-0 in StatefulSet/.test(e.message ?? ''))
      .reduce((sum, e) => sum + Math.max(e.count ?? 1, e.series?.count ?? 0), 0);
    const read = pvc?.status?.phase === 'Bound' ? await storage.readFromClaim(cluster, 'data-ledger-0', 'ledger.txt', { signal }) : { summary: `not read: ${pvc ? 'the claim is not bound' : 'no claim data-ledger-0'}` };
    return [
      statefulSet.exists(set, 'ledger'),
      statefulSet.readyPods(set, pods, 1),
      storage.claimExists(pvc, 'data-ledger-0', {
        description: 'The pod `ledger-0` has a claim of its own, `data-ledger-0`, from the StatefulSet\'s `volumeClaimTemplates`',
        hint: 'A claim template named `data` gives the pod `ledger-0` the claim `data-ledger-0`. An emptyDir or a volume in the pod template is the pod\'s, and goes with it.',
      }),
      {
        id: 'replaced' as const,
        description: 'The pod `ledger-0` was deleted and made again by the StatefulSet',
        passed: created >= 2 && current !== undefined,
        expected: 'ledger-0 created at least twice',
        actual: set ? `ledger-0 created ${created} time${created === 1 ? '' : 's'}${current ? '' : ', none now'}` : 'no StatefulSet',
        hint: '`kubectl delete pod ledger-0`: the StatefulSet makes it again, under the same name, with the same claim.',
      },
      {
        id: 'data' as const,
        description: `\`ledger.txt\` on the claim still holds \`${entry}\``,
        passed: read.content?.includes(entry) === true,
        expected: entry,
        actual: read.summary,
        hint: `Write under the claim's mount path: \`kubectl exec ledger-0 -- sh -c 'echo ${entry} >> /data/ledger.txt'\`. A file anywhere else is in the container's own layer, and goes with the pod.`,
      },
    ];
  },
});
