/** Criteria and reads for the Services lesson. */
import { randomUUID } from 'node:crypto';
import { DiscoveryV1Api, type V1Container, type V1EndpointSlice, type V1Node, type V1Service, type V1ServicePort } from '@kubernetes/client-node';
import type { CheckContext } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import { endpointSlicesOf, readyAddresses } from './deployments.ts';
import { formatLabels } from './pods.ts';
import { httpEachScript, parseHttpProbes, runProbe, type HttpProbe, type HttpProbeEach, type ProbeOrigin } from './probe.ts';
import { eventually } from './queries.ts';
import type { Criterion } from './types.ts';

/** The label that ties an EndpointSlice to its Service: kube-proxy and DNS find a Service's slices by it. */
export const serviceNameLabel = 'kubernetes.io/service-name';

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

/** The address other machines reach a node at (its InternalIP; on kind, its address on the cluster's Docker network). */
export function nodeInternalIp(target: V1Node | null): string | undefined {
  return target?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** The external address a load balancer gave the Service (an IP, or a host name on some clouds), if any yet. */
export function loadBalancerAddress(target: V1Service | null): string | undefined {
  const ingress = target?.status?.loadBalancer?.ingress?.[0];
  return ingress?.ip ?? ingress?.hostname ?? undefined;
}

/**
 * The container port a Service port sends traffic to, as a number: a numeric targetPort as it is, a name through
 * the pods' declared ports (as the EndpointSlice controller resolves it per pod), and no targetPort as the port.
 */
export function resolveTargetPort(port: V1ServicePort, containers: readonly V1Container[]): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  return containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target)?.containerPort;
}

/** One Service port as `kubectl get service` would let a learner read it: `80→http (8080)`, `80→5000 (node port 30080)`. */
export function describeServicePort(port: V1ServicePort, containers: readonly V1Container[] = []): string {
  const target = port.targetPort ?? port.port;
  const resolved = typeof target === 'string' && !/^\d+$/.test(target) ? resolveTargetPort(port, containers) : undefined;
  const shownTarget = typeof target === 'string' && !/^\d+$/.test(target) ? `${target} (${resolved ?? 'no container port of that name'})` : String(target);
  return `${port.port}→${shownTarget}${port.nodePort ? ` (node port ${port.nodePort})` : ''}${port.name ? ` named ${port.name}` : ''}`;
}

/** Every EndpointSlice of a namespace: a check that wants to say "this one exists but is not tied to the Service" needs the others too. */
export async function namespaceEndpointSlices(cluster: CheckContext, namespace = 'default'): Promise<V1EndpointSlice[]> {
  const discovery = cluster.kubeConfig.makeApiClient(DiscoveryV1Api);
  return (await discovery.listNamespacedEndpointSlice({ namespace })).items;
}

/**
 * The ready addresses of a Service's EndpointSlices, waiting up to `timeoutMs` (4 s) for `atLeast` of them: the
 * slices follow a new or repaired Service by a moment, and a check run right after the learner's command should
 * not fail on that moment.
 */
