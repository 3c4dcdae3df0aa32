import { apply, defineExercise, deletes, pod } from '@kubelab/labs';

const image = 'kubelab/web:1.0';

export default defineExercise({
  title: 'Run your first pod',
  hints: [
    '`kubectl run` creates a single pod. `kubectl run --help` lists its flags.',
    'The image is `kubelab/web:1.0`, and `--labels` sets labels when the pod is created.',
    'If the pod already exists with a wrong label, `kubectl label pod web app=web --overwrite` fixes it in place.',
  ],
  solution: `kubectl run web --image=${image} --labels=app=web
kubectl wait --for=condition=Ready pod/web --timeout=120s`,
  cleanup: deletes('pod/web', 'pod/web-1'),
  variants: [
    {
      name: 'hand-written YAML, extra labels, the image with its registry',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', labels: { tier: 'frontend', app: 'web' }, annotations: { owner: 'me' } },
        spec: { containers: [{ name: 'server', image: `docker.io/${image}`, ports: [{ name: 'http', containerPort: 5000 }] }] },
      })}
kubectl wait --for=condition=Ready pod/web --timeout=120s`,
    },
  ],
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
  check: async (cluster) => {
    const web = await pod.read(cluster, 'web');
    return [pod.exists(web, 'web'), pod.image(web, image), pod.hasLabel(web, 'app', 'web'), pod.running(web)];
  },
});
