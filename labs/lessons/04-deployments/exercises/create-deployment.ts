import { apply, defineExercise, deletes, deployment } from '@kubelab/labs';

const image = 'kubelab/web:1.0';
const settle = 'kubectl rollout status deployment/hello --timeout=120s';

export default defineExercise({
  title: 'Your first Deployment',
  hints: [
    'A Deployment is made with `kubectl create deployment`; `kubectl create deployment --help` lists its flags.',
    'It takes the image with `--image` and the number of pods with `--replicas`. An existing one is resized with `kubectl scale deployment hello --replicas=3`.',
    '`kubectl get deployment,replicaset,pods -l app=hello` shows the whole chain; `kubectl rollout status deployment/hello` waits until every pod is available.',
  ],
  solution: `kubectl create deployment hello --image=${image} --replicas=3
${settle}`,
  cleanup: `${deletes('deployment/hello', 'replicaset/hello', 'pod/hello')}
kubectl delete pods -l app=hello --ignore-not-found --grace-period=1 --wait`,
  variants: [
    {
      name: 'created with one replica, then scaled to three',
      apply: `kubectl create deployment hello --image=${image}
kubectl scale deployment hello --replicas=3
${settle}`,
    },
    {
      name: 'hand-written YAML, another label and container name, the image with its registry',
      apply: `${apply({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'hello', labels: { team: 'course' }, annotations: { owner: 'me' } },
        spec: {
          replicas: 3,
          selector: { matchLabels: { run: 'hello' } },
          template: {
            metadata: { labels: { run: 'hello', tier: 'frontend' } },
            spec: { containers: [{ name: 'server', image: `docker.io/${image}`, ports: [{ name: 'http', containerPort: 5000 }] }] },
          },
        },
      })}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'a bare pod made with kubectl run',
      apply: `kubectl run hello --image=${image} --labels=app=hello
kubectl wait --for=condition=Ready pod/hello --timeout=120s`,
      failsOn: 'exists',
    },
    {
      name: 'the default single replica',
      apply: `kubectl create deployment hello --image=${image}
${settle}`,
      failsOn: 'replicas',
    },
    {
      name: 'an image tag that does not exist',
      apply: `kubectl create deployment hello --image=kubelab/web:2.0 --replicas=3
kubectl wait --for=jsonpath='{.status.unavailableReplicas}'=3 deployment/hello --timeout=60s`,
      failsOn: 'image',
    },
  ],
  check: async (cluster) => {
    const hello = await deployment.read(cluster, 'hello');
    return [deployment.exists(hello, 'hello'), deployment.image(hello, image), deployment.replicas(hello, 3), deployment.available(hello)];
  },
});
