import { createHash } from 'node:crypto';
import type { V1Service } from '@kubernetes/client-node';
import type { CheckContext } from './context.ts';
import { getOrNull } from './context.ts';
import { endpointSlicesOf } from './deployments.ts';

/**
 * The pod network's facts a check can compute from the API: the names kube-proxy gives its iptables chains, and
 * who sent a request to the course's web app (its log line `GET /path from 10.244.1.7:51234`), which is how a
 * check sees that traffic between pods keeps its source address (no NAT).
 */

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding), without padding: all a chain name needs is its first 16 characters. */
function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** kube-proxy's hash for chain names: the first 16 characters of base32(sha256(text)). */
export function kubeProxyHash(text: string): string {
  return base32(createHash('sha256').update(text).digest()).slice(0, 16);
}

/** kube-proxy's name for a Service port: `namespace/name`, then `:portName` when the port has a name. */
export function servicePortName(namespace: string, name: string, portName?: string): string {
  return `${namespace}/${name}${portName ? `:${portName}` : ''}`;
}

/** The KUBE-SVC-… chain kube-proxy (iptables mode) writes for one port of a Service. */
export function serviceChain(namespace: string, name: string, portName?: string, protocol = 'TCP'): string {
  return `KUBE-SVC-${kubeProxyHash(servicePortName(namespace, name, portName) + protocol.toLowerCase())}`;
}

/** The KUBE-SEP-… chain kube-proxy writes for one endpoint (`address:port`) of a Service port. */
export function endpointChain(namespace: string, name: string, portName: string | undefined, protocol: string, address: string, port: number): string {
  const endpoint = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  return `KUBE-SEP-${kubeProxyHash(servicePortName(namespace, name, portName) + protocol.toLowerCase() + endpoint)}`;
}

export interface ServicePortChains {
  /** The port's name ('' when it has none), as the chain's comment shows it. */
  port: string;
  service: string;
  /** One per ready endpoint, in the EndpointSlices' order. */
  endpoints: string[];
}

/**
 * The chains kube-proxy writes for a Service, from the Service and its EndpointSlices: one KUBE-SVC chain per
 * port, and under it one KUBE-SEP chain per ready endpoint. Empty when the Service does not exist or has no
 * ClusterIP (a headless Service has no rules).
 */
export async function kubeProxyChains(cluster: CheckContext, namespace: string, name: string): Promise<ServicePortChains[]> {
  const service: V1Service | null = await getOrNull(() => cluster.core.readNamespacedService({ name, namespace }));
  const clusterIp = service?.spec?.clusterIP;
  if (!service || !clusterIp || clusterIp === 'None') return [];
  const slices = await endpointSlicesOf(cluster, name, namespace);
  return (service.spec?.ports ?? []).map((port) => {
    const protocol = port.protocol ?? 'TCP';
    const endpoints: string[] = [];
    for (const slice of slices) {
      const target = slice.ports?.find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === protocol);
      if (target?.port === undefined) continue;
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready === false) continue;
        for (const address of endpoint.addresses.slice(0, 1)) {
          endpoints.push(endpointChain(namespace, name, port.name, protocol, address, target.port));
        }
      }
    }
    return { port: port.name ?? '', service: serviceChain(namespace, name, port.name, protocol), endpoints };
  });
}

export interface WebRequest {
  method: string;
  path: string;
  /** The client's address as the app saw it, without its port. */
  from: string;
}

/** The requests kubelab/web logged (`2026/01/02 10:00:00 GET /api/v1/info from 10.244.1.7:51234`), oldest first. */
export function webRequests(log: string): WebRequest[] {
  const requests: WebRequest[] = [];
  for (const line of log.split('\n')) {
    const match = /\b([A-Z]+) (\/\S*) from (\S+)\s*$/.exec(line);
    if (!match) continue;
    const remote = match[3]!;
    const from = remote.startsWith('[') ? remote.slice(1, remote.indexOf(']')) : remote.replace(/:\d+$/, '');
    requests.push({ method: match[1]!, path: match[2]!, from });
  }
  return requests;
}
