import { apply, defineExercise, deletes, pod, type V1Pod } from '@kubelab/labs';

/** The two-container pod; the near-misses vary one thing each. */
function duo(options: { probePort?: number; withProbe?: boolean; probeFirst?: boolean; host?: string } = {}): V1Pod {
  const probe = {
    name: 'probe',
    image: 'kubelab/toolbox:1.0',
    command: ['sh', '-c', `while true; do curl -s http://${options.host ?? 'localhost'}:${options.probePort ?? 5000}/api/v1/health; echo; sleep 2; done`],
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'duo', labels: { app: 'duo' } },
    spec: {
      containers: options.probeFirst
        ? [probe, { name: 'web', image: 'docker.io/kubelab/web:1.0' }]
        : [{ name: 'web', image: 'kubelab/web:1.0' }, ...(options.withProbe === false ? [] : [probe])],
    },
  };
}

const applyAndSettle = (manifest: V1Pod) => `${apply(manifest)}
kubectl wait --for=condition=Ready pod/duo --timeout=120s
sleep 5`;

export default defineExercise({
  title: 'Two containers, one pod',
  hints: [
    '`kubectl run` makes one container per pod; a second container needs a manifest. `kubectl run duo --image=kubelab/web:1.0 --dry-run=client -o yaml` gives you a start.',
    'Containers in one pod share a network namespace: the probe reaches the web container at `localhost:5000`.',
    'Read each container separately: `kubectl logs duo -c probe`.',
  ],
  solution: applyAndSettle(duo()),
  cleanup: deletes('pod/duo'),
  variants: [{ name: 'the probe listed first, calling 127.0.0.1, web with its registry', apply: applyAndSettle(duo({ probeFirst: true, host: '127.0.0.1' })) }],
  nearMisses: [
    { name: 'only the web container', apply: applyAndSettle(duo({ withProbe: false })), failsOn: 'containers' },
    { name: 'the probe calls the wrong port', apply: applyAndSettle(duo({ probePort: 8080 })), failsOn: 'shared-network' },
  ],
  check: async (cluster) => {
    const target = await pod.read(cluster, 'duo');
    return [
      pod.exists(target, 'duo'),
      pod.containers(target, { web: 'kubelab/web:1.0', probe: 'kubelab/toolbox:1.0' }),
      pod.running(target),
      pod.logIncludes(await pod.log(cluster, target, 'probe'), '"status":"OK"', {
        id: 'shared-network',
        lastLines: 2,
        description: 'The probe container reaches the web container over localhost: its log shows `{"status":"OK"}`',
        hint: 'kubelab/web listens on port 5000. The probe should call `curl -s localhost:5000/api/v1/health` in a loop.',
      }),
    ];
  },
});
