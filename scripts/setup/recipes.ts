import { fileURLToPath } from 'node:url';
import { versions } from '../lib/versions.ts';
import type { GoRecipe } from './go-build.ts';
import { kubelabNetVersion } from '../lib/artifacts.ts';

const k8s = versions.kubernetes.version; // v1.34.4
const [major, minor] = k8s.replace(/^v/, '').split('.');

/**
 * The version stamps hack/lib/version.sh sets. Without them a binary reports v0.0.0-master and kubeadm refuses
 * to work with it.
 */
function kubernetesVersionFlags(): string[] {
  const values: Record<string, string> = {
    gitVersion: k8s,
    gitMajor: major!,
    gitMinor: minor!,
    gitTreeState: 'clean',
    gitCommit: '0000000000000000000000000000000000000000',
    buildDate: '1970-01-01T00:00:00Z',
  };
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) =>
    Object.entries(values).map(([key, value]) => `-X ${pkg}.${key}=${value}`),
  );
}

export const kubernetesRecipe: GoRecipe = {
  name: 'kubernetes',
  module: 'k8s.io/kubernetes',
  version: k8s,
  localReplaceVersion: k8s.replace(/^v1\./, 'v0.'),
  binaries: Object.fromEntries(
    ['kubeadm', 'kubelet', 'kubectl', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].map(
      (name) => [name, `k8s.io/kubernetes/cmd/${name}`],
    ),
  ),
  ldflags: kubernetesVersionFlags(),
};

export const etcdRecipe: GoRecipe = {
  name: 'etcd',
  module: 'go.etcd.io/etcd/server/v3',
  version: versions.etcd.version,
  binaries: { etcd: 'go.etcd.io/etcd/server/v3' },
};

export const corednsRecipe: GoRecipe = {
  name: 'coredns',
  module: 'github.com/coredns/coredns',
  version: versions.coredns.version,
  binaries: { coredns: 'github.com/coredns/coredns' },
};

export const localPathProvisionerRecipe: GoRecipe = {
  name: 'local-path-provisioner',
  module: 'github.com/rancher/local-path-provisioner',
  version: versions.localPathProvisioner.version,
  binaries: { 'local-path-provisioner': 'github.com/rancher/local-path-provisioner' },
};

export const traefikRecipe: GoRecipe = {
  name: 'traefik',
  module: 'github.com/traefik/traefik/v3',
  version: versions.traefik.version,
  binaries: { traefik: 'github.com/traefik/traefik/v3/cmd/traefik' },
  ldflags: [`-X github.com/traefik/traefik/v3/pkg/version.Version=${versions.traefik.version}`],
};

/**
 * LoadBalancer Services in L2 mode: the controller assigns addresses from an IPAddressPool, and the speaker (on
 * every node, host network) answers ARP for them. Both main packages live in the one module; their version is a
 * constant in its source, so no ldflags are needed.
 */
export const metallbRecipe: GoRecipe = {
  name: 'metallb',
  module: versions.metallb.module,
  version: versions.metallb.version,
  binaries: { controller: `${versions.metallb.module}/controller`, speaker: `${versions.metallb.module}/speaker` },
};

export const metricsServerRecipe: GoRecipe = {
  name: 'metrics-server',
  module: 'sigs.k8s.io/metrics-server',
  version: versions.metricsServer.version,
  binaries: { 'metrics-server': 'sigs.k8s.io/metrics-server/cmd/metrics-server' },
  noSumDb: true,
};

export const helmRecipe: GoRecipe = {
  name: 'helm',
  module: 'helm.sh/helm/v3',
  version: versions.helm.version,
  binaries: { helm: 'helm.sh/helm/v3/cmd/helm' },
  ldflags: [`-X helm.sh/helm/v3/internal/version.version=${versions.helm.version}`],
};

export const kindRecipe: GoRecipe = {
  name: 'kind',
  module: versions.kind.module,
  version: versions.kind.version,
  binaries: { kind: versions.kind.module },
};

/** Our own pod-network daemon (routes between nodes + CNI config), built from this repo. */
export const kubelabNetRecipe: GoRecipe = {
  name: 'kubelab-net',
  module: 'kubelab.local/kubelab-net',
  version: kubelabNetVersion,
  binaries: { 'kubelab-net': '.' },
  localDir: fileURLToPath(new URL('../node-image/kubelab-net/', import.meta.url)),
};

/**
 * NetworkPolicy enforcement with iptables and ipset. kube-network-policies (what kindnetd embeds) needs the
 * kernel's nft `queue` expression, which our CI kernels are built without (CONFIG_NFT_QUEUE unset); kube-router's
 * policy controller needs only xt_set, conntrack and mark, which they have.
 */
export const kubeRouterRecipe: GoRecipe = {
  name: 'kube-router',
  module: 'github.com/cloudnativelabs/kube-router',
  version: versions.kubeRouter.version,
  binaries: { 'kube-router': 'github.com/cloudnativelabs/kube-router/cmd/kube-router' },
  noSumDb: true,
  // Without it, every pod event costs a full iptables sync even in a cluster with no NetworkPolicy (all lessons
  // but one): labs:test of the Deployments lesson took 18% more CPU (README, Tests).
  patches: [fileURLToPath(new URL('patches/kube-router-idle-without-policies.patch', import.meta.url))],
};
