/**
 * What a learner-mode cluster (a workshop server's) holds besides kind's defaults, in one place: who the learner
 * is, which namespaces are the system's, and what every learner namespace gets. The kind provider applies these to
 * `default` when it makes the cluster; the lab-runner's namespace reconciler (sessions/namespaces.ts) applies them
 * to every other learner namespace as it appears. Not kind-specific: any provider of learner-mode clusters uses it.
 */
import { learnerNamespaceNames } from '@kubelab/kit/learner-namespace';

/** The learner's client certificate: CN and O. workshop-rbac.yaml and workshop-policy.yaml name the group. */
export const learnerUser = 'kubelab-learner';
export const learnerGroup = 'kubelab:learners';
/** How long a learner certificate is valid: longer than any lab lives (a workshop's TTL is at most a week). */
export const learnerCertificateValidity = '720h';

/**
 * Namespaces that are the system's: the learner gets no write, exec or token rights there (no RoleBinding), and
 * workshop-policy.yaml keeps them from being deleted or relabelled. kube-system, local-path-storage and
 * metallb-system are also the only ones Pod Security exempts (scripts/node-image/manifests/admission.yaml).
 * kubelab-probe is the checkers' (their network probes run there): as a learner's it got the learner's quota and
 * LimitRange a moment after a check made it, and a probe pod created in between was refused.
 */
export const systemNamespaces: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage', 'traefik', 'metallb-system', 'kubelab-system', 'kubelab-probe'];

export const isLearnerNamespace = (namespace: string): boolean => !systemNamespaces.includes(namespace);

const managedBy = { 'app.kubernetes.io/managed-by': 'kubelab' };

/** The names of what a learner namespace gets: the kit's, since the exercise scripts wait for them too. */
export { learnerNamespaceNames };

/**
 * Per container, unless the pod says otherwise: small defaults (lessons' pods rarely set resources, and the quota
 * needs requests on every pod) and a ceiling well under a node's memory limit.
 */
export const learnerLimitRange = {
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: learnerNamespaceNames.limitRange, labels: managedBy },
  spec: {
    limits: [
      {
        type: 'Container',
        default: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '1Gi' },
        defaultRequest: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '64Mi' },
        max: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '2Gi' },
      },
      { type: 'PersistentVolumeClaim', max: { storage: '2Gi' } },
    ],
  },
} as const;

/**
 * Per namespace: compute, ephemeral storage (a pod's writable layer, logs and emptyDirs all land on the host's
 * disk) and object counts. A learner can make many namespaces, so the node containers' Docker limits are what
 * bound a whole cluster; this keeps one runaway namespace from taking all of it.
 */
export const learnerResourceQuota = {
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: learnerNamespaceNames.resourceQuota, labels: managedBy },
  spec: {
    hard: {
      'requests.cpu': '2',
      'limits.cpu': '4',
      'requests.memory': '1536Mi',
      'limits.memory': '3Gi',
      'requests.ephemeral-storage': '2Gi',
      'limits.ephemeral-storage': '8Gi',
      'requests.storage': '10Gi',
      persistentvolumeclaims: '10',
      pods: '30',
      services: '20',
      'services.nodeports': '10',
      configmaps: '50',
      secrets: '50',
      replicationcontrollers: '10',
      'count/deployments.apps': '30',
      'count/replicasets.apps': '100',
      'count/statefulsets.apps': '10',
      'count/daemonsets.apps': '10',
      'count/jobs.batch': '50',
      'count/cronjobs.batch': '10',
    },
  },
} as const;

/** A quota's Mi or Gi quantity in MiB (the only units our quotas are written in). */
export function quantityMiB(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/** A learner namespace may ask for this much memory in all (its ResourceQuota's limits.memory). */
export const learnerMemoryMiB = quantityMiB(learnerResourceQuota.spec.hard['limits.memory']);

/** The built-in `admin` ClusterRole in one namespace, for the learner group. */
export const learnerRoleBinding = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: learnerNamespaceNames.roleBinding, labels: managedBy },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: learnerGroup }],
} as const;

/** Everything a learner namespace gets, as objects for `namespace`. */
export function learnerNamespaceObjects(namespace: string): Record<string, unknown>[] {
  return [learnerRoleBinding, learnerLimitRange, learnerResourceQuota].map((object) => ({
    ...object,
    metadata: { ...object.metadata, namespace },
  }));
}

/**
 * Limits on each node container (`docker update`), from the lab server's configuration; 0 means none. Memory
 * and swap are pinned together, so a node cannot swap past its limit.
 */
export interface NodeLimits {
  memoryMiB: number;
  cpus: number;
  pids: number;
}

export const noNodeLimits: NodeLimits = { memoryMiB: 0, cpus: 0, pids: 0 };

/**
 * The CPU weight of every learner container (nodes and toolboxes) on a server that limits its labs: a quarter of
 * the default 1024 that the host's own processes keep (the lab server, dockerd, containerd and the `docker exec`
 * behind each terminal). A CPU limit alone does not do it on a small host: measured on 2 CPUs, with one learner's
 * node at its 1.5-CPU limit and its toolbox's fork bomb burning a whole CPU, another learner's keystroke echo had a
 * p95 of 53 ms and its check 213 ms; with this weight, 18 ms and 72 ms (noisy-neighbour.integration.test.ts).
 * Where the kernel has `cpu.idle`, the nodes are an idle CPU class on top of it (kind/cgroups.ts), which took
 * that echo to 5–7 ms.
 */
export const learnerCpuShares = 256;

/** The `docker update` flags that bound a node (memory, processes, CPU time), or none when every limit is 0. */
export function nodeLimitFlags(limits: NodeLimits): string[] {
  return [
    ...(limits.memoryMiB > 0 ? ['--memory', `${limits.memoryMiB}m`, '--memory-swap', `${limits.memoryMiB}m`] : []),
    ...(limits.pids > 0 ? ['--pids-limit', String(limits.pids)] : []),
    ...(limits.cpus > 0 ? ['--cpus', String(limits.cpus)] : []),
  ];
}

/**
 * The `docker update` flags that give a node the learner CPU weight, when its CPU is limited. A provider applies
 * them once the cluster is ready: until then only the cluster's own components run there, no learner workload,
 * and at a quarter of the host's weight a cluster made while other labs were busy could not boot (in a CI run, a
 * learner-mode cluster's CoreDNS was still not ready after 300 s).
 */
export function nodeWeightFlags(limits: NodeLimits): string[] {
  return limits.cpus > 0 ? ['--cpu-shares', String(learnerCpuShares)] : [];
}
