/**
 * The cluster profiles a lesson can ask for, declared once: the lesson schema, the API schema, the provider and
 * the lab panel all read them from here.
 */
export const profileNames = ['single', 'multi'] as const;

export type Profile = (typeof profileNames)[number];

export const clusterProfiles: Record<Profile, { nodes: number; workers: number; label: string; description: string }> = {
  single: { nodes: 1, workers: 0, label: '1 node', description: '1 node' },
  multi: { nodes: 3, workers: 2, label: '3 nodes', description: '3 nodes (1 control plane + 2 workers)' },
};

export const isProfile = (value: string): value is Profile => (profileNames as readonly string[]).includes(value);

/**
 * What a cluster can carry beyond Kubernetes itself (the pod network, CoreDNS and the default StorageClass are always
 * there). A lesson names the add-ons it needs in its frontmatter; a lab started for it without a warm cluster, and
 * labs:test's cluster for it, install only those. Two idle clusters side by side on a quiet host used 0.136 cores
 * with all three and 0.113 without (the node's processes over 90 s): the control plane itself is most of an idle
 * lab. A cluster made for no lesson in particular (the warm pool, `kubelab cluster create`) carries them all, so it
 * suits any lesson.
 */
export const clusterAddons = ['ingress', 'load-balancer', 'metrics'] as const;

export type ClusterAddon = (typeof clusterAddons)[number];

export const addonDescriptions: Record<ClusterAddon, string> = {
  ingress: 'Traefik and the Gateway API: Ingress and HTTPRoute on NodePorts 30800 (HTTP) and 30843 (HTTPS), GatewayClass traefik',
  'load-balancer': 'MetalLB: an address on the cluster network for each Service of type LoadBalancer',
  metrics: 'metrics-server: `kubectl top` and the resource metrics API',
};

export const isClusterAddon = (value: string): value is ClusterAddon => (clusterAddons as readonly string[]).includes(value);
