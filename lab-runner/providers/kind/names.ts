import { KubelabError } from '@kubelab/kit/errors';
import { clusterProfiles as profiles, type Profile } from '@kubelab/labs/profiles';
import { clusterAccessModes, type ClusterAccess } from '../provider.ts';

/** Every kind cluster Kubelab makes is named with this prefix, so it never touches a user's own kind clusters. */
export const clusterPrefix = 'kubelab-';
/** kind's label on every node container: the cluster it belongs to. */
export const kindClusterLabel = 'io.x-k8s.kind.cluster';
export const kindRoleLabel = 'io.x-k8s.kind.role';
/** Labels on the cluster's own Docker network, where Kubelab keeps what kind's labels don't say. */
export const labels = {
  cluster: 'io.kubelab.cluster',
  profile: 'io.kubelab.profile',
  /** 'admin' or 'learner' (ClusterAccess); absent on clusters made before access modes existed, which are admin. */
  access: 'io.kubelab.access',
  createdAt: 'io.kubelab.created-at',
  /** The add-ons installed, comma-separated; absent on clusters made before add-ons were chosen, which have them all. */
  addons: 'io.kubelab.addons',
} as const;

const namePattern = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

export function validateName(name: string): void {
  if (!namePattern.test(name)) {
    throw new KubelabError('E_INVALID_NAME', `invalid cluster name "${name}"`, {
      hint: 'Use 1 to 40 lowercase letters, digits and dashes, starting and ending with a letter or digit (for example: demo, team-a).',
    });
  }
}

export function validateProfile(profile: string): asserts profile is Profile {
  if (!Object.hasOwn(profiles, profile)) {
    throw new KubelabError('E_UNKNOWN_PROFILE', `unknown cluster profile "${profile}"`, {
      hint: `Choose one of: ${Object.entries(profiles)
        .map(([name, p]) => `${name} (${p.description})`)
        .join(', ')}.`,
    });
  }
}

export const kindName = (name: string): string => clusterPrefix + name;
export const networkName = (name: string): string => clusterPrefix + name;

export function validateAccess(access: string): asserts access is ClusterAccess {
  if (!(clusterAccessModes as readonly string[]).includes(access)) {
    throw new KubelabError('E_USAGE', `unknown cluster access "${access}"`, {
      hint: `Choose one of: ${clusterAccessModes.join(', ')} (admin: the learner is cluster-admin; learner: a workshop's restricted learner).`,
    });
  }
}
