import type { CoreV1Event, V1Node, V1Service } from '@kubernetes/client-node';
import type { CheckContext } from './context.ts';

/** A node's InternalIP (what `kubectl get nodes -o wide` shows as INTERNAL-IP), or undefined. */
export function internalIp(node: V1Node): string | undefined {
  return node.status?.addresses?.find((address) => address.type === 'InternalIP')?.address;
}

/** What a GET from the checker's own process (outside the cluster) brought back. */
export interface HostAnswer {
  /** The URL tried, or undefined when there was no address to try. */
  url?: string;
  /** The HTTP status; undefined when no HTTP answer came (refused, timed out). */
  status?: number;
  /** The start of the body (at most 2 KiB), or why nothing came back. */
  body: string;
  /** "GET http://172.18.0.2:30080/api/v1/health from the host: HTTP 200", for a criterion's text. */
  summary: string;
}

/** A GET at a NodePort: the URL is http://<node InternalIP>:<nodePort><path>. */
export type NodePortAnswer = HostAnswer;

/**
 * The first `maxBytes` of a response's body as text; reading stops there. The app is the learner's: an endless
 * body must not hold the check, nor fill the lab server's memory.
 */
export async function startOfBody(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/**
 * GETs `path` at a NodePort from the checker's own process, as a client outside the cluster would: at the first
 * node's InternalIP (the host reaches the nodes' network). A refused or silent port is an answer, not an exception.
 */
export async function getFromNodePort(
  cluster: CheckContext,
  target: { nodePort: number; path: string; timeoutMs?: number; signal?: AbortSignal },
): Promise<NodePortAnswer> {
  const nodes = (await cluster.core.listNode()).items;
  const address = nodes.map(internalIp).find((ip) => ip !== undefined);
  if (!address) return { body: 'no node has an InternalIP', summary: 'no node address to try' };
  const host = address.includes(':') ? `[${address}]` : address;
  return getFromHost(`http://${host}:${target.nodePort}${target.path}`, target);
}

/**
 * GETs `url` from the checker's own process, as a client outside the cluster would (a browser on the host, a
 * client on the cluster's network). A refused or silent address is an answer, not an exception.
 */
export async function getFromHost(url: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<HostAnswer> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 3_000);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const response = await fetch(url, { signal, redirect: 'manual' });
    const body = await startOfBody(response, 2048);
    return { url, status: response.status, body, summary: `GET ${url} from the host: HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = timeout.aborted ? 'no answer in time' : (cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error)));
    return { url, body: why, summary: `GET ${url} from the host: no answer (${why})` };
  }
}

/**
 * The external address a LoadBalancer Service was given (`kubectl get service` shows it as EXTERNAL-IP): the first
 * ingress entry's IP, or its hostname (as AWS's load balancers give), or undefined while it is `<pending>`.
 */
export function loadBalancerAddress(target: V1Service | null): string | undefined {
  const ingress = target?.status?.loadBalancer?.ingress?.[0];
  return ingress?.ip || ingress?.hostname || undefined;
}

/**
 * The Warning events about a Service, newest first, as "Reason: message": where a load-balancer controller
 * (MetalLB here, a cloud's controller elsewhere) says why a Service got no external address.
 */
export async function serviceWarnings(cluster: CheckContext, name: string, namespace = 'default'): Promise<string[]> {
  const events = await cluster.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=Service,involvedObject.name=${name},type=Warning` });
  const time = (e: CoreV1Event) => new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0).getTime();
  return events.items.sort((a, b) => time(b) - time(a)).map((e) => `${e.reason ?? 'Warning'}: ${(e.message ?? '').trim()}`);
}
