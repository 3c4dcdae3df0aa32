import {
  apply,
  defineExercise,
  deletes,
  deployment,
  eventually,
  getFromHost,
  loadBalancerAddress,
  podsLabelled,
  service,
  serviceWarnings,
  type Criterion,
  type HostAnswer,
  type V1Service,
} from '@kubelab/labs';
import { resolveTargetPort, waitForEndpoints, webDeployment } from '../shared.ts';

const labels = { app: 'shop' };
const settle = waitForEndpoints('shop', 2);
const waitForAddress = "kubectl wait --for=jsonpath='{.status.loadBalancer.ingress[0].ip}' service/shop --timeout=60s";

export default defineExercise({
  title: 'A LoadBalancer Service with an address of its own',
  hints: [
    '`kubectl expose` takes a `--type`. One type asks the infrastructure for an external address in front of the nodes.',
    '`--type=LoadBalancer --port=80 --target-port=5000` (or the container port\'s name, `http`). Then watch `kubectl get service shop` until EXTERNAL-IP is no longer `<pending>`.',
    '`kubectl expose deployment shop --type=LoadBalancer --port=80 --target-port=http`, then `curl http://$(kubectl get service shop -o jsonpath=\'{.status.loadBalancer.ingress[0].ip}\')/`.',
  ],
  setup: `${apply(webDeployment('shop', labels, { portName: 'http' }))}
kubectl rollout status deployment/shop --timeout=120s`,
  solution: `kubectl expose deployment shop --type=LoadBalancer --port=80 --target-port=5000
${waitForAddress}
${settle}`,
  cleanup: deletes('service/shop', 'deployment/shop'),
  variants: [
    {
      name: 'hand-written YAML: the target port by its name, a named Service port and extra labels',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'shop', labels: { app: 'shop', tier: 'frontend' } },
        spec: { type: 'LoadBalancer', selector: labels, ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }] },
      } satisfies V1Service)}
${waitForAddress}
${settle}`,
    },
    {
      name: 'kubectl create service loadbalancer (its selector app=shop comes from the name)',
      apply: `kubectl create service loadbalancer shop --tcp=80:5000
${waitForAddress}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'a NodePort Service: reachable from outside, but at a node port, with no address of its own',
      apply: `kubectl expose deployment shop --type=NodePort --port=80 --target-port=5000
${settle}`,
      failsOn: 'type',
    },
    {
      name: '--port=80 without --target-port: the address answers nothing, since the pods listen on 5000',
      apply: `kubectl expose deployment shop --type=LoadBalancer --port=80
${waitForAddress}
${settle}`,
      failsOn: 'ports',
    },
    {
      name: 'spec.loadBalancerIP copied from a cloud tutorial: an address outside the pool, so it stays <pending>',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'shop' },
        spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.10', selector: labels, ports: [{ port: 80, targetPort: 5000 }] },
      } satisfies V1Service)}
