import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { probeLabel } from '@kubelab/checkers';

/**
 * "Tell me when the cluster changes", for auto-check: watches (the API server's own change feed, not a poll) on
 * the kinds the course's exercises are about, folded into one debounced callback. The watches begin with the
 * objects that already exist; those first events are not changes, so the first `settleMs` are ignored. A watch
 * the API server ends (it does, every few minutes) is opened again.
 */
export const watchedPaths = [
  '/api/v1/pods',
  '/api/v1/services',
  '/api/v1/configmaps',
  '/api/v1/secrets',
  '/api/v1/namespaces',
  '/api/v1/nodes',
  '/api/v1/persistentvolumeclaims',
  '/api/v1/persistentvolumes',
  '/api/v1/serviceaccounts',
  '/api/v1/resourcequotas',
  '/api/v1/limitranges',
  '/apis/apps/v1/deployments',
  '/apis/apps/v1/statefulsets',
  '/apis/apps/v1/daemonsets',
  '/apis/batch/v1/jobs',
  '/apis/batch/v1/cronjobs',
  '/apis/networking.k8s.io/v1/ingresses',
  '/apis/networking.k8s.io/v1/networkpolicies',
  '/apis/rbac.authorization.k8s.io/v1/roles',
  '/apis/rbac.authorization.k8s.io/v1/rolebindings',
  '/apis/policy/v1/poddisruptionbudgets',
] as const;

/**
 * A network check's probe pod (and its namespace) comes and goes on every check: were it a change, each
 * auto-check would set off the next one.
 */
export function isCheckerProbe(object: unknown): boolean {
  const labels = (object as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels;
  return labels?.[probeLabel] !== undefined;
}

export interface ClusterChanges {
  stop(): void;
}

export function watchClusterChanges(
  kubeConfig: KubeConfig,
  onChange: () => void,
  options: { debounceMs?: number; settleMs?: number; paths?: readonly string[]; onError?: (path: string, error: unknown) => void } = {},
): ClusterChanges {
  const debounceMs = options.debounceMs ?? 750;
  const settledAt = Date.now() + (options.settleMs ?? 1500);
  const watch = new Watch(kubeConfig);
  const controllers = new Map<string, AbortController>();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const changed = (object: unknown): void => {
    if (stopped || Date.now() < settledAt || isCheckerProbe(object)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!stopped) onChange();
    }, debounceMs);
  };

  const open = (path: string, attempt = 0): void => {
    if (stopped) return;
    const reopen = (error: unknown): void => {
      if (stopped) return;
      if (error) options.onError?.(path, error);
      // At once after a normal end; after an error, back off (a kind the cluster lacks keeps failing: slowly).
      setTimeout(() => open(path, error ? attempt + 1 : 0), error ? Math.min(30_000, 1000 * 2 ** attempt) : 0).unref();
    };
    watch
      .watch(path, { allowWatchBookmarks: false }, (_phase, object) => changed(object), reopen)
      .then((controller) => {
        if (stopped) controller.abort();
        else controllers.set(path, controller);
      })
      .catch(reopen);
  };

  for (const path of options.paths ?? watchedPaths) open(path);
  return {
    stop(): void {
      stopped = true;
      clearTimeout(timer);
      for (const controller of controllers.values()) controller.abort();
      controllers.clear();
    },
  };
}
