import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, loadYaml } from '@kubernetes/client-node';
import { sanitizeKubeconfig } from '@kubelab/kit/kubeconfig';

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

/**
 * Builds the context from explicit objects: the kubeconfig passes the allowlist of @kubelab/kit/kubeconfig
 * (server, CA, client certificate and key; E_UNSAFE_KUBECONFIG otherwise), and client-node gets only those
 * fields, so no credential plugin, auth-provider command, token file or proxy of the text can reach it. The
 * lab-runner already serves only such kubeconfigs; this is the second line.
 */
export function contextFromKubeconfig(kubeconfig: string): CheckContext {
  let parsed: unknown;
  try {
    parsed = loadYaml(kubeconfig);
  } catch {
    parsed = undefined;
  }
  const safe = sanitizeKubeconfig(parsed, { what: 'the kubeconfig given to the checks' });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: safe.name, server: safe.server, caData: safe.certificateAuthorityData, skipTLSVerify: false }],
    users: [{ name: safe.name, certData: safe.clientCertificateData, keyData: safe.clientKeyData }],
    contexts: [{ name: safe.name, cluster: safe.name, user: safe.name }],
    currentContext: safe.name,
  });
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
