import type { Status } from '@kubelab/kit/status';
import type { ClusterAddon, Profile } from '@kubelab/labs/profiles';
import type { NodeViewId, NodeViewOutput } from './node-views.ts';

/**
 * The only code that touches the container engine. Modelled on kind's own provider interface: small, and each
 * method documented. State lives in the engine (container and network labels), never in a database, so a
 * restarted lab-runner rebuilds its view of the clusters with list().
 */
export interface ClusterProvider {
  /** Is the engine reachable, and with which versions; never throws for an unreachable engine. */
  info(): Promise<ProviderInfo>;
  /**
   * Creates a cluster and returns once it is ready (see ClusterSpec). Reports each step to `status`. On failure,
   * removes whatever it made (unless spec.retain) and throws a KubelabError saying what to do.
   */
  create(spec: ClusterSpec, status: Status, signal: AbortSignal): Promise<Cluster>;
  /** Every Kubelab cluster the engine knows, rebuilt from container and network labels. */
  list(): Promise<Cluster[]>;
  /**
   * A kubeconfig for the cluster. `internal` gives one usable from containers on the cluster's network. `user`
   * says whose: the cluster's admin (the default; what the lab-runner's checks and scripts use), or, for a
   * learner-mode cluster, the learner's (E_NO_KUBECONFIG for an admin-mode one).
   */
  kubeconfig(name: string, options?: { internal?: boolean; user?: ClusterAccess }): Promise<string>;
  /**
   * The access mode the cluster was made with ('admin' when it says none). Optional: a provider without it makes
   * only admin-mode clusters. The lab-runner asks it to know whether a lab's namespaces need reconciling.
   */
  access?(name: string): Promise<ClusterAccess>;
  /** Checks a running cluster: API, nodes, DNS, CNI, storage, ingress, images. */
  health(name: string): Promise<HealthReport>;
  /**
   * Starts the cluster's toolbox container, where the learner's shell runs: on the cluster's network, holding only
   * its internal kubeconfig (at /root/.kube/config; the learner's in a learner-mode cluster), no host files. Idempotent: a running toolbox is reused, a
   * stopped one started again. Throws E_CLUSTER_NOT_FOUND, E_NOT_SET_UP (no toolbox image) or E_TOOLBOX_FAILED.
   */
  startToolbox(name: string): Promise<{ container: string }>;
  /**
   * The command for an interactive login shell in the toolbox: what the terminal bridge spawns in its pty. `env`:
   * variables for that shell (names of letters, digits and underscores; the journal's KUBELAB_MARKS nonce).
   */
  shellArgv(name: string, env?: Record<string, string>): string[];
  /**
   * Runs `script` with bash in the toolbox, as the learner's shell would (same user, kubeconfig and working
   * directory) but not in the interactive shell and without a terminal: a notebook cell. Output (stdout and stderr
   * interleaved) is bounded in size and the run in time. Throws E_CLUSTER_NOT_FOUND when the toolbox is gone.
   */
  runInToolbox(name: string, script: string, limits: { maxBytes: number; timeoutMs: number }): Promise<ToolboxRun>;
  /**
   * Runs one of the fixed read-only node views (node-views.ts) in node `node` of cluster `name`, bounded in size
   * and time. Throws E_CLUSTER_NOT_FOUND, or E_NOT_FOUND for a node the cluster does not have (or a control-plane
   * view on a worker).
   */
  nodeView(name: string, node: string, view: NodeViewId): Promise<NodeViewOutput>;
  /**
   * Removes the cluster's containers (its toolbox too) and its network. Deleting a cluster that does not exist is
   * not an error.
   */
  delete(name: string): Promise<void>;
}

export interface ToolboxRun {
  output: string;
  /** -1 when it was stopped (too long). */
  exitCode: number;
  truncated: boolean;
  timedOut: boolean;
}

export interface ProviderInfo {
  name: string;
  reachable: boolean;
  engineVersion?: string;
  /** Why the engine is not usable, and what to do. */
  problem?: string;
  nodeImage?: string;
}

/**
 * Who the learner is in a cluster. `admin`: cluster-admin (a self-paced learner's own machine). `learner`: a
 * client certificate of group kubelab:learners with the rights of workshop-rbac.yaml, namespace admin where the
 * lab-runner grants it, Pod Security baseline enforced and kubelet and node limits (a workshop server).
 */
export const clusterAccessModes = ['admin', 'learner'] as const;
export type ClusterAccess = (typeof clusterAccessModes)[number];

export interface ClusterSpec {
  /** Lowercase letters, digits and dashes; at most 40 characters. */
  name: string;
  profile: Profile;
  /** 'admin' when not given. */
  access?: ClusterAccess;
  /** Keep containers and network after a failed create, for debugging. */
  retain?: boolean;
  /** The add-ons to install (a lesson's `addons`); every one of them when not given. */
  addons?: readonly ClusterAddon[];
}

/** What a node does in its cluster (kind's node roles); the API shows the same names. */
export const nodeRoles = ['control-plane', 'worker'] as const;
export type NodeRole = (typeof nodeRoles)[number];

export interface ClusterNode {
  name: string;
  role: NodeRole;
  /** The node container's address on the cluster network: reachable from the host. */
  address: string;
  state: string;
}

export interface Cluster {
  name: string;
  profile: Profile | 'unknown';
  /** The access mode it was made with (absent: a provider that knows only admin-mode clusters). */
  access?: ClusterAccess;
  /** The add-ons it carries (absent: a provider that installs them all). */
  addons?: ClusterAddon[];
  network: string;
  createdAt: string;
  nodes: ClusterNode[];
}

export interface HealthCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface HealthReport {
  cluster: string;
  ready: boolean;
  checks: HealthCheck[];
}
