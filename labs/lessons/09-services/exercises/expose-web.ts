import { apply, defineExercise, deletes, deployment, exposure, service, type V1Deployment, type V1Service } from '@kubelab/labs';

/**
 * The app listens on 8080 here, not on kubelab/web's usual 5000, and its container names that port `http`: a
 * Service that targets the name needs no number, and one that assumes 5000 reaches nothing.
 */
const catalog: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'catalog', labels: { app: 'catalog' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'catalog' } },
    template: {
      metadata: { labels: { app: 'catalog' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'web', image: 'kubelab/web:1.0', env: [{ name: 'PORT', value: '8080' }], ports: [{ name: 'http', containerPort: 8080 }] }],
      },
    },
  },
};

const url = 'http://catalog.default.svc.cluster.local/';
/** The EndpointSlice controller writes the slice a moment after the Service, then fills in both pods. */
const settle = `kubectl wait --for=create endpointslice -l kubernetes.io/service-name=catalog --timeout=30s
kubectl wait endpointslice -l kubernetes.io/service-name=catalog --for=jsonpath='{.endpoints[1].conditions.ready}'=true --timeout=60s`;

function catalogService(spec: Partial<NonNullable<V1Service['spec']>>, labels: Record<string, string> = {}): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'catalog', labels: { app: 'catalog', ...labels } },
    spec: { selector: { app: 'catalog' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }], ...spec },
  };
}

export default defineExercise({
  title: 'Give the catalog a stable address',
  hints: [
    '`kubectl expose deployment catalog` makes a Service with the Deployment\'s selector. Look at the pods\' port first: `kubectl get deployment catalog -o yaml | grep -A3 ports`.',
    'A Service port has two sides: `--port` is what clients call (80), `--target-port` where the pods listen. The container names its port `http`, and a targetPort may be that name.',
    '`kubectl expose deployment catalog --port=80 --target-port=http`, then `kubectl get endpointslices -l kubernetes.io/service-name=catalog` should list two addresses on port 8080.',
  ],
  setup: `${apply(catalog)}
kubectl rollout status deployment/catalog --timeout=120s`,
  solution: `kubectl expose deployment catalog --port=80 --target-port=http
${settle}`,
  cleanup: `${deletes('service/catalog', 'deployment/catalog')}
kubectl delete pods -l app=catalog --ignore-not-found --grace-period=1 --wait`,
  variants: [
    {
      name: 'kubectl create service clusterip, the target port by its number',
      apply: `kubectl create service clusterip catalog --tcp=80:8080
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: "targetPort 5000, kubelab/web's usual port (this one listens on 8080)",
      apply: `kubectl expose deployment catalog --port=80 --target-port=5000
${settle}`,
      failsOn: 'ports',
    },
    {
      name: 'a headless Service (clusterIP None): its name leads to the pods on 8080, and nothing answers on 80',
      apply: `${apply(catalogService({ clusterIP: 'None' }))}
${settle}`,
      failsOn: 'type',
    },
  ],
  check: async (cluster, signal) => {
    const [svc, app] = await Promise.all([service.read(cluster, 'catalog'), deployment.read(cluster, 'catalog')]);
    const containers = app?.spec?.template?.spec?.containers ?? [];
    const structure = [
      service.exists(svc, 'catalog'),
      exposure.type(svc, 'ClusterIP'),
      exposure.ports(svc, { port: 80, targetPort: 8080, containers }),
      service.selects(svc, app),
    ];
    const ready = svc ? await exposure.awaitReadyAddresses(cluster, 'catalog', 2, { signal }) : [];
    const criteria = [...structure, service.endpoints(ready, 2)];
    // A wrong port or type is named above; only a Service that can work is worth a probe pod's seconds.
    const answer = criteria.every((c) => c.passed) ? (await exposure.httpAfterSync(cluster, [url], { signal }))[0]! : 'the criteria above must pass first';
    return [...criteria, exposure.answeredBy(answer, 'catalog-', { description: `A GET of ${url} from a pod in the cluster is answered by a pod of \`catalog\`` })];
  },
  timeoutMs: 60_000,
});
