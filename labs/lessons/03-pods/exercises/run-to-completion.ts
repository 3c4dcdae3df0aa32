import { apply, defineExercise, deletes, pod } from '@kubelab/labs';

const message = 'hello from kubelab';

export default defineExercise({
  title: 'A pod that finishes',
  hints: [
    'A pod whose restart policy is `Always` (the default) is restarted every time its command ends, so it can never be Succeeded.',
    '`kubectl run` has a `--restart` flag. Everything after `--` is the command the container runs.',
    'Watch the phases go by with `kubectl get pod once -w`.',
  ],
  solution: `kubectl run once --restart=Never --image=kubelab/toolbox:1.0 -- echo "${message}"
kubectl wait --for=jsonpath='{.status.phase}'=Succeeded pod/once --timeout=120s`,
  cleanup: deletes('pod/once'),
  variants: [
    {
      name: 'YAML with restartPolicy OnFailure and the command under args',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'once' },
        spec: { restartPolicy: 'OnFailure', containers: [{ name: 'say', image: 'kubelab/toolbox:1.0', command: ['sh'], args: ['-c', `echo '${message}'`] }] },
      })}
kubectl wait --for=jsonpath='{.status.phase}'=Succeeded pod/once --timeout=120s`,
    },
  ],
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
  check: async (cluster) => {
    const once = await pod.read(cluster, 'once');
    return [
      pod.exists(once, 'once'),
      pod.restartPolicy(once, ['Never', 'OnFailure'], {
        description: 'The pod is not restarted when its command ends (restart policy `Never` or `OnFailure`)',
      }),
      pod.phase(once, 'Succeeded', {
        id: 'succeeded',
        description: 'The pod reached the phase Succeeded: its command exited with status 0',
        hint: 'Failed means the command exited non-zero; `kubectl logs once` and `kubectl describe pod once` show why.',
      }),
      pod.logIncludes(await pod.log(cluster, once), message, {
        id: 'output',
        description: `The pod printed \`${message}\``,
        hint: '`kubectl logs once` shows what the command printed.',
      }),
    ];
  },
});
