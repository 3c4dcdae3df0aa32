import { apply, defineExercise, eventually, headlessService, statefulSet, type V1Service, type V1StatefulSet } from '@kubelab/labs';

const image = 'kubelab/web:1.0';
const hostnames = ['web-0', 'web-1', 'web-2'];

function service(options: { headless?: boolean; targetPort?: number | string } = {}): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: {
      ...(options.headless === false ? {} : { clusterIP: 'None' }),
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: options.targetPort ?? 5000 }],
    },
  };
}

function web(options: { serviceName?: string; image?: string; labels?: Record<string, string>; parallel?: boolean } = {}): V1StatefulSet {
  const labels = options.labels ?? { app: 'web' };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web' },
    spec: {
      serviceName: options.serviceName ?? 'web',
      replicas: 3,
      ...(options.parallel ? { podManagementPolicy: 'Parallel' } : {}),
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'web', image: options.image ?? image, ports: [{ name: 'http', containerPort: 5000 }] }] },
      },
    },
  };
}

const settle = 'kubectl rollout status statefulset/web --timeout=150s';

export default defineExercise({
  title: 'Pods with names of their own',
  hints: [
    'Two objects: a Service with `clusterIP: None` (headless), and a StatefulSet whose `serviceName` is that Service\'s name. Start the StatefulSet from a Deployment\'s YAML: `kubectl create deployment web --image=kubelab/web:1.0 --dry-run=client -o yaml`.',
    'A StatefulSet needs `serviceName: web`, `replicas: 3`, and a `selector` that matches its template\'s labels; the Service\'s selector must match them too.',
    'Watch the pods start one after the other with `kubectl get pods -l app=web -w`, then ask DNS: `kubectl run dns --rm -it --restart=Never --image=kubelab/toolbox:1.0 -- dig +short web-0.web.default.svc.cluster.local`.',
  ],
  solution: `kubectl create service clusterip web --clusterip=None --tcp=80:5000
${apply(web())}
${settle}`,
  cleanup: 'kubectl delete statefulset/web deployment/web service/web --ignore-not-found --cascade=foreground --wait --timeout=90s',
  variants: [
    {
      name: 'hand-written Service with a named target port, pods started in parallel, extra labels, image with its registry',
      apply: `${apply([service({ targetPort: 'http' }), web({ parallel: true, image: `docker.io/${image}`, labels: { app: 'web', tier: 'frontend' } })])}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'a plain ClusterIP Service (kubectl create service clusterip without --clusterip=None)',
      apply: `${apply([service({ headless: false }), web()])}
${settle}`,
      failsOn: 'headless',
    },
    {
      name: "the StatefulSet's serviceName names another Service",
      apply: `${apply([service(), web({ serviceName: 'web-headless' })])}
${settle}`,
      failsOn: 'dns',
    },
    {
      name: 'a Deployment of three replicas instead of a StatefulSet',
      apply: `${apply(service())}
kubectl create deployment web --image=${image} --replicas=3
kubectl rollout status deployment/web --timeout=120s`,
      failsOn: 'exists',
    },
  ],
  check: async (cluster, signal) => {
    const [set, svc] = await Promise.all([statefulSet.read(cluster, 'web'), headlessService.read(cluster, 'web')]);
    const pods = await statefulSet.pods(cluster, set);
    const read = () => headlessService.endpointSlices(cluster, 'web', 'default');
    const published = (slices: Awaited<ReturnType<typeof read>>) =>
      hostnames.every((h) => slices.some((s) => (s.endpoints ?? []).some((e) => e.hostname === h && e.conditions?.ready !== false)));
    // The endpoint controller catches up with new pods within a second or two.
    const slices =
      svc?.spec?.clusterIP === 'None'
        ? ((await eventually(async () => {
            const found = await read();
            return published(found) ? found : undefined;
          }, { timeoutMs: 4_000, signal })) ?? (await read()))
        : await read();
    return [
      statefulSet.exists(set, 'web'),
      statefulSet.image(set, image),
      statefulSet.readyPods(set, pods, 3),
      headlessService.isHeadless(svc, 'web'),
      headlessService.podDnsNames(svc, slices, hostnames),
    ];
  },
});
