import { apply, defineExercise, deletes, headlessService, httpFromPod, type Criterion, type V1StatefulSet } from '@kubelab/labs';
import { image, waitForEndpoints } from '../shared.ts';

const labels = { app: 'peer' };

/** Two peers that must reach each other by name; their governing Service (serviceName) is not there yet. */
const peers: V1StatefulSet = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'peer' },
  spec: {
    serviceName: 'peer',
    replicas: 2,
    podManagementPolicy: 'Parallel',
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'web', image, ports: [{ name: 'http', containerPort: 5000 }], readinessProbe: { httpGet: { path: '/api/v1/health', port: 5000 }, periodSeconds: 2 } }],
      },
    },
  },
};

const settle = waitForEndpoints('peer', 2);

export default defineExercise({
  title: 'A headless Service: one DNS name per pod',
  hints: [
    'The StatefulSet names its Service in `spec.serviceName`: `kubectl get statefulset peer -o jsonpath=\'{.spec.serviceName}\'`. A Service of that name, without a virtual IP, gives each pod its own DNS name.',
    'Headless means `clusterIP: None`. `kubectl create service clusterip` takes `--clusterip=None`; its selector `app=<name>` fits these pods.',
    '`kubectl create service clusterip peer --clusterip=None --tcp=5000:5000`, then `kubectl get endpointslices -l kubernetes.io/service-name=peer -o yaml` shows the hostnames.',
  ],
  setup: `${apply(peers)}
kubectl rollout status statefulset/peer --timeout=120s`,
  solution: `kubectl create service clusterip peer --clusterip=None --tcp=5000:5000
${settle}`,
  cleanup: `${deletes('service/peer', 'statefulset/peer')}
kubectl delete pods -l app=peer --ignore-not-found --grace-period=1 --wait`,
  variants: [
    {
      name: 'hand-written YAML: port 80 to the named port http, an extra label',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'peer', labels: { role: 'governing' } },
        spec: { clusterIP: 'None', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      })}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'a plain ClusterIP Service, with a virtual IP',
      apply: `kubectl create service clusterip peer --tcp=5000:5000
${settle}`,
      failsOn: 'headless',
    },
    {
      name: 'headless, but the selector app=peers matches no pod',
      apply: `kubectl create service clusterip peer --clusterip=None --tcp=5000:5000
kubectl set selector service peer app=peers
sleep 2`,
      failsOn: 'dns',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const svc = await headlessService.read(cluster, 'peer');
    const slices = svc ? await headlessService.endpointSlices(cluster, 'peer', 'default') : [];
    const headless = headlessService.isHeadless(svc, 'peer');
    const dns = headlessService.podDnsNames(svc, slices, ['peer-0', 'peer-1']);
    const criteria = [headless, dns];
    if (!svc) return criteria;
    const url = 'http://peer-1.peer.default.svc.cluster.local:5000/api/v1/info';
    let answer = await httpFromPod(cluster, url, { signal });
    // A moment after the names were published, DNS may not have caught up: one more try, only then.
    if (!answer.body.includes('"hostname":"peer-1"') && dns.passed && !signal.aborted) answer = await httpFromPod(cluster, url, { signal });
    const traffic: Criterion<'traffic'> = {
      id: 'traffic',
      description: `Inside the cluster, \`${url}\` reaches the pod \`peer-1\` itself`,
      passed: answer.status === 200 && answer.body.includes('"hostname":"peer-1"'),
      expected: 'HTTP 200 from peer-1 ("hostname":"peer-1")',
      actual: answer.status !== undefined ? `${answer.summary}: ${answer.body.slice(0, 100)}` : answer.summary,
      hint: 'Look the name up yourself: `kubectl run dig --rm -it --image=kubelab/toolbox:1.0 --restart=Never -- dig +short peer-1.peer.default.svc.cluster.local`. It answers only for a headless Service named as the StatefulSet\'s `serviceName`, selecting its pods.',
    };
    return [...criteria, traffic];
  },
});
