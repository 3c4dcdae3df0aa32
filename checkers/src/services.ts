import type { V1Node } from '@kubernetes/client-node';
import type { CheckContext } from './context.ts';

/** A node's InternalIP (what `kubectl get nodes -o wide` shows as INTERNAL-IP), or undefined. */
export function internalIp(node: V1Node): string | undefined {
  return node.status?.addresses?.find((address) => address.type === 'InternalIP')?.address;
}

export interface NodePortAnswer {
  /** The URL tried: http://<node InternalIP>:<nodePort><path>, or undefined when no node has an InternalIP. */
  url?: string;
  /** The HTTP status; undefined when no HTTP answer came (refused, timed out). */
  status?: number;
  /** The start of the body (at most 2 KiB), or why nothing came back. */
  body: string;
  /** "GET http://172.18.0.2:30080/api/v1/health from the host: HTTP 200", for a criterion's text. */
  summary: string;
}

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
  const url = `http://${host}:${target.nodePort}${target.path}`;
  const timeout = AbortSignal.timeout(target.timeoutMs ?? 3_000);
  const signal = target.signal ? AbortSignal.any([timeout, target.signal]) : timeout;
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
