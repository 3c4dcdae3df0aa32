import { apply, defineExercise, deletes, pod, type V1Pod } from '@kubelab/labs';

/** The program the learner must keep: it refuses to start without the right setting, and says so in its log. */
const program =
  'if [ "$GREETING_MODE" != friendly ]; then echo "fatal: GREETING_MODE must be friendly (it is \\"${GREETING_MODE:-unset}\\")" >&2; exit 1; fi; ' +
  'echo "api ready"; trap "exit 0" TERM; sleep infinity & wait';

function api(env: Record<string, string> = {}, command = ['sh', '-c', program]): V1Pod {
  const vars = Object.entries(env).map(([name, value]) => ({ name, value }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'api', labels: { app: 'api' } },
    spec: { containers: [{ name: 'api', image: 'kubelab/toolbox:1.0', command, ...(vars.length ? { env: vars } : {}) }] },
  };
}

/** Pod specs are mostly immutable: a changed pod is deleted and created again. */
const replace = (manifest: V1Pod, settle: string) => `${deletes('pod/api')}
${apply(manifest)}
${settle}`;

export default defineExercise({
  title: 'Why does it keep restarting?',
  hints: [
    '`kubectl get pod api` shows the restarts; `kubectl describe pod api` shows the last state and its exit code.',
    'The program says what it needs on its way out: `kubectl logs api --previous`.',
    'A pod\'s environment cannot be edited in place. Save it with `kubectl get pod api -o yaml > api.yaml`, fix the env, then `kubectl replace --force -f api.yaml`.',
  ],
  setup: apply(api()),
  solution: replace(api({ GREETING_MODE: 'friendly' }), 'kubectl wait --for=condition=Ready pod/api --timeout=120s'),
  cleanup: deletes('pod/api'),
  variants: [
    {
      name: 'edited YAML piped to kubectl replace --force, with one more variable',
      apply: `kubectl get pod api -o json | jq '.spec.containers[0].env = [{"name":"LOG_LEVEL","value":"debug"},{"name":"GREETING_MODE","value":"friendly"}]' | kubectl replace --force -f -
kubectl wait --for=condition=Ready pod/api --timeout=120s`,
    },
  ],
  nearMisses: [
    {
      name: 'GREETING_MODE set to another value',
      apply: replace(
        api({ GREETING_MODE: 'happy' }),
        "kubectl wait --for=jsonpath='{.status.containerStatuses[0].lastState.terminated.exitCode}'=1 pod/api --timeout=120s",
      ),
      failsOn: 'env',
    },
    {
      name: 'the command replaced by sleep (it runs, but not the program)',
      apply: replace(api({}, ['sleep', 'infinity']), 'kubectl wait --for=condition=Ready pod/api --timeout=120s'),
      failsOn: 'program',
    },
  ],
  check: async (cluster) => {
    const target = await pod.read(cluster, 'api');
    return [
      pod.exists(target, 'api'),
      pod.command(target, ['sh', '-c', program], {
        id: 'program',
        description: 'The pod still runs the original program (only its configuration changes)',
        hint: 'Replacing the command hides the problem instead of fixing it. Start again from `kubectl get pod api -o yaml`.',
      }),
      pod.env(target, 'GREETING_MODE', 'friendly', {
        description: 'The container sets the environment variable the program asks for in its log',
        hint: 'The log of the crashed container names the variable and the value it wants: `kubectl logs api --previous`.',
      }),
      pod.running(target),
    ];
  },
});
