import { apply, defineExercise, deletes, deployment, eventually, exposure, service, type V1Deployment, type V1Service } from '@kubelab/labs';

const labels = { app: 'api', tier: 'backend' };

const api: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', labels: { app: 'api' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'api' } },
    template: {
      metadata: { labels },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'kubelab/web:1.0', ports: [{ name: 'http', containerPort: 5000 }] }] },
    },
  },
};

/** Broken on purpose: `component: backend` where the pods say `tier: backend`, so the selector matches no pod. */
const apiService = (selector: Record<string, string> = { app: 'api', component: 'backend' }): V1Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'api', labels: { app: 'api' } },
  spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
});

/** The EndpointSlice controller writes the slice a moment after the Service, then fills in both pods. */
const settle = `kubectl wait --for=create endpointslice -l kubernetes.io/service-name=api --timeout=30s
kubectl wait endpointslice -l kubernetes.io/service-name=api --for=jsonpath='{.endpoints[1].conditions.ready}'=true --timeout=60s`;

export default defineExercise({
  title: 'A Service with no endpoints',
  hints: [
    'Compare what the Service selects with what the pods carry: `kubectl describe service api` (Selector, Endpoints) and `kubectl get pods --show-labels`.',
    'Every `key=value` of a Service\'s selector must be on a pod for the pod to be an endpoint. Fix the Service: the Deployment makes its pods with `app=api,tier=backend`, and will go on doing so.',
    '`kubectl set selector service api app=api,tier=backend` replaces the whole selector (a `kubectl patch` would merge into it and keep the wrong key). Then `kubectl get endpointslices -l kubernetes.io/service-name=api`.',
  ],
  setup: `${apply([api, apiService()])}
kubectl rollout status deployment/api --timeout=120s`,
  solution: `kubectl set selector service api app=api,tier=backend
${settle}`,
  cleanup: `${deletes('service/api', 'deployment/api')}
kubectl delete pods -l app=api --ignore-not-found --grace-period=1 --wait`,
  variants: [
    {
      name: 'the Service applied again with a selector of app=api only',
      apply: `${apply(apiService({ app: 'api' }))}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'the pods relabelled to match the Service (new pods will not be)',
      apply: `kubectl label pods -l app=api component=backend
${settle}`,
      failsOn: 'service-selector',
    },
    {
      name: 'a merge patch adds tier=backend but keeps component=backend',
      apply: `kubectl patch service api -p '{"spec":{"selector":{"tier":"backend"}}}'
kubectl get endpointslices -l kubernetes.io/service-name=api`,
      failsOn: 'endpoints',
    },
  ],
  check: async (cluster, signal) => {
    const [svc, app] = await Promise.all([service.read(cluster, 'api'), deployment.read(cluster, 'api')]);
    const ready = svc ? await exposure.awaitReadyAddresses(cluster, 'api', 2, { signal }) : [];
    const criteria = [
      service.exists(svc, 'api'),
      service.selects(svc, app, {
        description: "The Service's selector takes every pod the Deployment `api` makes (the labels of its pod template), not just the pods of today",
        hint: "Every `key=value` of the selector must be among the labels the Deployment gives its pods: `kubectl get deployment api -o jsonpath='{.spec.template.metadata.labels}'`. Change the Service, not the pods: a label added to today's pods is missing from the next ones (after a rollout, a crash or a scale-up).",
      }),
      service.endpoints(ready, 2),
      deployment.available(app),
    ];
    // Through the API server's service proxy: an answer here means the Service's endpoints lead to a live pod.
    const get = () => service.get(cluster, { service: 'api', port: 'http', path: '/' });
    const answer = svc && ready.length
      ? ((await eventually(async () => {
          const got = await get();
          return got.body?.startsWith('api-') ? got : undefined;
        }, { timeoutMs: 4_000, signal })) ?? (await get()))
      : { error: 'not tried: the Service has no ready endpoints' };
    return [...criteria, service.responds(answer, '/', 'api-', { description: 'A request through the Service `api` is answered by one of its pods' })];
  },
  timeoutMs: 60_000,
});
