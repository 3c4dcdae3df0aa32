import { apply, defineExercise, deletes, deployment, eventually, service, type Criterion, type V1Service } from '@kubelab/labs';
import { health, resolveTargetPort, waitForEndpoints, webDeployment } from '../shared.ts';

const labels = { app: 'web' };
const settle = waitForEndpoints('web', 2);

export default defineExercise({
  title: 'A ClusterIP Service on a named port',
  hints: [
    '`kubectl expose deployment web` makes a Service with the Deployment\'s selector. Look at its flags with `--help`.',
    'The container calls its port `http` (`kubectl get deployment web -o jsonpath=\'{.spec.template.spec.containers[0].ports}\'`). Without `--target-port`, the Service sends traffic to the same number as `--port`, and nothing listens on 80 in the pod.',
    '`kubectl expose deployment web --port=80 --target-port=http`, then `kubectl get endpointslices -l kubernetes.io/service-name=web`.',
  ],
  setup: `${apply(webDeployment('web', labels, { portName: 'http' }))}
kubectl rollout status deployment/web --timeout=120s`,
  solution: `kubectl expose deployment web --port=80 --target-port=http
${settle}`,
  cleanup: deletes('service/web', 'deployment/web'),
  variants: [
    {
      name: 'hand-written YAML, the target port by number, a named Service port and extra labels',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', labels: { app: 'web', tier: 'frontend' } },
        spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 5000, protocol: 'TCP' }] },
      } satisfies V1Service)}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'kubectl expose --port=80 without --target-port (the pods get traffic on 80)',
      apply: `kubectl expose deployment web --port=80
${settle}`,
      failsOn: 'ports',
    },
    {
      name: 'a NodePort Service where a ClusterIP one was asked for',
      apply: `kubectl expose deployment web --type=NodePort --port=80 --target-port=http
${settle}`,
      failsOn: 'type',
    },
  ],
  check: async (cluster, signal) => {
    const web = await deployment.read(cluster, 'web');
    const svc = await service.read(cluster, 'web');
    const containers = web?.spec?.template?.spec?.containers ?? [];
    const ports = svc?.spec?.ports ?? [];
    const type = svc?.spec?.type ?? 'ClusterIP';
    const typeCriterion: Criterion<'type'> = {
      id: 'type',
      description: 'The Service is of type ClusterIP, with a virtual IP reachable only inside the cluster',
      passed: svc !== null && type === 'ClusterIP' && svc.spec?.clusterIP !== 'None',
      expected: 'type ClusterIP, a cluster IP',
      actual: svc ? `type ${type}, cluster IP ${svc.spec?.clusterIP ?? 'none'}` : 'no service',
      hint: 'ClusterIP is the default: leave `--type` (or `type:`) out. A NodePort also opens a port on every node, which this Service should not.',
    };
    const show = (p: (typeof ports)[number]) => {
      const resolved = resolveTargetPort(p.targetPort, p.port, containers);
      const target = p.targetPort ?? p.port;
      return `${p.port}→${String(target)}${typeof target === 'string' && resolved !== undefined ? ` (= ${resolved})` : ''}`;
    };
    const portsCriterion: Criterion<'ports'> = {
      id: 'ports',
      description: 'Port 80 of the Service leads to the container\'s port `http` (5000)',
      passed: ports.some((p) => p.port === 80 && resolveTargetPort(p.targetPort, p.port, containers) === 5000),
      expected: '80→http (= 5000)',
      actual: svc ? (ports.map(show).join(', ') || 'no ports') : 'no service',
      hint: 'The Service\'s `port` is what clients call; its `targetPort` is where the pod listens, by number or by the container port\'s name. Set `targetPort: http`.',
    };
    const criteria = [service.exists(svc, 'web'), typeCriterion, portsCriterion, service.selects(svc, web)];
    if (!svc) return criteria;
    const ready = (await eventually(async () => {
      const addresses = service.readyAddresses(await service.endpointSlices(cluster, 'web'));
      return addresses.length >= 2 ? addresses : undefined;
    }, { timeoutMs: 3_000, signal })) ?? service.readyAddresses(await service.endpointSlices(cluster, 'web'));
    const answer = (await eventually(async () => {
      const got = await service.get(cluster, { service: 'web', port: 80, path: health });
      return got.body?.includes('"status":"OK"') ? got : undefined;
    }, { timeoutMs: 3_000, signal })) ?? (await service.get(cluster, { service: 'web', port: 80, path: health }));
    return [
      ...criteria,
      service.endpoints(ready, 2),
      service.responds(answer, health, '"status":"OK"', {
        description: `Through the API server's service proxy, GET web:80${health} answers \`{"status":"OK"}\``,
      }),
    ];
  },
});
