import { poll } from '@kubelab/kit/poll';
import type { CheckContext } from './context.ts';

/**
 * Retries `probe` until it returns something other than undefined, or the deadline passes (then returns
 * undefined). Kubernetes is eventually consistent: a Deployment the learner just fixed needs a moment to roll out.
 * A probe that throws is retried too; if the last attempt before the deadline throws, that error is rethrown.
 * The wait between attempts ends at once when `signal` aborts (the check's deadline), and eventually() rejects.
 */
export function eventually<T>(
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<T | undefined> {
  return poll(probe, { timeoutMs: options.timeoutMs ?? 10_000, intervalMs: options.intervalMs ?? 500, signal: options.signal });
}

/**
 * GETs a path from a Service through the API server's service proxy: a check can probe an app without a
 * network route into the cluster and without running anything in the learner's namespaces.
 */
export async function getThroughServiceProxy(
  cluster: CheckContext,
  target: { namespace: string; service: string; port: number | string; path: string },
): Promise<string> {
  return cluster.core.connectGetNamespacedServiceProxyWithPath({
    name: `${target.service}:${target.port}`,
    namespace: target.namespace,
    path: target.path.replace(/^\//, ''),
  });
}
