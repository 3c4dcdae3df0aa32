import type { V1Pod } from '@kubernetes/client-node';
import { getOrNull, type CheckContext } from './context.ts';
import type { Criterion } from './types.ts';

/** Reads one pod, or null when it does not exist. */
export function readPod(k: CheckContext, name: string, namespace = 'default'): Promise<V1Pod | null> {
  return getOrNull(() => k.core.readNamespacedPod({ name, namespace }));
}

/** The tail of one container's log, or '' when there is none yet (a container that has not started). */
export async function podLog(k: CheckContext, name: string, container: string, namespace = 'default'): Promise<string> {
  try {
    return (await k.core.readNamespacedPodLog({ name, namespace, container, tailLines: 50 })) ?? '';
  } catch {
    return '';
  }
}

export function formatLabels(labels: Record<string, string> | undefined): string {
  const pairs = Object.entries(labels ?? {}).map(([key, value]) => `${key}=${value}`);
  return pairs.length ? pairs.join(', ') : 'no labels';
}

/**
 * Why a pod is not working, in the words `kubectl get pods` would use: the phase, and the reason of the first
 * container that is waiting or terminated (ImagePullBackOff, CrashLoopBackOff, Completed, …).
 */
export function describePodState(pod: V1Pod): string {
  const phase = pod.status?.phase ?? 'Unknown';
  const reasons: string[] = [];
  for (const status of pod.status?.containerStatuses ?? []) {
    const reason = status.state?.waiting?.reason ?? status.state?.terminated?.reason;
    if (reason) reasons.push(`${status.name}: ${reason}`);
    if (status.restartCount > 0) reasons.push(`${status.name} restarted ${status.restartCount}×`);
  }
  return reasons.length ? `phase ${phase} (${reasons.join('; ')})` : `phase ${phase}`;
}

/** The first criterion of most pod exercises: the pod exists, under the exact name the task asks for. */
export function podExists(pod: V1Pod | null, name: string, namespace = 'default'): Criterion {
  return {
    id: 'exists',
    description: `A pod named \`${name}\` exists in namespace \`${namespace}\``,
    passed: pod !== null,
    expected: `pod/${name}`,
    actual: pod ? `pod/${name}` : 'no such pod',
    hint: `Pod names must match exactly. List what is there with \`kubectl get pods -n ${namespace}\`.`,
  };
}

/** Running, with every container ready: what a learner means by "the pod works". */
export function podRunningAndReady(pod: V1Pod | null): Criterion {
  const statuses = pod?.status?.containerStatuses ?? [];
  const passed = pod?.status?.phase === 'Running' && statuses.length > 0 && statuses.every((s) => s.ready);
  return {
    id: 'running',
    description: 'The pod is Running and all its containers are ready',
    passed,
    expected: 'phase Running, every container ready',
    actual: pod ? describePodState(pod) : 'no pod',
    hint: 'Look at the Events at the bottom of `kubectl describe pod <name>`, and at `kubectl logs <name>`.',
  };
}
