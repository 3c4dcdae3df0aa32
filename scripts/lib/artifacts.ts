/**
 * The setup → runtime contract: where `npm run setup` leaves what a cluster needs, and what the images are
 * called. Setup imports it to know where to write; the provider, the doctor and the exercise scripts import it to
 * know where to read. This is kind's `defaults/image.go` at a larger size: the runtime never imports the builder.
 */
import { readFile } from 'node:fs/promises';
import { cachePath, writeFileAtomic } from './cache.ts';
import { repoRoot } from './paths.ts';
import { shortHash, versions } from './versions.ts';

export type ToolName = 'kind' | 'kubectl' | 'helm';

export const pinnedToolVersions: Record<ToolName, string> = {
  kind: versions.kind.version,
  kubectl: versions.kubernetes.version,
  helm: versions.helm.version,
};

/** Where setup puts each tool: one file per pinned version, plus an unversioned link in the same folder. */
export function toolPath(tool: ToolName): string {
  return cachePath('bin', `${tool}-${pinnedToolVersions[tool]}`);
}

/** The folder to put on PATH to get kind, kubectl and helm at their pinned versions. */
export function toolsBinDir(): string {
  return cachePath('bin');
}

/** The Gateway API CRDs (standard channel) every cluster gets, as one manifest in the cache. */
export function gatewayApiManifestPath(): string {
  return cachePath('manifests', `gateway-api-${versions.gatewayApi.version}-standard.yaml`);
}

/**
 * MetalLB's native manifest as every cluster applies it: the module's config/manifests/metallb-native.yaml, with
 * our image names and without its webhook (scripts/setup/metallb.ts, which rewrites it whenever what it makes
 * differs). The address pool is not in it: it depends on the cluster's network, so the provider adds it.
 */
export function metallbManifestPath(): string {
  return cachePath('manifests', `metallb-${versions.metallb.version}-native.yaml`);
}

/** The version of our own pod-network daemon (scripts/node-image/kubelab-net); part of its image tag. */
export const kubelabNetVersion = 'v0.1.0';

const k8s = versions.kubernetes.version;

/** Image names inside every node. Upstream names where kind's or kubeadm's manifests reference them. */
export const componentImages = {
  apiserver: `registry.k8s.io/kube-apiserver:${k8s}`,
  controllerManager: `registry.k8s.io/kube-controller-manager:${k8s}`,
  scheduler: `registry.k8s.io/kube-scheduler:${k8s}`,
  proxy: `registry.k8s.io/kube-proxy:${k8s}`,
  etcd: `registry.k8s.io/etcd:${versions.etcd.imageTag}`,
  coredns: `registry.k8s.io/coredns/coredns:${versions.coredns.version}`,
  pause: [versions.pause.version, ...versions.pause.alsoTag].map((tag) => `registry.k8s.io/pause:${tag}`),
  localPathProvisioner: versions.localPathProvisioner.image,
  localPathHelper: versions.localPathProvisioner.helperImage,
  kubelabNet: `kubelab/kubelab-net:${kubelabNetVersion}`,
  kubeRouter: `kubelab/kube-router:${versions.kubeRouter.version}`,
  traefik: `kubelab/traefik:${versions.traefik.version}`,
  metricsServer: `kubelab/metrics-server:${versions.metricsServer.version}`,
  metallbController: `kubelab/metallb-controller:${versions.metallb.version}`,
  metallbSpeaker: `kubelab/metallb-speaker:${versions.metallb.version}`,
  netBase: 'kubelab/net-base:bookworm',
} as const;

/**
 * Inside every node image: the API server's admission configuration (Pod Security defaults) that a
 * workshop-profile cluster passes with --admission-control-config-file. Source: scripts/node-image/manifests.
 */
export const nodeAdmissionConfigPath = '/etc/kubernetes/kubelab/admission.yaml';

/**
 * Inside every node image: kubeadm's patches for the control plane's static pods (every cluster's kubeadm init
 * reads them). Source: scripts/node-image/kubeadm-patches.
 */
export const nodeKubeadmPatchesDir = '/etc/kubernetes/kubelab/kubeadm-patches';

/**
 * Inside every node: where the node image's image store is mounted, read-only. Setup unpacks every image into
 * containerd's overlayfs snapshots once, on the host, and the node image's /var/lib/containerd only links to them:
 * a new node then neither unpacks the images again nor copies 1.4 GB of blobs into its /var volume (kind gives
 * each node a fresh one). Unpacking cost a node's containerd about 13 CPU-seconds a GB.
 */
export const nodeImageStoreMount = '/kind/image-store';

/** On the host: the image store that goes with a node image, made by setup beside it. A node without it has no images. */
export function nodeImageStoreDir(image: string): string {
  return cachePath('node-images', image.replace(/[^A-Za-z0-9_.-]/g, '_'));
}

/** The kind `extraMounts` entry that gives a node its image store, read-only (a fresh object each call). */
export function nodeImageStoreExtraMount(store: string): { hostPath: string; containerPath: string; readOnly: true } {
  return { hostPath: store, containerPath: nodeImageStoreMount, readOnly: true };
}

/**
 * Setup's result that the provider needs: which node image the current pins and sources produced, recorded per
 * checkout. Two checkouts on one machine (a fresh CI clone beside the working one, a branch in a worktree) can have
 * different node-image sources; with one shared record, setup in one switched the other's new clusters to its image.
 */
export const nodeImageStateFile = (checkout: string = repoRoot): string => cachePath('state', `node-image-${shortHash(checkout)}.json`);

export async function writeNodeImage(image: string): Promise<void> {
  await writeFileAtomic(nodeImageStateFile(), JSON.stringify({ image, at: new Date().toISOString() }) + '\n');
}

/** The node image setup last assembled, or undefined when setup has not finished on this machine. */
export async function readNodeImage(): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(nodeImageStateFile(), 'utf8')) as { image?: string }).image;
  } catch {
    return undefined;
  }
}
