import { apply, defineExercise, deletes, deployment, eventually, formatLabels, service, type Criterion, type V1Service } from '@kubelab/labs';
import { health, waitForEndpoints, webDeployment } from '../shared.ts';

const labels = { app: 'api', tier: 'backend' };
const settle = `kubectl rollout status deployment/api --timeout=120s
${waitForEndpoints('api', 2)}`;

/** The broken Service the setup leaves: copied from a frontend's, with its selector and the tutorial's port. */
const broken: V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'api' },
  spec: { selector: { app: 'api', tier: 'frontend' }, ports: [{ port: 80, targetPort: 8080 }] },
};

export default defineExercise({
  title: 'Repair a Service that reaches nothing',
  hints: [
    'Ask the Service which pods it found: `kubectl get endpointslices -l kubernetes.io/service-name=api`, and compare `kubectl describe service api` with `kubectl get pods --show-labels`.',
    'Every label of the selector must be on a pod, and the pods say `tier=backend`. Then look at where the traffic goes: `kubectl get deployment api -o jsonpath=\'{.spec.template.spec.containers[0].ports}\'`.',
    '`kubectl set selector service api app=api,tier=backend` and `kubectl patch service api -p \'{"spec":{"ports":[{"port":80,"targetPort":"http"}]}}\'`.',
  ],
  setup: `${apply([webDeployment('api', labels, { portName: 'http' }), broken])}
kubectl rollout status deployment/api --timeout=120s`,
  solution: `kubectl set selector service api app=api,tier=backend
kubectl patch service api -p '{"spec":{"ports":[{"port":80,"targetPort":"http"}]}}'
${settle}`,
  cleanup: `${deletes('service/api', 'deployment/api')}
kubectl delete pods -l app=api --ignore-not-found --grace-period=1 --wait`,
  variants: [
    {
      name: 'the Service deleted and made again with kubectl expose',
      apply: `kubectl delete service api
kubectl expose deployment api --port=80 --target-port=5000
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'only the selector repaired: port 8080 still, where nothing listens',
      apply: `kubectl set selector service api app=api
${settle}`,
      failsOn: 'http',
    },
    {
      name: 'the pods relabelled by hand to fit the Service (they leave their ReplicaSet, which makes new ones)',
      apply: `kubectl label pods -l app=api tier=frontend --overwrite
kubectl patch service api -p '{"spec":{"ports":[{"port":80,"targetPort":5000}]}}'
${settle}`,
      failsOn: 'endpoints',
    },
  ],
  check: async (cluster, signal) => {
    const api = await deployment.read(cluster, 'api');
    const svc = await service.read(cluster, 'api');
    const podLabels = api?.spec?.template?.metadata?.labels ?? {};
    const untouched: Criterion<'deployment'> = {
      id: 'deployment',
      description: 'The Deployment `api` is as it was: 2 replicas, its pods labelled `app=api, tier=backend`',
      passed: api !== null && (api.spec?.replicas ?? 1) === 2 && Object.keys(podLabels).length === 2 && podLabels.app === 'api' && podLabels.tier === 'backend',
      expected: 'replicas 2, pods labelled app=api, tier=backend',
      actual: api ? `replicas ${api.spec?.replicas ?? 1}, pods labelled ${formatLabels(podLabels)}` : 'no deployment',
      hint: 'The pods are right; the Service is wrong. Undo the change to the Deployment (`kubectl rollout undo deployment/api`) and repair the Service instead.',
    };
    const criteria = [service.exists(svc, 'api'), untouched];
    if (!svc) return criteria;
    const pods = (await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=api,tier=backend' })).items;
    const podIps = new Set(pods.filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.podIP).map((p) => p.status!.podIP!));
    const read = async () => service.readyAddresses(await service.endpointSlices(cluster, 'api'));
    const ready = (await eventually(async () => {
      const addresses = await read();
      return addresses.length >= 2 ? addresses : undefined;
    }, { timeoutMs: 3_000, signal })) ?? (await read());
    const answer = (await eventually(async () => {
      const got = await service.get(cluster, { service: 'api', port: 80, path: health });
      return got.body?.includes('"status":"OK"') ? got : undefined;
    }, { timeoutMs: 3_000, signal })) ?? (await service.get(cluster, { service: 'api', port: 80, path: health }));
    const ours = ready.filter((ip) => podIps.has(ip));
    return [
      ...criteria,
      service.endpoints(ours, 2, {
        description: 'The Service finds the 2 pods of the Deployment `api` (its EndpointSlices list them as ready)',
        hint: 'A Service with a selector gets EndpointSlices listing every ready pod that carries all of its labels. `kubectl describe service api` shows the selector; `kubectl get pods --show-labels` the pods\' labels.',
      }),
      service.responds(answer, health, '"status":"OK"', {
        description: `Through the API server's service proxy, GET api:80${health} answers \`{"status":"OK"}\``,
        hint: 'Endpoints but no answer: the traffic goes to a port where nothing listens. The container\'s port is `http` (5000): that is the `targetPort`.',
      }),
    ];
  },
});
