import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';

/**
 * What a check reads the cluster through: one KubeConfig per session, built from that session's kubeconfig
 * text (never the ambient ~/.kube/config), and the typed API groups lessons need.
 */
export interface CheckContext {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  networking: NetworkingV1Api;
}

export function contextFromKubeconfig(kubeconfig: string): CheckContext {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfig);
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    networking: kubeConfig.makeApiClient(NetworkingV1Api),
  };
}

/**
 * Reads one object, turning "not found" into null: a missing Pod is a failed criterion for the learner to fix,
 * not an exception. Every other error (no cluster, forbidden) still throws.
 */
export async function getOrNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return null;
    throw error;
  }
}