${settle}`,
      failsOn: 'external-ip',
    },
  ],
  timeoutMs: 20_000,
  check: async (cluster, signal) => {
    const shop = await deployment.read(cluster, 'shop');
    let svc = await service.read(cluster, 'shop');
    const type = svc?.spec?.type ?? 'ClusterIP';
    // MetalLB assigns an address within a second of the Service's creation; a check right after it may be earlier.
    if (svc && type === 'LoadBalancer' && !loadBalancerAddress(svc)) {
      svc = (await eventually(async () => {
        const current = await service.read(cluster, 'shop');
        return loadBalancerAddress(current) ? current : undefined;
      }, { timeoutMs: 5_000, signal })) ?? (await service.read(cluster, 'shop'));
    }
    const address = loadBalancerAddress(svc);
    const containers = shop?.spec?.template?.spec?.containers ?? [];
    const ports = svc?.spec?.ports ?? [];
    const show = (p: (typeof ports)[number]) => {
      const resolved = resolveTargetPort(p.targetPort, p.port, containers);
      const target = p.targetPort ?? p.port;
      return `${p.port}→${String(target)}${typeof target === 'string' && resolved !== undefined ? ` (= ${resolved})` : ''}`;
    };

    const typeCriterion: Criterion<'type'> = {
      id: 'type',
      description: 'The Service is of type LoadBalancer',
      passed: svc !== null && type === 'LoadBalancer',
      expected: 'type LoadBalancer',
      actual: svc ? `type ${type}` : 'no service',
      hint: 'Only `type: LoadBalancer` asks for an external address. A NodePort Service opens a port on the nodes, and a ClusterIP one is reachable only inside the cluster.',
    };
    const portsCriterion: Criterion<'ports'> = {
      id: 'ports',
      description: "Port 80 of the Service leads to the pods' port 5000 (`http`)",
      passed: ports.some((p) => p.port === 80 && resolveTargetPort(p.targetPort, p.port, containers) === 5000 && (p.protocol ?? 'TCP') === 'TCP'),
      expected: '80→5000 (or 80→http)',
      actual: svc ? ports.map(show).join(', ') || 'no ports' : 'no service',
      hint: "Clients call the external address on `port` (80); the pods get the traffic on `targetPort`. Left out, `targetPort` is the same as `port`, and nothing listens on 80 in the pods: set it to 5000 or to the container port's name, `http`.",
    };
    let pending = 'no service';
    if (svc && type !== 'LoadBalancer') pending = `none: a ${type} Service gets no external address`;
    else if (svc && !address) {
      const [why] = await serviceWarnings(cluster, 'shop');
      pending = `<pending>${why ? `; the load-balancer controller says: ${why}` : ''}`;
    }
    const externalIp: Criterion<'external-ip'> = {
      id: 'external-ip',
      description: 'The Service has an external IP (EXTERNAL-IP is not `<pending>`)',
      passed: address !== undefined,
      expected: "an address from the cluster's load-balancer pool",
      actual: address ?? pending,
      hint: '`kubectl describe service shop` shows the events: here MetalLB says which address it assigned, or why it could not. An address asked for with `loadBalancerIP` (or an annotation) must lie in the pool (`kubectl get ipaddresspools -n metallb-system`); leave it out and MetalLB picks one.',
    };
    const criteria = [service.exists(svc, 'shop'), typeCriterion, portsCriterion, service.selects(svc, shop), externalIp];
    if (!address) {
      return [...criteria, fromOutside(undefined, [], 'not tried: the Service has no external address')];
    }

    // From the checker's own process, outside the cluster, as a browser would: the app answers `/` with its pod's name.
    const url = `http://${address.includes(':') ? `[${address}]` : address}/`;
    const podNames = async () => (shop ? (await podsLabelled(cluster, shop.spec?.selector?.matchLabels ?? {})).map((p) => p.metadata?.name ?? '') : []);
    let names = await podNames();
    const answer =
      (await eventually(async () => {
        const got = await getFromHost(url, { timeoutMs: 2_000, signal });
        return got.status === 200 && names.includes(got.body.trim()) ? got : undefined;
      }, { timeoutMs: 6_000, signal })) ?? (await getFromHost(url, { timeoutMs: 2_000, signal }));
    if (answer.status === 200 && !names.includes(answer.body.trim())) names = await podNames();
    return [...criteria, fromOutside(answer, names)];
  },
});

/** The request from outside the cluster: HTTP 200 from `/`, whose body is the name of a pod of `shop`. */
function fromOutside(answer: HostAnswer | undefined, pods: readonly string[], notTried?: string): Criterion<'from-outside'> {
  const body = answer?.body.trim() ?? '';
  const passed = answer?.status === 200 && pods.includes(body);
  let actual = notTried ?? answer!.summary;
  if (answer?.status !== undefined) actual = `${answer.summary}: ${body.slice(0, 100) || 'an empty body'}${answer.status === 200 && !pods.includes(body) ? ' (not a pod of shop)' : ''}`;
  return {
    id: 'from-outside',
    description: "From outside the cluster, the external IP on port 80 answers from a pod of the Deployment `shop`",
    passed,
    expected: `HTTP 200 from ${answer?.url ?? 'http://<external IP>/'}, naming one of ${pods.length ? pods.join(', ') : "shop's pods"}`,
    actual,
    hint: "Try it yourself: `curl http://$(kubectl get service shop -o jsonpath='{.status.loadBalancer.ingress[0].ip}')/`. Refused means the Service has no ready pod behind that port (check the selector and `targetPort`); no answer at all means nothing claims the address.",
  };
}
