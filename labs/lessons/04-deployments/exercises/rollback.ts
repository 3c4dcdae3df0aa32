import { apply, defineExercise, deletes, deployment, type V1Deployment } from '@kubelab/labs';

const image = 'kubelab/web:1.0';

/** One revision of `shop`: its settings, and the reason `kubectl rollout history` shows for it. */
function shop(changeCause: string, env: Record<string, string>): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shop', labels: { app: 'shop' }, annotations: { 'kubernetes.io/change-cause': changeCause } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'shop' } },
      template: {
        metadata: { labels: { app: 'shop' } },
        spec: { containers: [{ name: 'web', image, env: Object.entries(env).map(([name, value]) => ({ name, value })) }] },
      },
    },
  };
}

const launch = { THEME: 'classic' };
const revisions = [shop('launch', launch), shop('try the dark theme', { THEME: 'dark' }), shop('add the sale banner', { THEME: 'dark', BANNER: 'sale' })];
const settle = 'kubectl rollout status deployment/shop --timeout=120s';

export default defineExercise({
  title: 'Back to the launch revision',
  hints: [
    '`kubectl rollout history deployment/shop` lists the revisions with the reason recorded for each (their `kubernetes.io/change-cause`).',
    '`kubectl rollout history deployment/shop --revision=1` shows that revision\'s pod template. `kubectl rollout undo` goes back one revision unless you say `--to-revision`.',
    '`kubectl rollout undo deployment/shop --to-revision=1`, then `kubectl rollout status deployment/shop`.',
  ],
  // Each revision only has to reach the controller (its ReplicaSet is then made, with its change-cause); the pods
  // of the last one are the ones that must be running.
  setup: `${revisions.map((revision, i) => `${apply(revision)}\nkubectl wait --for=jsonpath='{.status.observedGeneration}'=${i + 1} deployment/shop --timeout=60s`).join('\n')}
${settle}`,
  solution: `kubectl rollout undo deployment/shop --to-revision=1
${settle}`,
  cleanup: deletes('deployment/shop'),
  variants: [
    {
      name: 'the launch settings set by hand: THEME back to classic, BANNER removed',
      apply: `kubectl set env deployment/shop THEME=classic BANNER-
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'rollout undo without --to-revision (back to revision 2 only)',
      apply: `kubectl rollout undo deployment/shop
${settle}`,
      failsOn: 'environment',
    },
    {
      name: 'only THEME set back (the banner of revision 3 stays)',
      apply: `kubectl set env deployment/shop THEME=classic
${settle}`,
      failsOn: 'environment',
    },
    {
      name: 'deleted and created again from the launch manifest (the history is lost)',
      apply: `kubectl delete deployment shop --wait
${apply(revisions[0]!)}
${settle}`,
      failsOn: 'history',
    },
  ],
  check: async (cluster) => {
    const target = await deployment.read(cluster, 'shop');
    return [
      deployment.exists(target, 'shop'),
      deployment.environment(target, launch, {
        description: 'The pods run with the settings of the launch revision (revision 1), and only those',
        hint: '`kubectl rollout history deployment/shop --revision=1` shows what revision 1 ran; compare it with `kubectl set env deployment/shop --list`.',
      }),
      deployment.image(target, image),
      deployment.revision(target, 4, {
        description: 'The history goes on: going back made a new revision (4 or later) of the same Deployment',
      }),
      deployment.rolledOut(target),
    ];
  },
});
