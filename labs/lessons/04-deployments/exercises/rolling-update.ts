import { apply, defineExercise, deletes, deployment, type V1Deployment } from '@kubelab/labs';

const image = 'kubelab/web:1.0';

/** The starting point: four replicas and the default strategy (maxSurge 25%, maxUnavailable 25%: one each). */
function site(strategy?: NonNullable<V1Deployment['spec']>['strategy'], env?: Record<string, string>): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'site', labels: { app: 'site' } },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'site' } },
      ...(strategy ? { strategy } : {}),
      template: {
        metadata: { labels: { app: 'site' } },
        spec: {
          containers: [
            {
              name: 'web',
              image,
              ...(env ? { env: Object.entries(env).map(([name, value]) => ({ name, value })) } : {}),
            },
          ],
        },
      },
    },
  };
}

const settle = 'kubectl rollout status deployment/site --timeout=120s';
const surgeAll = `kubectl patch deployment site -p '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":4,"maxUnavailable":0}}}}'`;

export default defineExercise({
  title: 'All new pods first, then the old ones go',
  hints: [
    'How a Deployment replaces its pods is under `spec.strategy`: `kubectl get deployment site -o yaml` shows it, and `kubectl explain deployment.spec.strategy.rollingUpdate` explains both fields.',
    'maxSurge is how many pods may exist beyond the four (all four new ones at once: 4, or 100%); maxUnavailable is how many of the four may be missing (none: 0). Changing the strategy alone starts no rollout: only a change to the pod template does, for example `kubectl set env deployment/site RELEASE=2`.',
    `\`${surgeAll}\`, then \`kubectl set env deployment/site RELEASE=2\` and \`kubectl rollout status deployment/site\`.`,
  ],
  setup: `${apply(site())}
${settle}`,
  solution: `${surgeAll}
kubectl set env deployment/site RELEASE=2
${settle}`,
  cleanup: deletes('deployment/site'),
  variants: [
    {
      name: 'the whole manifest applied again, written as percentages: maxSurge 100%, maxUnavailable 0%',
      apply: `${apply(site({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '100%', maxUnavailable: '0%' } }, { RELEASE: '2' }))}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'only maxSurge changed (maxUnavailable stays at the default 25%, one pod)',
      apply: `kubectl patch deployment site -p '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":"100%"}}}}'
kubectl set env deployment/site RELEASE=2
${settle}`,
      failsOn: 'strategy',
    },
    {
      name: 'the strategy set, but nothing rolled out',
      apply: surgeAll,
      failsOn: 'env',
    },
    {
      name: 'deleted and created again with the new settings (the history starts over)',
      apply: `kubectl delete deployment site --wait
${apply(site({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 4, maxUnavailable: 0 } }, { RELEASE: '2' }))}
${settle}`,
      failsOn: 'history',
    },
  ],
  check: async (cluster) => {
    const target = await deployment.read(cluster, 'site');
    return [
      deployment.exists(target, 'site'),
      deployment.strategy(target, { maxSurge: 4, maxUnavailable: 0 }),
      deployment.env(target, 'RELEASE', '2'),
      deployment.image(target, image, { hint: 'The task changes the environment only: keep `kubelab/web:1.0`.' }),
      deployment.revision(target, 2, {
        description: 'The change rolled out as a new revision of the same Deployment (revision 2 or later)',
      }),
      deployment.rolledOut(target),
    ];
  },
});
