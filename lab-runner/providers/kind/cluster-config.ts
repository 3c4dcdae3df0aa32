import { stringify } from 'yaml';
import { nodeAdmissionConfigPath, nodeImageStoreExtraMount, nodeKubeadmPatchesDir } from '@kubelab/kit/artifacts';
import { clusterProfiles, type Profile } from '@kubelab/labs/profiles';
import type { ClusterAccess } from '../provider.ts';
import { kindName } from './names.ts';

export const podSubnet = '10.244.0.0/16';
/** Must match SERVICE_SUBNET in scripts/node-image/manifests/default-cni.yaml. */
export const serviceSubnet = '10.96.0.0/16';

const admissionDir = nodeAdmissionConfigPath.slice(0, nodeAdmissionConfigPath.lastIndexOf('/'));

/**
 * The kubelet of a learner-mode cluster: every pod's containers get the runtime's default seccomp profile unless
 * they ask otherwise, a pod cannot fork without bound, a node takes a bounded number of pods and logs, and disk
 * pressure is handled again (kind's own template turns disk eviction off, since a laptop's disk is the node's:
 * here one learner must not fill the host's). Image GC by disk usage stays off (100%): there is no registry to
 * pull from again, and a kubelet at 85% of a busy host's disk deleted the pause and course images every five
 * minutes, so every new pod failed with "failed to pull registry.k8s.io/pause". The eviction thresholds still
 * evict pods before the disk fills.
 */
export const learnerKubelet = {
  seccompDefault: true,
  podPidsLimit: 1024,
  maxPods: 60,
  containerLogMaxSize: '5Mi',
  containerLogMaxFiles: 2,
  imageGCHighThresholdPercent: 100,
  imageGCLowThresholdPercent: 95,
  evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '10%', 'nodefs.inodesFree': '5%', 'imagefs.available': '10%' },
} as const;

/**
 * kind's kubeadm config patches for a learner-mode cluster. kind v0.30 generates kubeadm.k8s.io/v1beta3 for
 * Kubernetes 1.34, where extraArgs are maps. The API server reads the node image's AdmissionConfiguration (Pod
 * Security baseline enforced, with only kube-system and local-path-storage exempt), and also enables
 * DenyServiceExternalIPs (a Service's externalIPs could otherwise capture any address's traffic in the cluster).
 */
export function learnerKubeadmPatches(): string[] {
  return [
    stringify({
      kind: 'ClusterConfiguration',
      apiServer: {
        extraArgs: {
          'admission-control-config-file': nodeAdmissionConfigPath,
          'enable-admission-plugins': 'NodeRestriction,DenyServiceExternalIPs',
        },
        extraVolumes: [{ name: 'kubelab-admission', hostPath: admissionDir, mountPath: admissionDir, readOnly: true, pathType: 'Directory' }],
      },
    }),
    stringify({ kind: 'KubeletConfiguration', ...learnerKubelet }),
  ];
}

/**
 * kind's kubeadm config patches for every cluster, of either access mode: a lab's control plane idles with less
 * CPU. It has one API server, one controller manager and one scheduler, so leader election only renews two
 * Leases every two seconds; and the node image's kubeadm patches (scripts/node-image/kubeadm-patches) probe the
 * control plane's readiness every 5 s instead of every second. On an idle single-node cluster the two took the
 * node from 0.157 to 0.121 cores (measured with the container's cgroup CPU over a minute); a CI run keeps about
 * six clusters up at once.
 */
export function leanControlPlanePatches(): string[] {
  return [
    stringify({
      kind: 'ClusterConfiguration',
      controllerManager: { extraArgs: { 'leader-elect': 'false' } },
      scheduler: { extraArgs: { 'leader-elect': 'false' } },
    }),
    stringify({ kind: 'InitConfiguration', patches: { directory: nodeKubeadmPatchesDir } }),
  ];
}

/**
 * The kind Cluster config for a profile, as YAML: kind reads it from stdin. Every node mounts the node image's
 * image store (nodeImageStoreExtraMount) read-only: its images are unpacked there, not in the node.
 */
export function kindClusterConfig(name: string, profile: Profile, access: ClusterAccess, imageStore: string): string {
  // A fresh object per node: the YAML writer would turn a shared one into an anchor and aliases.
  const extraMounts = () => [nodeImageStoreExtraMount(imageStore)];
  return stringify({
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: kindName(name),
    networking: { podSubnet, serviceSubnet },
    nodes: [{ role: 'control-plane', extraMounts: extraMounts() }, ...Array.from({ length: clusterProfiles[profile].workers }, () => ({ role: 'worker', extraMounts: extraMounts() }))],
    kubeadmConfigPatches: [...leanControlPlanePatches(), ...(access === 'learner' ? learnerKubeadmPatches() : [])],
  });
}
