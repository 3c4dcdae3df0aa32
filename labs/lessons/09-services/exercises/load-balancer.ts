import { apply, defineExercise, deletes, deployment, eventually, exposure, service, type V1Deployment, type V1Service } from '@kubelab/labs';

const shop: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'shop', labels: { app: 'shop' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'shop' } },
    template: {
      metadata: { labels: { app: 'shop' } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'kubelab/web:1.0', ports: [{ name: 'http', containerPort: 5000 }] }] },
    },
  },
};

const settle = `kubectl wait service/shop --for=jsonpath='{.status.loadBalancer.ingress[0].ip}' --timeout=60s`;

export default defineExercise({
  title: 'An external IP from the load balancer',
  hints: [
    'A Service of type LoadBalancer asks the cluster\'s load-balancer controller (MetalLB, in your lab) for an address outside the cluster. `kubectl expose` takes `--type`.',
    'Port 80 for clients, the pods\' 5000 as targetPort. `kubectl get service shop -w` shows EXTERNAL-IP go from `<pending>` to an address.',
    '`kubectl expose deployment shop --type=LoadBalancer --port=80 --target-port=5000`, then `curl http://$(kubectl get service shop -o jsonpath=\'{.status.loadBalancer.ingress[0].ip}\')/` from your terminal.',
  ],
  setup: `${apply(shop)}
kubectl rollout status deployment/shop --timeout=120s`,
  solution: `kubectl expose deployment shop --type=LoadBalancer --port=80 --target-port=5000
${settle}`,
  cleanup: `${deletes('service/shop', 'deployment/shop')}
kubectl delete pods -l app=shop --ignore-not-found --grace-period=1 --wait`,
  variants: [
    {
      name: 'hand-written YAML, targetPort by the container port\'s name, an extra label',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'shop', labels: { app: 'shop', exposure: 'public' } },
        spec: { type: 'LoadBalancer', selector: { app: 'shop' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
      } satisfies V1Service)}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'a NodePort Service: reachable on the nodes, but no external IP',
      apply: `kubectl expose deployment shop --type=NodePort --port=80 --target-port=5000
kubectl wait service/shop --for=jsonpath='{.spec.type}'=NodePort --timeout=30s`,
      failsOn: 'external-ip',
    },
    {
      name: 'kubectl expose --port=5000 alone: the external IP answers on 5000, not 80',
      apply: `kubectl expose deployment shop --type=LoadBalancer --port=5000
${settle}`,
      failsOn: 'ports',
    },
  ],
  check: async (cluster, signal) => {
    const [found, app] = await Promise.all([service.read(cluster, 'shop'), deployment.read(cluster, 'shop')]);
    // MetalLB answers within a second or so of the Service's creation.
    const svc =
      found?.spec?.type === 'LoadBalancer' && !exposure.loadBalancerAddress(found)
        ? ((await eventually(async () => {
            const again = await service.read(cluster, 'shop');
            return exposure.loadBalancerAddress(again) ? again : undefined;
          }, { timeoutMs: 5_000, signal })) ?? found)
        : found;
    const ready = svc ? await exposure.awaitReadyAddresses(cluster, 'shop', 2, { signal }) : [];
    const criteria = [
      service.exists(svc, 'shop'),
      exposure.type(svc, 'LoadBalancer'),
      exposure.ports(svc, { port: 80, targetPort: 5000, containers: app?.spec?.template?.spec?.containers ?? [] }),
      service.endpoints(ready, 2),
      exposure.externalIp(svc),
    ];
    const address = exposure.loadBalancerAddress(svc);
    const url = `http://${address ?? '<external-ip>'}/`;
    const answer = criteria.every((c) => c.passed) ? (await exposure.httpAfterSync(cluster, [url], { signal }))[0]! : 'the criteria above must pass first';
    return [
      ...criteria,
      exposure.answeredBy(answer, 'shop-', {
        description: `A GET of ${url} (the external IP, port 80) is answered by a pod of \`shop\``,
        hint: 'From your terminal, which sits on the same network as the load balancer\'s addresses: `curl -sS http://<EXTERNAL-IP>/`.',
      }),
    ];
  },
  timeoutMs: 60_000,
});
