import { stringify } from 'yaml';
import { clusterProfiles, type Profile } from '@kubelab/labs/profiles';
import { kindName } from './names.ts';

export const podSubnet = '10.244.0.0/16';
/** Must match SERVICE_SUBNET in scripts/node-image/manifests/default-cni.yaml. */
export const serviceSubnet = '10.96.0.0/16';

/** The kind Cluster config for a profile, as YAML: kind reads it from stdin. */
export function kindClusterConfig(name: string, profile: Profile): string {
  return stringify({
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: kindName(name),
    networking: { podSubnet, serviceSubnet },
    nodes: [{ role: 'control-plane' }, ...Array.from({ length: clusterProfiles[profile].workers }, () => ({ role: 'worker' }))],
  });
}
