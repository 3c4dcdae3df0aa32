import { defineExercise } from '../../../src/define.ts';
import { podExists, podRunningAndReady, readPod } from '@kubelab/checkers';

/** The program the learner must keep: it refuses to start without the right setting, and says so in its log. */
const program =
  'if [ "$GREETING_MODE" != friendly ]; then echo "fatal: GREETING_MODE must be friendly (it is \\"${GREETING_MODE:-unset}\\")" >&2; exit 1; fi; ' +
  'echo "api ready"; trap "exit 0" TERM; sleep infinity & wait';

function podYaml(env: Record<string, string> = {}, command: string[] = ['sh', '-c', program]): string {
  const envYaml = Object.entries(env)
    .map(([name, value]) => `\n    - name: ${name}\n      value: ${JSON.stringify(value)}`)
    .join('');
  return `apiVersion: v1
kind: Pod
metadata:
  name: api
  labels:
    app: api
spec:
  containers:
  - name: api
    image: kubelab/toolbox:1.0
    command: ${JSON.stringify(command)}${envYaml ? `\n    env:${envYaml}` : ''}`;
}

const replacePod = (yaml: string, settle: string) => `kubectl delete pod api --ignore-not-found --grace-period=1 --wait
kubectl apply -f - <<'YAML'
${yaml}
YAML
${settle}`;

export default defineExercise({
  id: 'crashloop',
  title: 'Why does it keep restarting?',
  hints: [
    '`kubectl get pod api` shows the restarts; `kubectl describe pod api` shows the last state and its exit code.',
    'The program says what it needs on its way out: `kubectl logs api --previous`.',
    'A pod\'s environment cannot be edited in place. Save it with `kubectl get pod api -o yaml > api.yaml`, fix the env, then `kubectl replace --force -f api.yaml`.',
  ],
  setup: `kubectl apply -f - <<'YAML'
${podYaml()}
YAML`,
  solution: replacePod(podYaml({ GREETING_MODE: 'friendly' }), 'kubectl wait --for=condition=Ready pod/api --timeout=120s'),
  cleanup: 'kubectl delete pod api --ignore-not-found --grace-period=1 --wait',
  nearMisses: [
    {
      name: 'GREETING_MODE set to another value',
      apply: replacePod(
        podYaml({ GREETING_MODE: 'happy' }),
        "kubectl wait --for=jsonpath='{.status.containerStatuses[0].lastState.terminated.exitCode}'=1 pod/api --timeout=120s",
      ),
      failsOn: 'env',
    },
    {
      name: 'the command replaced by sleep (it runs, but not the program)',
      apply: replacePod(podYaml({}, ['sleep', 'infinity']), 'kubectl wait --for=condition=Ready pod/api --timeout=120s'),
      failsOn: 'program',
    },
  ],
  check: async (k) => {
    const pod = await readPod(k, 'api');
    const container = pod?.spec?.containers.find((c) => c.name === 'api') ?? pod?.spec?.containers[0];
    const mode = container?.env?.find((e) => e.name === 'GREETING_MODE')?.value;
    const command = [...(container?.command ?? []), ...(container?.args ?? [])];
    const keepsProgram = command.length === 3 && command[0] === 'sh' && command[2] === program;
    return [
      podExists(pod, 'api'),
      {
        id: 'program',
        description: 'The pod still runs the original program (only its configuration changes)',
        passed: keepsProgram,
        expected: 'the command from the original pod',
        actual: command.length ? command.join(' ').slice(0, 80) : 'no command (the image default)',
        hint: 'Replacing the command hides the problem instead of fixing it. Start again from `kubectl get pod api -o yaml`.',
      },
      {
        id: 'env',
        description: 'The container sets the environment variable the program asks for in its log',
        passed: mode === 'friendly',
        expected: 'GREETING_MODE=friendly',
        actual: mode === undefined ? 'GREETING_MODE is not set' : `GREETING_MODE=${mode}`,
        hint: 'The log of the crashed container names the variable and the value it wants: `kubectl logs api --previous`.',
      },
      podRunningAndReady(pod),
    ];
  },
});
