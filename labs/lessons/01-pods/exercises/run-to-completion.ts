import { defineExercise } from '../../../src/define.ts';
import { describePodState, podExists, podLog, readPod } from '@kubelab/checkers';

const message = 'hello from kubelab';

export default defineExercise({
  id: 'run-to-completion',
  title: 'A pod that finishes',
  hints: [
    'A pod whose restart policy is `Always` (the default) is restarted every time its command ends, so it can never be Succeeded.',
    '`kubectl run` has a `--restart` flag. Everything after `--` is the command the container runs.',
    'Watch the phases go by with `kubectl get pod once -w`.',
  ],
  solution: `kubectl run once --restart=Never --image=kubelab/toolbox:1.0 -- echo "${message}"
kubectl wait --for=jsonpath='{.status.phase}'=Succeeded pod/once --timeout=120s`,
  cleanup: 'kubectl delete pod once --ignore-not-found --grace-period=1 --wait',
  nearMisses: [
    {
      name: 'the default restart policy (Always)',
      apply: `kubectl run once --image=kubelab/toolbox:1.0 -- echo "${message}"
kubectl wait --for=jsonpath='{.status.containerStatuses[0].restartCount}'=1 pod/once --timeout=120s`,
      failsOn: 'restart-policy',
    },
    {
      name: 'a command that fails (phase Failed, not Succeeded)',
      apply: `kubectl run once --restart=Never --image=kubelab/toolbox:1.0 -- sh -c 'echo "${message}"; exit 3'
kubectl wait --for=jsonpath='{.status.phase}'=Failed pod/once --timeout=120s`,
      failsOn: 'succeeded',
    },
    {
      name: 'finishes, but prints something else',
      apply: `kubectl run once --restart=Never --image=kubelab/toolbox:1.0 -- echo hello
kubectl wait --for=jsonpath='{.status.phase}'=Succeeded pod/once --timeout=120s`,
      failsOn: 'output',
    },
  ],
  check: async (k) => {
    const pod = await readPod(k, 'once');
    const policy = pod?.spec?.restartPolicy ?? 'Always';
    const log = pod ? await podLog(k, 'once', pod.spec?.containers[0]?.name ?? 'once') : '';
    return [
      podExists(pod, 'once'),
      {
        id: 'restart-policy',
        description: 'The pod is not restarted when its command ends (restart policy `Never` or `OnFailure`)',
        passed: pod !== null && policy !== 'Always',
        expected: 'restartPolicy Never or OnFailure',
        actual: pod ? `restartPolicy ${policy}` : 'no pod',
        hint: 'The restart policy cannot be changed on an existing pod: delete it and create it again with `--restart=Never`.',
      },
      {
        id: 'succeeded',
        description: 'The pod reached the phase Succeeded: its command exited with status 0',
        passed: pod?.status?.phase === 'Succeeded',
        expected: 'phase Succeeded',
        actual: pod ? describePodState(pod) : 'no pod',
        hint: 'Failed means the command exited non-zero; `kubectl logs once` and `kubectl describe pod once` show why.',
      },
      {
        id: 'output',
        description: `The pod printed \`${message}\``,
        passed: log.includes(message),
        expected: message,
        actual: log.trim() ? log.trim().split('\n').slice(-3).join(' / ') : 'no output',
        hint: '`kubectl logs once` shows what the command printed.',
      },
    ];
  },
});
