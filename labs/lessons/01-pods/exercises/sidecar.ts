import { apply, defineExercise, deletes, pod, type V1Pod } from '@kubelab/labs';

/** The two-container pod; the near-misses vary one thing each. */
function duo(options: { probePort?: number; withProbe?: boolean } = {}): V1Pod {
  const probe = {
    name: 'probe',
    image: 'kubelab/toolbox:1.0',
    command: ['sh', '-c', `while true; do curl -s localhost:${options.probePort ?? 5000}/api/v1/health; echo; sleep 2; done`],
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'duo', labels: { app: 'duo' } },
    spec: { containers: [{ name: 'web', image: 'kubelab/web:1.0' }, ...(options.withProbe === false ? [] : [probe])] },
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
