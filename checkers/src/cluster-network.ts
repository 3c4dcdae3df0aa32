import { isIP } from 'node:net';
import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { proxiedAnswer, type ServiceAnswer } from './config.ts';
import type { CheckContext } from './context.ts';
import { getOrNull } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import type { HttpProbeEach } from './probe.ts';
import type { Criterion } from './types.ts';

/**
 * Criteria and reads for the pod network and DNS lesson. The pod network is judged by what its traffic leaves
 * behind (a server's log names the address a request came from, so it shows whether anything translated it on the
 * way), and a pod's DNS by the resolv.conf the kubelet writes from its spec, worked out here the way the kubelet
 * does, so a check never needs to exec into the learner's pod to read the file.
 */

/** One request in kubelab/web's log: `GET /api/v1/db from 10.244.2.7:41234`. */
export interface LoggedRequest {
  method: string;
  path: string;
  /** The client's address as the server saw it (no port). */
  host: string;
}

const requestLine = /\b(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (\S+) from (\S+)\s*$/;

/** The requests kubelab/web logged, oldest first. Lines of anything else are skipped. */
export function loggedRequests(log: string): LoggedRequest[] {
  const requests: LoggedRequest[] = [];
  for (const line of log.split('\n')) {
    const match = requestLine.exec(line.trim());
    if (match) requests.push({ method: match[1]!, path: match[2]!, host: addressHost(match[3]!) });
  }
  return requests;
}

/** The host of `host:port`, `[v6]:port`, a bare IPv6 address or a bare name. */
export function addressHost(address: string): string {
  const value = address.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1]!;
  if (isIP(value) === 6) return value;
  const colon = value.lastIndexOf(':');
  return colon > 0 && /^\d+$/.test(value.slice(colon + 1)) ? value.slice(0, colon) : value;
}

/** An IPv4 or IPv6 address, not a name. */
export function isIpLiteral(host: string): boolean {
  return isIP(host.replace(/^\[|\]$/g, '')) !== 0;
}

/** What the kubelet writes into a pod's /etc/resolv.conf. */
export interface PodResolvConf {
  /**
   * Where the base comes from: the cluster's DNS Service, the node's own resolv.conf (dnsPolicy Default, or
   * ClusterFirst on the host network), or nothing but the pod's dnsConfig (None).
   */
  base: 'cluster' | 'node' | 'none';
  nameservers: string[];
  searches: string[];
  /** `ndots:5`, `timeout:2`, `edns0`: in the file's own form. */
  options: string[];
}

/** The kubelet keeps at most three name servers, as glibc reads no more. */
const maxNameservers = 3;
/** The kubelet's cap on search domains (MaxDNSSearchPaths). */
const maxSearches = 32;

const unique = (values: readonly string[]) => [...new Set(values.filter(Boolean))];

/**
 * The resolv.conf the kubelet gives a pod of `namespace` with this spec, as pkg/kubelet/network/dns does: the
 * policy picks the base (ClusterFirst: the cluster DNS, the namespace's three search domains and ndots:5; Default:
 * the node's file, whose contents a check cannot see, so it stays empty here; None: nothing), then dnsConfig's
 * servers and search domains are appended and its options override those of the same name.
 */