export async function awaitReadyAddresses(
  cluster: CheckContext,
  name: string,
  atLeast: number,
  options: { namespace?: string; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<string[]> {
  const read = async () => readyAddresses(await endpointSlicesOf(cluster, name, options.namespace ?? 'default'));
  const enough = await eventually(async () => {
    const found = await read();
    return found.length >= atLeast ? found : undefined;
  }, { timeoutMs: options.timeoutMs ?? 4_000, signal: options.signal });
  return enough ?? (await read());
}

/**
 * httpFromPodEach for a Service just made or changed: kube-proxy writes its rules up to a second or two after the
 * change (measured: a LoadBalancer IP's rule 1.6 s after MetalLB gave the address), and a connection tried before
 * then is not refused but lost, for its whole timeout. So each URL that gets no answer is asked again with a fresh
 * connection for up to `settleSeconds` (10).
 */
export async function httpFromPodAfterSync(
  cluster: CheckContext,
  urls: readonly string[],
  options: ProbeOrigin & { connectSeconds?: number; settleSeconds?: number; signal?: AbortSignal } = {},
): Promise<HttpProbeEach[]> {
  const seconds = options.connectSeconds ?? 3;
  const settle = options.settleSeconds ?? 10;
  const marker = `kubelab-probe-${randomUUID()}`;
  const result = await runProbe(cluster, httpEachScript(urls, seconds, marker, settle), { ...options, timeoutSeconds: seconds + settle + 40 });
  return parseHttpProbes(urls, result, marker);
}

const sliceName = (slice: V1EndpointSlice) => slice.metadata?.name ?? '?';
const sliceAddresses = (slice: V1EndpointSlice) => (slice.endpoints ?? []).flatMap((e) => e.addresses);
const ofService = (slices: readonly V1EndpointSlice[], name: string) => slices.filter((s) => s.metadata?.labels?.[serviceNameLabel] === name);
const firstLine = (text: string) => text.split('\n')[0]!.trim();

/**
 * Criterion builders for the Services lesson, in the style of `service`: each states one fact, takes a missing
 * object (null), and fills in id, description, expected, actual and a default hint.
 *
 *   const svc = await service.read(cluster, 'shop');
 *   return [exposure.type(svc, 'LoadBalancer'), exposure.externalIp(svc)];
 */
export const exposure = {
  nodeInternalIp,
  loadBalancerAddress,
  resolveTargetPort,
  namespaceEndpointSlices,
  awaitReadyAddresses,
  httpAfterSync: httpFromPodAfterSync,

  /** The Service is of type `want`; a ClusterIP one must have a virtual IP (not be headless). Id "type". */
  type<const Id extends string = 'type'>(target: V1Service | null, want: ServiceType, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const type = target?.spec?.type ?? 'ClusterIP';
    const headless = target?.spec?.clusterIP === 'None';
    return buildCriterion(
      {
        id: 'type',
        description: want === 'ClusterIP' ? 'The Service is of the default type, ClusterIP, with a virtual IP of its own' : `The Service is of type ${want}`,
        hint:
          want === 'ClusterIP'
            ? 'Leave `type` out (or write `type: ClusterIP`) and do not set `clusterIP: None`. The type of an existing Service can be changed with `kubectl edit` or `kubectl patch`.'
            : `Set \`type: ${want}\` in the Service's spec (\`kubectl expose … --type=${want}\`, or \`kubectl patch service <name> -p '{"spec":{"type":"${want}"}}'\`).`,
      },
      options,
      {
        passed: target !== null && type === want && !(want === 'ClusterIP' && headless),
        expected: want,
        actual: target ? `${type}${headless ? ' (headless: clusterIP None)' : ''}` : 'no service',
      },
    );
  },

  /**
   * A TCP port of the Service, `port`, goes to the pods' `targetPort`, whether the Service names that number or the
   * container port's name (`containers`: the pods' containers, to resolve a name). Id "ports".
   */
  ports<const Id extends string = 'ports'>(
    target: V1Service | null,
    want: { port: number; targetPort: number; containers?: readonly V1Container[] },
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const containers = want.containers ?? [];
    const ports = target?.spec?.ports ?? [];
    const match = ports.find((p) => p.port === want.port && (p.protocol ?? 'TCP') === 'TCP' && resolveTargetPort(p, containers) === want.targetPort);
    const named = containers.flatMap((c) => c.ports ?? []).find((p) => p.containerPort === want.targetPort && p.name)?.name;
    return buildCriterion(
      {
        id: 'ports',
        description: `The Service's port ${want.port} goes to the pods' port ${want.targetPort}${named ? ` (the container port named \`${named}\`)` : ''}`,
        hint: `Under \`ports\`: \`port: ${want.port}\` is what clients call, \`targetPort\` is where the pods listen (\`${named ?? want.targetPort}\`). Without \`targetPort\` (as \`kubectl expose --port=${want.port}\` alone does), it is the same as \`port\`. \`kubectl get endpointslices -l ${serviceNameLabel}=<service>\` shows the port traffic is sent to.`,
      },
      options,
      {
        passed: target !== null && match !== undefined,
        expected: `${want.port}→${named ? `${named} or ` : ''}${want.targetPort}`,
        actual: target ? (ports.length ? ports.map((p) => describeServicePort(p, containers)).join(', ') : 'no ports') : 'no service',
      },
    );
  },

  /** The Service has no selector: its endpoints are whatever EndpointSlices name it. Id "no-selector". */
  withoutSelector<const Id extends string = 'no-selector'>(target: V1Service | null, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const selector = target?.spec?.selector ?? {};
    return buildCriterion(
      {
        id: 'no-selector',
        description: 'The Service has no selector (its endpoints are yours to write)',
        hint: '`kubectl create service clusterip` and `kubectl expose` both add a selector (`app=<name>`, or the pods\' labels). Write the Service as YAML, with `ports` and no `selector`, or remove it: `kubectl patch service <name> --type=json -p \'[{"op":"remove","path":"/spec/selector"}]\'`.',
      },
      options,
      {
        passed: target !== null && Object.keys(selector).length === 0,
        expected: 'no selector',
        actual: !target ? 'no service' : Object.keys(selector).length ? `selector ${formatLabels(selector)}` : 'no selector',
      },
    );
  },

  /**
   * An EndpointSlice tied to the Service `name` by the label kubernetes.io/service-name holds `address`
   * (`slices`: every slice of the namespace, so one that lacks the label can be named). Id "slice".
   */
  sliceHolds<const Id extends string = 'slice'>(slices: readonly V1EndpointSlice[], name: string, address: string | undefined, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const tied = ofService(slices, name);
    const holding = tied.filter((s) => address !== undefined && sliceAddresses(s).includes(address));
    const untied = slices.filter((s) => !tied.includes(s) && address !== undefined && sliceAddresses(s).includes(address));
    const actual = holding.length
      ? `${holding.map(sliceName).join(', ')} holds ${address}`
      : tied.length
        ? `${tied.map((s) => `${sliceName(s)}: ${sliceAddresses(s).join(', ') || 'no addresses'}`).join('; ')}`
        : untied.length
          ? `${untied.map(sliceName).join(', ')} holds ${address} but is not labelled ${serviceNameLabel}=${name}`
          : `no EndpointSlice labelled ${serviceNameLabel}=${name}`;
    return buildCriterion(
      {
        id: 'slice',
        description: `An EndpointSlice labelled \`${serviceNameLabel}=${name}\` holds the address ${address ?? '(none known)'}`,
        hint: `A Service finds its EndpointSlices by the label \`${serviceNameLabel}: ${name}\`, not by their names. The slice lists the address under \`endpoints[].addresses\` (\`kubectl get pod <pod> -o wide\` shows a pod's IP).`,
      },
      options,
      { passed: holding.length > 0, expected: `${address ?? '?'} in a slice labelled ${serviceNameLabel}=${name}`, actual },
    );
  },

  /**
   * The Service's slices that hold `address` send a port of the Service to `port`: kube-proxy pairs a slice's port
   * with the Service's port of the same name (both unnamed counts). Id "slice-port".
   */
  slicePort<const Id extends string = 'slice-port'>(
    target: V1Service | null,
    slices: readonly V1EndpointSlice[],
    want: { address: string | undefined; port: number },
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const name = target?.metadata?.name ?? '<service>';
    const holding = ofService(slices, name).filter((s) => want.address !== undefined && sliceAddresses(s).includes(want.address));
    const servicePorts = target?.spec?.ports ?? [];
    const pairs = servicePorts.flatMap((sp) =>
      holding.flatMap((s) => (s.ports ?? []).filter((p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')).map((p) => ({ sp, p }))),
    );
    const show = (n: string | undefined) => (n ? `named ${n}` : 'unnamed');
    const sliceFacts = holding.flatMap((s) => (s.ports ?? []).map((p) => `${sliceName(s)}: port ${show(p.name)} → ${p.port ?? 'none'}`));
    return buildCriterion(
      {
        id: 'slice-port',
        description: `The EndpointSlice sends the Service's port to port ${want.port} of ${want.address ?? 'the address'}`,
        hint: `A slice's \`ports[].port\` is where the address listens (the pod's ${want.port}, not the Service's own port), and its \`name\` must be the name of the Service's port (leave both unnamed, or name both alike).`,
      },
      options,
      {
        passed: target !== null && pairs.some(({ p }) => p.port === want.port),
        expected: `a port named as the Service's (${servicePorts.map((p) => show(p.name)).join(', ') || 'none'}) → ${want.port}`,
        actual: !target
          ? 'no service'
          : !holding.length
            ? 'no slice of the Service holds the address'
            : sliceFacts.length
              ? `${sliceFacts.join('; ')}; the Service's port is ${servicePorts.map((p) => show(p.name)).join(', ') || 'missing'}`
              : 'the slice lists no ports',
      },
    );
  },

  /** A load balancer (MetalLB, in the lab) has given the Service an external address. Id "external-ip". */
  externalIp<const Id extends string = 'external-ip'>(target: V1Service | null, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const address = loadBalancerAddress(target);
    const type = target?.spec?.type ?? 'ClusterIP';
    return buildCriterion(
      {
        id: 'external-ip',
        description: 'The Service has an external IP, given by the load balancer',
        hint: 'Only a Service of `type: LoadBalancer` gets one; `kubectl get service <name> -w` shows EXTERNAL-IP go from `<pending>` to an address.',
      },
      options,
      {
        passed: address !== undefined,
        expected: 'an address in status.loadBalancer.ingress',
        actual: !target ? 'no service' : address ?? (type === 'LoadBalancer' ? 'none yet (pending)' : `none (a ${type} Service gets none)`),
      },
    );
  },

  /**
   * An HTTP probe (httpFromPod, httpFromPodEach) got HTTP 200 from one of the pods named `podPrefix…` (kubelab/web
   * answers `/` with its pod's name). A string instead of a probe is why it was not tried. Id "http".
   */
  answeredBy<const Id extends string = 'http'>(probe: HttpProbe | string, podPrefix: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const pod = typeof probe === 'string' ? undefined : firstLine(probe.body);
    return buildCriterion(
      {
        id: 'http',
        description: `A request through the Service is answered by a pod of \`${podPrefix}\``,
        hint: 'Try it yourself: `kubectl run curl --rm -it --restart=Never --image=kubelab/toolbox:1.0 -- curl -sS -m 3 http://<service>/`. A refusal or a timeout means no ready endpoint, or a targetPort nothing listens on.',
      },
      options,
      {
        passed: typeof probe !== 'string' && probe.status === 200 && pod !== undefined && pod.startsWith(podPrefix),
        expected: `HTTP 200 from ${podPrefix}…`,
        actual:
          typeof probe === 'string'
            ? `not tried: ${probe}`
            : probe.status === 200
              ? `${probe.summary}, answered by ${pod || 'an empty body'}`
              : probe.summary,
      },
    );
  },
};
