import { apply, buildCriterion, defineExercise, deletes, namespaces, pod, type V1Namespace, type V1Pod } from '@kubelab/labs';

const image = 'kubelab/web:1.0';

const namespace = (name: string): V1Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const web = (ns: string, labels: Record<string, string> = { app: 'web' }, containerImage = image): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: ns, labels },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: containerImage }] },
});

const waitFor = (ns: string) => `kubectl wait --for=condition=Ready pod/web -n ${ns} --timeout=120s`;

export default defineExercise({
  title: 'The same name in two namespaces',
  hints: [
    'A name has to be unique only within its namespace. `kubectl get pods -A` lists the pods of every namespace.',
    '`kubectl create namespace green`, then `kubectl config set-context --current --namespace=green`: from then on every command without `-n` works in `green`.',
    '`kubectl config view --minify | grep namespace` shows the namespace your context uses now. Switch back with `kubectl config set-context --current --namespace=default` when you are done.',
  ],
  setup: `${apply([namespace('blue'), web('blue')])}
${waitFor('blue')}`,
  solution: `kubectl create namespace green
kubectl config set-context --current --namespace=green
kubectl run web --image=${image} --labels=app=web
${waitFor('green')}`,
  cleanup: `kubectl delete namespace blue green --ignore-not-found --wait
${deletes('pod/web')}`,
  variants: [
    {
      name: 'a Namespace manifest with a label, the pod with -n green, the image with its registry',
      apply: `${apply({ ...namespace('green'), metadata: { name: 'green', labels: { team: 'green' } } })}
${apply(web('green', { app: 'web', color: 'green' }, `docker.io/${image}`))}
${waitFor('green')}`,
    },
  ],
  nearMisses: [
    {
      name: 'the pod named web-green, as if names had to be unique everywhere',
      apply: `kubectl create namespace green
kubectl run web-green -n green --image=${image}
kubectl wait --for=condition=Ready pod/web-green -n green --timeout=120s`,
      failsOn: 'exists',
    },
    {
      name: 'the context left on default: the pod lands in default',
      apply: `kubectl create namespace green
kubectl run web --image=${image}
kubectl wait --for=condition=Ready pod/web --timeout=120s`,
      failsOn: 'exists',
    },
    {
      name: 'the pod in blue deleted to make room for the name',
      apply: `kubectl delete pod web -n blue --grace-period=1 --wait
kubectl create namespace green
kubectl run web -n green --image=${image}
${waitFor('green')}`,
      failsOn: 'blue-kept',
    },
  ],
  check: async (cluster) => {
    const green = await namespaces.read(cluster, 'green');
    const target = await pod.read(cluster, 'web', 'green');
    const inBlue = await pod.read(cluster, 'web', 'blue');
    return [
      namespaces.exists(green, 'green'),
      pod.exists(target, 'web', { namespace: 'green' }),
      pod.image(target, image),
      pod.running(target),
      buildCriterion(
        {
          id: 'blue-kept',
          description: 'The pod `web` in namespace `blue` is still there: the two pods share a name, not a namespace',
          hint: 'There was no need to delete it. Reset the exercise to get it back.',
        },
        {},
        { passed: inBlue !== null, expected: 'pod/web in blue', actual: inBlue ? 'pod/web in blue' : 'no pod web in blue' },
      ),
    ];
  },
});
