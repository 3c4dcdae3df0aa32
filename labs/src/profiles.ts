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
