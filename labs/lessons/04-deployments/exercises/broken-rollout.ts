import { apply, defineExercise, deletes, deployment, type V1Deployment } from '@kubelab/labs';

const image = 'kubelab/web:1.0';
/** A tag nobody built: the node cannot pull it, so the new ReplicaSet's pods never start. */
const missingTag = 'kubelab/web:1.1';

function cart(containerImage: string, changeCause: string): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'cart', labels: { app: 'cart' }, annotations: { 'kubernetes.io/change-cause': changeCause } },
    spec: {
      replicas: 3,
      // Short, so `kubectl rollout status` gives up with "exceeded its progress deadline" within the exercise.
      progressDeadlineSeconds: 60,
      selector: { matchLabels: { app: 'cart' } },
      template: {
        metadata: { labels: { app: 'cart' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: containerImage,
              ports: [{ name: 'http', containerPort: 5000 }],
              readinessProbe: { httpGet: { path: '/api/v1/health', port: 'http' }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}

const settle = 'kubectl rollout status deployment/cart --timeout=120s';
/** The broken revision has made its first pod, and that pod is not ready. */
const stuck = `kubectl wait --for=jsonpath='{.status.updatedReplicas}'=1 deployment/cart --timeout=60s
kubectl wait --for=jsonpath='{.status.unavailableReplicas}'=1 deployment/cart --timeout=60s`;

export default defineExercise({
  title: 'Repair a stuck rollout',
  hints: [
    '`kubectl rollout status deployment/cart` says what the rollout is waiting for; `kubectl get pods -l app=cart` shows which pods are new and what is wrong with them.',
    '`kubectl describe pod <one of the new pods>` explains the failure in its Events, and `kubectl rollout history deployment/cart` shows what changed in the last revision.',
    'Go back to the revision that worked with `kubectl rollout undo deployment/cart`, or point the container at an image that exists: `kubectl set image deployment/cart web=kubelab/web:1.0`.',
  ],
  setup: `${apply(cart(image, 'first release'))}
${settle}
${apply(cart(missingTag, 'update to 1.1'))}
${stuck}`,
  solution: `kubectl rollout undo deployment/cart
${settle}`,
  cleanup: deletes('deployment/cart'),
  variants: [
    {
      name: 'kubectl set image with the registry written out',
      apply: `kubectl set image deployment/cart web=docker.io/${image}
${settle}`,
    },
    {
      name: 'edited like kubectl edit would: the image changed in the full object, sent back whole',
      apply: `kubectl get deployment cart -o json | jq '.spec.template.spec.containers[0].image = "${image}"' | kubectl replace -f -
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'the failing pods deleted (the ReplicaSet makes them again)',
      apply: `kubectl delete pods -l app=cart --field-selector=status.phase=Pending --wait
${stuck}`,
      failsOn: 'image',
    },
    {
      name: 'the tag latest, which the node does not have either',
      apply: `kubectl set image deployment/cart web=kubelab/web:latest
kubectl wait --for=jsonpath='{.status.observedGeneration}'=3 deployment/cart --timeout=60s`,
      failsOn: 'image',
    },
    {
      name: 'scaled down to the two pods that still run',
      apply: `kubectl scale deployment cart --replicas=2
kubectl wait --for=jsonpath='{.status.observedGeneration}'=3 deployment/cart --timeout=60s`,
      failsOn: 'replicas',
    },
  ],
  check: async (cluster) => {
    const target = await deployment.read(cluster, 'cart');
    return [
      deployment.exists(target, 'cart'),
      deployment.image(target, image, {
        description: `The pods run an image the node has: \`${image}\``,
        hint: `\`kubectl describe pod\` on a new pod shows the pull failing for \`${missingTag}\`. \`${image}\` is the one that worked.`,
      }),
      deployment.replicas(target, 3, { description: 'The Deployment still asks for its 3 replicas' }),
      deployment.rolledOut(target),
    ];
  },
});
