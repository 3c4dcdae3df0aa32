import { defineExercise } from '../../../src/define.ts';
import { formatLabels, podExists, podRunningAndReady, readPod } from '@kubelab/checkers';

const image = 'kubelab/web:1.0';

export default defineExercise({
  id: 'first-pod',
  title: 'Run your first pod',
  hints: [
    '`kubectl run` creates a single pod. `kubectl run --help` lists its flags.',
    'The image is `kubelab/web:1.0`, and `--labels` sets labels when the pod is created.',
    'If the pod already exists with a wrong label, `kubectl label pod web app=web --overwrite` fixes it in place.',
  ],
  solution: `kubectl run web --image=${image} --labels=app=web
kubectl wait --for=condition=Ready pod/web --timeout=120s`,
  cleanup: 'kubectl delete pod web --ignore-not-found --grace-period=1 --wait',
  nearMisses: [
    {
      name: 'label app=webapp instead of app=web',
      apply: `kubectl run web --image=${image} --labels=app=webapp
kubectl wait --for=condition=Ready pod/web --timeout=120s`,
      failsOn: 'label',
    },
    {
      name: 'an image tag that does not exist',
      apply: `kubectl run web --image=kubelab/web:2.0 --labels=app=web
kubectl wait --for=jsonpath='{.status.containerStatuses[0].state.waiting.reason}'=ErrImagePull pod/web --timeout=120s ||
kubectl wait --for=jsonpath='{.status.containerStatuses[0].state.waiting.reason}'=ImagePullBackOff pod/web --timeout=60s`,
      failsOn: 'image',
    },
    {
      name: 'the right pod under another name',
      apply: `kubectl run web-1 --image=${image} --labels=app=web
kubectl wait --for=condition=Ready pod/web-1 --timeout=120s`,
      failsOn: 'exists',
    },
  ],
  check: async (k) => {
    const pod = await readPod(k, 'web');
    const images = pod?.spec?.containers.map((c) => c.image ?? '') ?? [];
    const label = pod?.metadata?.labels?.['app'];
    return [
      podExists(pod, 'web'),
      {
        id: 'image',
        description: `The pod runs the image \`${image}\``,
        passed: images.length === 1 && images[0] === image,
        expected: image,
        actual: images.length ? images.join(', ') : 'no containers',
        hint: 'The image of a running pod cannot be swapped for another tag by editing labels; delete the pod and run it again with the right image.',
      },
      {
        id: 'label',
        description: 'The pod carries the label `app=web`',
        passed: label === 'web',
        expected: 'app=web',
        actual: pod ? formatLabels(pod.metadata?.labels) : 'no pod',
        hint: 'Labels are key=value pairs. Check yours with `kubectl get pod web --show-labels`.',
      },
      podRunningAndReady(pod),
    ];
  },
});
