import { defineExercise } from '../../../src/define.ts';
import { podExists, podLog, podRunningAndReady, readPod } from '@kubelab/checkers';

/** A two-container pod as YAML; the near-misses vary one thing each. */
function manifest(options: { probePort?: number; withProbe?: boolean } = {}): string {
  const probe = `
  - name: probe
    image: kubelab/toolbox:1.0
    command: ["sh", "-c", "while true; do curl -s localhost:${options.probePort ?? 5000}/api/v1/health; echo; sleep 2; done"]`;
  return `apiVersion: v1
kind: Pod
metadata:
  name: duo
  labels:
    app: duo
spec:
  containers:
  - name: web
    image: kubelab/web:1.0${options.withProbe === false ? '' : probe}`;
}

const applyAndSettle = (yaml: string) => `kubectl apply -f - <<'YAML'
${yaml}
YAML
kubectl wait --for=condition=Ready pod/duo --timeout=120s
sleep 5`;

export default defineExercise({
  id: 'sidecar',
  title: 'Two containers, one pod',
  hints: [
    '`kubectl run` makes one container per pod; a second container needs a manifest. `kubectl run duo --image=kubelab/web:1.0 --dry-run=client -o yaml` gives you a start.',
    'Containers in one pod share a network namespace: the probe reaches the web container at `localhost:5000`.',
    'Read each container separately: `kubectl logs duo -c probe`.',
  ],
  solution: applyAndSettle(manifest()),
  cleanup: 'kubectl delete pod duo --ignore-not-found --grace-period=1 --wait',
  nearMisses: [
    { name: 'only the web container', apply: applyAndSettle(manifest({ withProbe: false })), failsOn: 'containers' },
    { name: 'the probe calls the wrong port', apply: applyAndSettle(manifest({ probePort: 8080 })), failsOn: 'shared-network' },
  ],
  check: async (k) => {
    const pod = await readPod(k, 'duo');
    const containers = pod?.spec?.containers ?? [];
    const byName = new Map(containers.map((c) => [c.name, c.image ?? '']));
    const log = byName.has('probe') ? await podLog(k, 'duo', 'probe') : '';
    const lastLines = log.trim().split('\n').filter(Boolean).slice(-2);
    return [
      podExists(pod, 'duo'),
      {
        id: 'containers',
        description: 'The pod has two containers: `web` running `kubelab/web:1.0` and `probe` running `kubelab/toolbox:1.0`',
        passed: containers.length === 2 && byName.get('web') === 'kubelab/web:1.0' && byName.get('probe') === 'kubelab/toolbox:1.0',
        expected: 'web=kubelab/web:1.0, probe=kubelab/toolbox:1.0',
        actual: containers.length ? containers.map((c) => `${c.name}=${c.image}`).join(', ') : 'no containers',
        hint: 'List both containers under `spec.containers`, each with its own `name` and `image`.',
      },
      podRunningAndReady(pod),
      {
        id: 'shared-network',
        description: 'The probe container reaches the web container over localhost: its log shows `{"status":"OK"}`',
        passed: lastLines.some((line) => line.includes('"status":"OK"')),
        expected: '{"status":"OK"} in `kubectl logs duo -c probe`',
        actual: lastLines.length ? lastLines.join(' / ') : 'no output from the probe',
        hint: 'kubelab/web listens on port 5000. The probe should call `curl -s localhost:5000/api/v1/health` in a loop.',
      },
    ];
  },
});
