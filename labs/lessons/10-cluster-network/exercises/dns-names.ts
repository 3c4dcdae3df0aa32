import { apply, defineExercise, getOrNull, runProbe, type Criterion, type V1Deployment, type V1Namespace, type V1Service } from '@kubelab/labs';
import { webImage } from '../shared.ts';

const namespace = 'shop';
const labels = { app: 'catalog' };

const shop: V1Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
const catalog: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'catalog', namespace, labels },
  spec: {
    replicas: 1,
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: webImage, ports: [{ name: 'http', containerPort: 5000 }] }] },
    },
  },
};

const settle = `until kubectl get endpointslices -n ${namespace} -l kubernetes.io/service-name=catalog -o jsonpath='{.items[*].endpoints[*].conditions.ready}' | grep -q true; do sleep 1; done`;

const fqdn = `catalog.${namespace}.svc.cluster.local`;

export default defineExercise({
  title: 'A Service by its DNS names',
  hints: [
    'CoreDNS gives every Service a name as soon as it exists: `<service>.<namespace>.svc.cluster.local`. The Deployment `catalog` lives in namespace `shop`, so the Service must too.',
    '`kubectl expose` takes `-n shop`, `--port` (what clients use: 80) and `--target-port` (where the app listens: 5000).',
    '`kubectl expose deployment catalog -n shop --port=80 --target-port=5000`, then from a pod in `default`: `curl http://catalog.shop/api/v1/health`.',
  ],
  setup: `${apply([shop, catalog])}
kubectl rollout status deployment/catalog -n ${namespace} --timeout=120s`,
  solution: `kubectl expose deployment catalog -n ${namespace} --port=80 --target-port=5000
${settle}`,
  // The namespace stays (deleting it is slow); what the learner made goes, in shop and in default.
  cleanup: `kubectl delete service catalog -n ${namespace} --ignore-not-found --wait
kubectl delete service catalog -n default --ignore-not-found --wait
kubectl delete deployment catalog -n ${namespace} --ignore-not-found --grace-period=1 --wait --cascade=foreground`,
  timeoutMs: 60_000,
  variants: [
    {
      name: 'hand-written YAML, a named port to the container port named http, extra labels',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'catalog', namespace, labels: { app: 'catalog', tier: 'backend' } },
        spec: { selector: labels, ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }] },
      } satisfies V1Service)}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'the Service made in namespace default (no -n shop)',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'catalog', namespace: 'default' },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 5000 }] },
      } satisfies V1Service)}`,
      failsOn: 'exists',
    },
    {
      name: 'port 5000 where 80 was asked for (kubectl expose without --port)',
      apply: `kubectl expose deployment catalog -n ${namespace}
${settle}`,
      failsOn: 'svc-ns',
    },
  ],
  check: async (cluster, signal) => {
    const svc = await getOrNull(() => cluster.core.readNamespacedService({ name: 'catalog', namespace }));
    const clusterIp = svc?.spec?.clusterIP;
    const exists: Criterion<'exists'> = {
      id: 'exists',
      description: 'A Service catalog exists in namespace shop, with a cluster IP',
      passed: Boolean(svc && clusterIp && clusterIp !== 'None'),
      expected: 'service catalog in namespace shop',
      actual: svc ? `cluster IP ${clusterIp ?? 'none'}` : 'no service catalog in namespace shop',
      hint: 'A Service is found by name in its own namespace: make it with `-n shop` (or `metadata.namespace: shop`).',
    };
    // One probe, from namespace default (where the short name catalog means nothing): both names, and a request.
    // A Service made a moment ago may not be in CoreDNS or in the node's kube-proxy rules yet (a packet to it is
    // refused at once until then): a quick failure is tried again, a second apart, a few times.
    const probe = await runProbe(
      cluster,
      `for attempt in 1 2 3 4 5; do
  began=$(date +%s%N)
  ns=$(getent hosts catalog.${namespace} | awk '{print $1}' | head -n 1)
  full=$(getent hosts ${fqdn} | awk '{print $1}' | head -n 1)
  code=$(curl -s -o /dev/null -w '%{http_code}' --connect-timeout 3 -m 5 http://catalog.${namespace}/api/v1/health)
  [ -n "$ns" ] && [ -n "$full" ] && [ "$code" = 200 ] && break
  [ $(( ($(date +%s%N) - began) / 1000000 )) -gt 2000 ] && break
  sleep 1
done
echo "ns:$ns"; echo "fqdn:$full"; echo "http:$code"`,
      { namespace: 'default', timeoutSeconds: 25, signal },
    );
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(probe.output)?.[1]?.trim() ?? '';
    const [nsAnswer, fqdnAnswer, code] = [field('ns'), field('fqdn'), field('http')];
    const unfinished = probe.exitCode === null ? ' (the probe did not finish in time)' : '';
    const svcNs: Criterion<'svc-ns'> = {
      id: 'svc-ns',
      description: `From ${probe.from}, catalog.shop resolves to the Service's IP and http://catalog.shop/api/v1/health answers`,
      passed: Boolean(clusterIp) && nsAnswer === clusterIp && code === '200',
      expected: `catalog.shop → ${clusterIp && clusterIp !== 'None' ? clusterIp : 'the cluster IP'}, then HTTP 200 on port 80`,
      actual: `catalog.shop → ${nsAnswer || 'does not resolve'}; GET http://catalog.shop/api/v1/health: ${code && code !== '000' ? `HTTP ${code}` : 'no answer'}${unfinished}`,
      hint: 'Clients use the Service\'s `port` (here 80, the default for http://), and the Service forwards to `targetPort`, where the app listens (5000).',
    };
    const full: Criterion<'fqdn'> = {
      id: 'fqdn',
      description: `From ${probe.from}, the full name ${fqdn} resolves to the same IP`,
      passed: Boolean(clusterIp) && fqdnAnswer === clusterIp,
      expected: `${fqdn} → ${clusterIp && clusterIp !== 'None' ? clusterIp : 'the cluster IP'}`,
      actual: `${fqdn} → ${fqdnAnswer || 'does not resolve'}${unfinished}`,
      hint: 'The full name is `<service>.<namespace>.svc.cluster.local`; it exists as soon as the Service does.',
    };
    return [exists, svcNs, full];
  },
});