export function podResolvConf(spec: V1PodSpec | undefined, namespace: string, clusterDns: string | undefined, clusterDomain = 'cluster.local'): PodResolvConf {
  const policy = spec?.dnsPolicy ?? 'ClusterFirst';
  const cluster = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && spec?.hostNetwork !== true);
  let conf: PodResolvConf;
  if (policy === 'None') conf = { base: 'none', nameservers: [], searches: [], options: [] };
  else if (cluster && clusterDns) {
    conf = {
      base: 'cluster',
      nameservers: [clusterDns],
      searches: [`${namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain],
      options: ['ndots:5'],
    };
  } else conf = { base: 'node', nameservers: [], searches: [], options: [] };
  const extra = spec?.dnsConfig;
  if (!extra) return conf;
  const options = new Map<string, string>();
  const optionName = (option: string) => option.split(':')[0]!;
  for (const option of conf.options) options.set(optionName(option), option);
  for (const option of extra.options ?? []) {
    if (option.name) options.set(option.name, option.value === undefined ? option.name : `${option.name}:${option.value}`);
  }
  return {
    base: conf.base,
    nameservers: unique([...conf.nameservers, ...(extra.nameservers ?? [])]).slice(0, maxNameservers),
    searches: unique([...conf.searches, ...(extra.searches ?? [])]).slice(0, maxSearches),
    options: [...options.values()],
  };
}

/** A resolv.conf in one line, for a criterion: "nameserver 10.96.0.10; search a b; options ndots:5". */
export function describeResolvConf(conf: PodResolvConf): string {
  const parts = [
    conf.nameservers.length ? `nameserver ${conf.nameservers.join(', ')}` : conf.base === 'node' ? '' : 'no nameserver',
    conf.searches.length ? `search ${conf.searches.join(' ')}` : '',
    conf.options.length ? `options ${conf.options.join(' ')}` : '',
  ].filter(Boolean);
  if (conf.base === 'node') return `the node's own resolv.conf${parts.length ? `, plus ${parts.join('; ')}` : ''}`;
  return parts.join('; ');
}

/** The ClusterIP of the cluster DNS Service (kube-system/kube-dns, CoreDNS behind it), or undefined. */
export async function clusterDnsAddress(cluster: CheckContext): Promise<string | undefined> {
  const service = await getOrNull(() => cluster.core.readNamespacedService({ name: 'kube-dns', namespace: 'kube-system' }));
  const ip = service?.spec?.clusterIP;
  return ip && ip !== 'None' ? ip : undefined;
}

/**
 * GETs a path from one pod through the API server's pod proxy and keeps the answer whatever its status, as
 * serviceAnswer does for a Service: a check asks the app itself, even when the learner recreated the pod with
 * other labels, and without running anything in the learner's namespace.
 */
export function podProxyAnswer(cluster: CheckContext, target: { pod: string; namespace?: string; port: number; path: string }): Promise<ServiceAnswer> {
  return proxiedAnswer(() =>
    cluster.core.connectGetNamespacedPodProxyWithPath({
      name: `${target.pod}:${target.port}`,
      namespace: target.namespace ?? 'default',
      path: target.path.replace(/^\//, ''),
    }),
  );
}

/** The database address kubelab/web reports in its /api/v1/db answer (`db.data:6379`), or undefined. */
export function reportedDbAddress(answer: ServiceAnswer): string | undefined {
  try {
    const parsed = JSON.parse(answer.body) as { address?: unknown };
    return typeof parsed.address === 'string' && parsed.address !== '' ? parsed.address : undefined;
  } catch {
    return undefined;
  }
}

/** The answers of one probe pod, and the node it ran on. */
export interface NodeProbeAnswers {
  node: string;
  answers: readonly HttpProbeEach[];
}

function describeWhere(target: V1Pod | null, name: string): string {
  if (!target) return `no pod ${name}`;
  const node = target.spec?.nodeName;
  return node ? `${name} on ${node}${target.status?.podIP ? ` (${target.status.podIP})` : ''}` : `${name} not scheduled yet`;
}

/**
 * Criterion builders for the pod network and DNS: each states one fact and fills in the id, description,
 * expected, actual and a default hint. Pass `{ id, description, hint }` for the exercise's own words.
 */
export const clusterNetwork = {
  /** The two pods (read by the names given) run on two different nodes. Id "nodes". */
  apart<const Id extends string = 'nodes'>(
    [a, nameA]: [V1Pod | null, string],
    [b, nameB]: [V1Pod | null, string],
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const nodeA = a?.spec?.nodeName;
    const nodeB = b?.spec?.nodeName;
    return buildCriterion(
      {
        id: 'nodes',
        description: `\`${nameA}\` and \`${nameB}\` run on two different nodes`,
        hint: '`kubectl get pods -o wide` shows each pod\'s node. `nodeName: <node>` (or a `nodeSelector` on the label `kubernetes.io/hostname`) in a pod\'s spec puts it on the node you name.',
      },
      options,
      {
        passed: nodeA !== undefined && nodeB !== undefined && nodeA !== nodeB,
        expected: 'two nodes',
        actual: `${describeWhere(a, nameA)}; ${describeWhere(b, nameB)}`,
      },
    );
  },

  /**
   * The server's log shows a request that came from the client pod's own IP: nothing translated the source on the
   * way (no NAT between pods). `owners` names other addresses for the actual text (pod IPs to pod names). Id "seen".
   */
  requestFrom<const Id extends string = 'seen'>(
    serverLog: string,
    [server, serverName]: [V1Pod | null, string],
    [client, clientName]: [V1Pod | null, string],
    owners: ReadonlyMap<string, string> = new Map(),
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const clientIp = client?.status?.podIP;
    const requests = loggedRequests(serverLog);
    const fromClient = clientIp ? requests.filter((r) => r.host === clientIp) : [];
    const who = (host: string) => (host === clientIp ? `${host} (${clientName})` : owners.has(host) ? `${host} (${owners.get(host)})` : host);
    const seen = [...new Set(requests.map((r) => r.host))].slice(-4);
    let actual: string;
    if (!server) actual = `no pod ${serverName}`;
    else if (fromClient.length) actual = `${serverName} logged ${fromClient.at(-1)!.method} ${fromClient.at(-1)!.path} from ${who(clientIp!)}`;
    else if (requests.length) actual = `${serverName} logged requests from ${seen.map(who).join(', ')} only`;
    else actual = `${serverName} has logged no request yet`;
    return buildCriterion(
      {
        id: 'seen',
        description: `\`${serverName}\` received a request from \`${clientName}\`'s own pod IP`,
        hint: `Send it from inside the client: \`kubectl exec ${clientName} -- curl -s http://<${serverName}'s IP>:5000/\`, then \`kubectl logs ${serverName}\` shows where it came from.`,
      },
      options,
      { passed: fromClient.length > 0, expected: clientIp ? `a request from ${clientIp}` : `a request from ${clientName}'s IP`, actual },
    );
  },

  /**
   * The pod's resolv.conf names the cluster DNS Service first (podResolvConf). `owners` names addresses the actual
   * text should explain (a CoreDNS pod's own IP, say). Id "dns".
   */
  clusterDns<const Id extends string = 'dns'>(
    conf: PodResolvConf | undefined,
    clusterDns: string | undefined,
    options: CriterionOptions<Id> & { policy?: string; owners?: ReadonlyMap<string, string> } = {},
  ): Criterion<Id> {
    const first = conf?.nameservers[0];
    const owner = first === undefined ? undefined : options.owners?.get(first);
    return buildCriterion(
      {
        id: 'dns',
        description: 'The pod asks the cluster DNS (the Service `kube-dns` in `kube-system`) first',
        hint: '`kubectl get service kube-dns -n kube-system` shows the address every pod should ask; `dnsPolicy: ClusterFirst` (the default) gives a pod exactly that.',
      },
      options,
      {
        passed: conf !== undefined && clusterDns !== undefined && first === clusterDns,
        expected: `nameserver ${clusterDns ?? '<the kube-dns ClusterIP>'}`,
        actual: conf ? `${options.policy ? `dnsPolicy ${options.policy}: ` : ''}${describeResolvConf(conf)}${owner ? ` (${first} is ${owner})` : ''}` : 'no pod',
      },
    );
  },

  /** An address (`host:port`) names its host by DNS, not by IP. Id "by-name". */
  byName<const Id extends string = 'by-name'>(address: string | undefined, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const host = address === undefined ? undefined : addressHost(address);
    return buildCriterion(
      {
        id: 'by-name',
        description: 'The app finds its database by a DNS name, not by an IP address',
        hint: 'A ClusterIP works until the Service is recreated; a name keeps working. Use the Service\'s name, with its namespace when it lives in another one.',
      },
      options,
      {
        passed: host !== undefined && host !== '' && !isIpLiteral(host),
        expected: 'a name such as <service>.<namespace>',
        actual: host === undefined ? 'the app reported no address' : isIpLiteral(host) ? `the IP address ${host}` : `the name ${host}`,
      },
    );
  },

  /**
   * Every probe pod was answered only by the pod on its own node: `answers` are kubelab/web's answers (its pod
   * name) and `podNodes` maps each server pod to its node. Id "local".
   */
  answeredLocally<const Id extends string = 'local'>(
    results: readonly NodeProbeAnswers[],
    podNodes: ReadonlyMap<string, string>,
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const lines = results.map(({ node, answers }) => {
      const finished = answers.filter((a) => a.finished && a.status === 200);
      const local = finished.filter((a) => podNodes.get(a.body.trim()) === node);
      const elsewhere = [...new Set(finished.filter((a) => podNodes.get(a.body.trim()) !== node).map((a) => `${a.body.trim()} on ${podNodes.get(a.body.trim()) ?? 'no node known'}`))];
      const failed = answers.length - finished.length;
      const text = `from ${node}: ${local.length} of ${answers.length} answers by its own node's pod${elsewhere.length ? `, others by ${elsewhere.join(', ')}` : ''}${failed ? `, ${failed} without an answer (${answers.find((a) => !(a.finished && a.status === 200))!.summary})` : ''}`;
      return { passed: answers.length > 0 && local.length === answers.length, text };
    });
    return buildCriterion(
      {
        id: 'local',
        description: 'A client pod on each node is answered only by the pod on its own node',
        hint: 'kube-proxy writes each node\'s rules from the Service: a field of its spec decides whether a node\'s rules list every endpoint or only those on that node (`kubectl explain service.spec`).',
      },
      options,
      {
        passed: results.length > 0 && lines.every((l) => l.passed),
        expected: 'every answer from the pod on the client\'s own node',
        actual: lines.length ? lines.map((l) => l.text).join('; ') : 'no node to probe from',
      },
    );
  },
};
