import { apply, defineExercise, statefulSet, type V1Service, type V1StatefulSet } from '@kubelab/labs';

const healthPath = '/api/v1/health';

const service: V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'db', labels: { app: 'db' } },
  spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'http', port: 5000 }] },
};

/** The StatefulSet; setup's copy probes a path the app does not serve, so db-0 never becomes ready. */
function db(probe: { path: string; port: number | string } | undefined): V1StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', labels: { app: 'db' } },
    spec: {
      serviceName: 'db',
      replicas: 3,
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: {
          containers: [
            {
              name: 'db',
              image: 'kubelab/web:1.0',
              ports: [{ name: 'http', containerPort: 5000 }],
              ...(probe ? { readinessProbe: { httpGet: probe, periodSeconds: 2, failureThreshold: 2 } } : {}),
            },
          ],
        },
      },
    },
  };
}

const setProbe = (path: string) =>
  `kubectl patch statefulset db --type=json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/readinessProbe/httpGet/path","value":"${path}"}]'`;
const replaceStuckPod = 'kubectl delete pod db-0 --wait';
const settle = 'kubectl rollout status statefulset/db --timeout=150s';

export default defineExercise({
  title: 'One at a time, in order',
  hints: [
    '`kubectl get pods -l app=db` shows only `db-0`, Running but not ready. `kubectl describe pod db-0` says what its readiness probe gets back.',
    'A StatefulSet creates `db-1` only once `db-0` is Running and ready, and `db-2` after `db-1`. Fix the probe in the StatefulSet (`kubectl edit statefulset db`): its path should be the app\'s health endpoint, `/api/v1/health`.',
    'The StatefulSet also waits for `db-0` before it replaces `db-0` itself: after fixing the template, delete the stuck pod (`kubectl delete pod db-0`) and it comes back with the new probe.',
  ],
  setup: `${apply([service, db({ path: '/healthz', port: 5000 })])}
kubectl wait --for=create pod/db-0 --timeout=60s
kubectl wait --for=jsonpath='{.status.phase}'=Running pod/db-0 --timeout=120s`,
  solution: `${setProbe(healthPath)}
${replaceStuckPod}
${settle}`,
  cleanup: 'kubectl delete statefulset/db service/db --ignore-not-found --cascade=foreground --wait --timeout=90s',
  variants: [
    {
      name: 'the StatefulSet deleted and applied again, probing the port by name',
      apply: `kubectl delete statefulset db --cascade=foreground --wait
${apply(db({ path: healthPath, port: 'http' }))}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'the template fixed, but the stuck db-0 left in place',
      apply: `${setProbe(healthPath)}
sleep 10`,
      failsOn: 'pods',
    },
    {
      name: 'the readiness probe removed',
      apply: `kubectl patch statefulset db --type=json -p '[{"op":"remove","path":"/spec/template/spec/containers/0/readinessProbe"}]'
${replaceStuckPod}
${settle}`,
      failsOn: 'probe',
    },
    {
      name: 'the probe pointed at / (it answers, but is not the health endpoint)',
      apply: `${setProbe('/')}
${replaceStuckPod}
${settle}`,
      failsOn: 'probe',
    },
  ],
  check: async (cluster) => {
    const set = await statefulSet.read(cluster, 'db');
    const pods = await statefulSet.pods(cluster, set);
    return [statefulSet.exists(set, 'db'), statefulSet.readinessProbe(set, healthPath, 5000), statefulSet.readyPods(set, pods, 3)];
  },
});
