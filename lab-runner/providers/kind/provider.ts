import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { CommandError, run, runBounded, succeeds } from '@kubelab/kit/exec';
import { KubelabError } from '@kubelab/kit/errors';
import { renderKubeconfig, sanitizeKubeconfig } from '@kubelab/kit/kubeconfig';
import { describeForLearner, redactHostPaths } from '@kubelab/kit/redact';
import { runPipeline, type Action } from '@kubelab/kit/pipeline';
import type { Status } from '@kubelab/kit/status';
import { poll } from '@kubelab/kit/poll';
import { componentImages, gatewayApiManifestPath, metallbManifestPath, nodeImageStoreDir, readNodeImage, toolPath } from '@kubelab/kit/artifacts';
import { labBridgeName } from '@kubelab/kit/host';
import { exists } from '@kubelab/kit/cache';
import type { Cluster, ClusterAccess, ClusterNode, ClusterProvider, ClusterSpec, HealthReport, ProviderInfo, ToolboxRun } from '../provider.ts';
import { markCpuIdle } from './cgroups.ts';
import { learnerCertificateValidity, learnerCpuShares, learnerGroup, learnerNamespaceObjects, learnerUser, noNodeLimits, nodeLimitFlags, nodeWeightFlags, type NodeLimits } from '../workshop.ts';
import { NODE_VIEW_MAX_BYTES, NODE_VIEW_TIMEOUT_MS, nodeViews, type NodeView, type NodeViewId, type NodeViewOutput } from '../node-views.ts';
import { clusterAddons, isClusterAddon, type ClusterAddon } from '@kubelab/labs/profiles';
import { kindClusterConfig } from './cluster-config.ts';
import { ipv4Subnet, loadBalancerRange, metallbPoolObjects, type AddressRange } from './load-balancer.ts';
import { clusterPrefix, kindClusterLabel, kindName, kindRoleLabel, labels, networkName, validateAccess, validateName, validateProfile } from './names.ts';
import { checksFor, probeOnce, readinessChecks, type ClusterHandle, type ReadinessCheck } from './readiness.ts';
import { removeToolbox, startToolbox, toolboxRunArgv, toolboxShellArgv } from './toolbox.ts';

/** What a notebook cell runs, for the benchmark's same-command baseline. */
export { toolboxRunArgv };
import { dataDirOf } from '@kubelab/kit/paths';

const addonsDir = fileURLToPath(new URL('./addons/', import.meta.url));

interface CreateContext {
  spec: ClusterSpec;
  access: ClusterAccess;
  /** The add-ons to install, in clusterAddons order. */
  addons: ClusterAddon[];
  nodeImage: string;
  /** The host directory of the node image's unpacked images (nodeImageStoreDir). */
  imageStore: string;
  createdNetwork: boolean;
  /** The addresses MetalLB hands to LoadBalancer Services: the top of the cluster network's subnet. */
  loadBalancers?: AddressRange;
  startedKind: boolean;
  /** The create stored this cluster's kubeconfigs (so a failed create removes them again). */
  storedKubeconfigs: boolean;
  handle?: ClusterHandle & { dispose(): Promise<void> };
}

/**
 * Where the kubeconfigs of the clusters are kept when no stateDir is given: `clusters/` in the lab server's data
 * directory, that is $KUBELAB_DATA_DIR, else $XDG_DATA_HOME/kubelab, else ~/.local/share/kubelab.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataDirOf(env), 'clusters');
}

/** The names of the cluster, user and context in a cluster's kubeconfigs: what kind itself calls them. */
const kubeconfigName = (name: string): string => `kind-${kindName(name)}`;
const kubeconfigFile = (internal: boolean): string => (internal ? 'internal.kubeconfig' : 'external.kubeconfig');
/** A learner-mode cluster's learner credential, with the internal server (the toolbox's); the host's copy swaps in the external one. */
const learnerKubeconfigFile = 'learner.kubeconfig';
/** The user and context name in a learner kubeconfig (kubectl config get-contexts shows it in the toolbox). */
const learnerKubeconfigName = (name: string): string => `${learnerUser}@${kindName(name)}`;
/** kind's well-known bootstrap token (pkg/cluster/internal/kubeadm: Token = "abcdef.0123456789abcdef"). */
const kindBootstrapTokenId = 'abcdef';

/**
 * kind insists on merging the new cluster into a kubeconfig file. Kubelab never touches the user's
 * ~/.kube/config: kind writes into a throwaway file in a private folder of its own, removed afterwards.
 */
async function withScratchKubeconfig<T>(work: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-kind-'));
  try {
    return await work(join(dir, 'kubeconfig'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * An error as a learner may read it (a lab's provisioning shows the provider's errors): a failed command becomes
 * its tool's name, status and stderr tail, and host paths are replaced. The original stays the cause, for the log.
 */
function forLearners(error: unknown): unknown {
  if (error instanceof CommandError) return new KubelabError(error.code, describeForLearner(error), { cause: error });
  if (!(error instanceof Error)) return error;
  const message = redactHostPaths(error.message);
  const hint = error instanceof KubelabError && error.hint !== undefined ? redactHostPaths(error.hint) : undefined;
  if (message === error.message && hint === (error instanceof KubelabError ? error.hint : undefined)) return error;
  if (error instanceof KubelabError) return new KubelabError(error.code, message, { hint, cause: error });
  return new Error(message, { cause: error });
}

/**
 * After an aborted create: aborting kills `kind create`, but a `docker run` it had already started for a node
 * goes on and creates its container after the cleanup ran (seen in the sessions integration test). So for a
 * short while whatever appears under the name is deleted again; the final delete also removes the cluster
 * network such a container kept in use.
 */
const ABORT_SWEEP_WINDOW_MS = 10_000;
const ABORT_SWEEP_EVERY_MS = 2_000;

/** What a KindProvider is made with; each field's default is under KindProvider. */
export interface ProviderOptions {
  readyTimeoutMs?: number;
  stateDir?: string;
  nodeLimits?: NodeLimits;
  learnerCpuWeight?: boolean;
  idleNodes?: boolean;
  readinessChecks?: readonly ReadinessCheck[];
}

/**
 * Kubelab's clusters as kind clusters on Docker.
 *
 * A cluster's kubeconfigs (the external one for the host, the internal one for its toolbox) are captured once, by
 * create(), right after kind made the cluster and before anyone else can reach it. They are rebuilt from an
 * allowlist of fields (@kubelab/kit/kubeconfig) and kept in `stateDir`/<name>/ (folders 0700, files 0600).
 * kubeconfig() returns that copy and never reads one back from a node: a learner with root on their own node
 * could put a credential plugin there, which kubectl or client-node would run on the host.
 *
 * A cluster made with `access: 'learner'` (a workshop server's) also gets, before create() returns: Pod Security
 * baseline enforced and a hardened kubelet (cluster-config.ts), the learner's ClusterRole and the learner-guard
 * policy (addons/workshop-*.yaml), namespace admin, a LimitRange and a ResourceQuota in `default`
 * (../workshop.ts), a learner client certificate minted on the control plane and stored like the others, and
 * kind's well-known bootstrap token deleted; its toolbox holds only the learner's kubeconfig. Every cluster's
 * network gets a predictable bridge name (labBridgeName, for the host firewall), and every node the Docker limits
 * the provider was given.
 */
export class KindProvider implements ClusterProvider {
  readonly readyTimeoutMs: number;
  /** Where each cluster's kubeconfigs are kept. */
  readonly stateDir: string;
  /** Toolbox starts under way, so two callers for one cluster share one `docker run`. */
  private readonly startingToolboxes = new Map<string, Promise<{ container: string }>>();
  /** Applied to every node container of the clusters this provider makes (`docker update`); 0 means none. */
  readonly nodeLimits: NodeLimits;
  /** Whether nodes with a CPU limit also get the learners' low CPU weight (workshop.ts, learnerCpuShares). */
  readonly learnerCpuWeight: boolean;
  /** Whether limited nodes are an idle CPU class (cgroups.ts). */
  readonly idleNodes: boolean;

  /**
   * `idleNodes` (default: whenever the nodes have a CPU limit, as on a workshop server) makes every node an idle
   * CPU class, and `learnerCpuWeight` (the same default) gives it a quarter of the host's CPU weight. A test suite
   * that shares its host with other suites' clusters, and does not test the class or the weight, turns them off:
   * there those normal-weight clusters would starve its own, which a workshop server, whose labs are all of one
   * class and weight, never sees.
   */
  /** What "ready" means for a create and for health(): readiness.ts's checks, unless a fault test swaps in its own. */
  readonly readinessChecks: readonly ReadinessCheck[];

  constructor(options: ProviderOptions = {}) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 300_000;
    this.readinessChecks = options.readinessChecks ?? readinessChecks;
    this.stateDir = options.stateDir ?? defaultStateDir();
    this.nodeLimits = options.nodeLimits ?? noNodeLimits;
    this.learnerCpuWeight = options.learnerCpuWeight ?? this.nodeLimits.cpus > 0;
    this.idleNodes = options.idleNodes ?? this.nodeLimits.cpus > 0;
  }

  async info(): Promise<ProviderInfo> {
    try {
      const { stdout } = await run(['docker', 'version', '--format', '{{.Server.Version}}']);
      return { name: 'kind', reachable: true, engineVersion: stdout.trim(), nodeImage: await readNodeImage() };
    } catch (error) {
      const problem =
        error instanceof CommandError && error.exitCode === null
          ? 'the docker command is not installed'
          : `the Docker engine does not answer (${error instanceof CommandError ? error.stderr.trim().split('\n')[0] : String(error)})`;
      return { name: 'kind', reachable: false, problem };
    }
  }

  private async requireEngine(): Promise<void> {
    const info = await this.info();
    if (!info.reachable) {
      throw new KubelabError('E_NO_ENGINE', `no Docker engine: ${info.problem}`, {
        hint: 'Start Docker (or run npm run setup, which starts it on Debian hosts), then try again. `npx kubelab doctor` shows what is missing.',
      });
    }
  }

  async list(): Promise<Cluster[]> {
    await this.requireEngine();
    const { stdout } = await run([
      'docker', 'ps', '-a', '--filter', `label=${kindClusterLabel}`,
      '--format', `{{.Names}}\t{{.Label "${kindClusterLabel}"}}\t{{.Label "${kindRoleLabel}"}}\t{{.State}}`,
    ]);
    const byCluster = new Map<string, { container: string; role: string; state: string }[]>();
    for (const line of stdout.trim().split('\n').filter(Boolean)) {
      const [container, cluster, role, state] = line.split('\t') as [string, string, string, string];
      if (!cluster.startsWith(clusterPrefix)) continue;
      const name = cluster.slice(clusterPrefix.length);
      byCluster.set(name, [...(byCluster.get(name) ?? []), { container, role, state }]);
    }
    const clusters: Cluster[] = [];
    for (const [name, containers] of [...byCluster].sort(([a], [b]) => a.localeCompare(b))) {
      const network = networkName(name);
      const networkLabels = await this.networkLabels(network);
      const nodes: ClusterNode[] = [];
      for (const { container, role, state } of containers.sort((a, b) => a.container.localeCompare(b.container))) {
        nodes.push({ name: container, role: role === 'control-plane' ? 'control-plane' : 'worker', state, address: await this.address(container, network) });
      }
      const profile = networkLabels?.[labels.profile] ?? (nodes.length === 1 ? 'single' : nodes.length === 3 ? 'multi' : 'unknown');
      clusters.push({
        name,
        profile: profile === 'single' || profile === 'multi' ? profile : 'unknown',
        access: accessOf(networkLabels),
        addons: addonsOf(networkLabels),
        network,
        createdAt: networkLabels?.[labels.createdAt] ?? '',
        nodes,
      });
    }
    return clusters;
  }

  private async networkLabels(network: string): Promise<Record<string, string> | undefined> {
    try {
      const { stdout } = await run(['docker', 'network', 'inspect', '--format', '{{json .Labels}}', network]);
      return JSON.parse(stdout) ?? {};
    } catch {
      return undefined;
    }
  }

  private async address(container: string, network: string): Promise<string> {
    try {
      const { stdout } = await run(['docker', 'inspect', '--format', `{{with index .NetworkSettings.Networks "${network}"}}{{.IPAddress}}{{end}}`, container]);
      return stdout.trim();
    } catch {
      return '';
    }
  }

  private async find(name: string): Promise<Cluster> {
    validateName(name);
    const cluster = (await this.list()).find((c) => c.name === name);
    if (!cluster) {
      throw new KubelabError('E_CLUSTER_NOT_FOUND', `no cluster named "${name}"`, {
        hint: 'See `npx kubelab cluster list` for the clusters that exist, or create it with `npx kubelab cluster create ' + name + '`.',
      });
    }
    return cluster;
  }

  /** The stored copy (see the class comment); E_NO_KUBECONFIG when there is none. Never asks kind or the node. */
  async kubeconfig(name: string, options: { internal?: boolean; user?: ClusterAccess } = {}): Promise<string> {
    try {
      await this.find(name);
      if (options.user === 'learner') return await this.learnerKubeconfig(name, options.internal ?? false);
      return await this.storedKubeconfig(name, options.internal ?? false);
    } catch (error) {
      // A lab's setup and checks ask for it: what goes wrong here is shown to its learner.
      throw forLearners(error);
    }
  }

  /** From the cluster network's label, which Kubelab wrote when it made the cluster. */
  async access(name: string): Promise<ClusterAccess> {
    validateName(name);
    const networkLabels = await this.networkLabels(networkName(name));
    if (!networkLabels) {
      throw new KubelabError('E_CLUSTER_NOT_FOUND', `no cluster named "${name}"`, { hint: 'See `npx kubelab cluster list` for the clusters that exist.' });
    }
    return accessOf(networkLabels);
  }

  /**
   * The learner's kubeconfig of a learner-mode cluster: the stored copy (internal server), or for the host the
   * same credential with the external server of the stored admin kubeconfig.
   */
  private async learnerKubeconfig(name: string, internal: boolean): Promise<string> {
    let text: string;
    try {
      text = await readFile(join(this.stateDir, name, learnerKubeconfigFile), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new KubelabError('E_NO_KUBECONFIG', `cluster "${name}" has no learner credential`, {
        hint: 'Only a cluster made with access learner (npx kubelab cluster create --access learner, or a workshop server) has one.',
        cause: error,
      });
    }
    const learner = sanitizeKubeconfig(parseYaml(text), { name: learnerKubeconfigName(name), what: `the stored learner kubeconfig of cluster ${name}` });
    if (internal) return renderKubeconfig(learner);
    const external = sanitizeKubeconfig(parseYaml(await this.storedKubeconfig(name, false)), { what: `the stored kubeconfig of cluster ${name}` });
    return renderKubeconfig({ ...learner, server: external.server });
  }

  /** What the toolbox holds: the learner's kubeconfig in a learner-mode cluster, never an admin one; else the admin's. */
  private async toolboxKubeconfig(name: string): Promise<string> {
    return this.kubeconfig(name, { internal: true, user: await this.access(name) });
  }

  private async storedKubeconfig(name: string, internal: boolean): Promise<string> {
    let text: string;
    try {
      text = await readFile(join(this.stateDir, name, kubeconfigFile(internal)), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new KubelabError('E_NO_KUBECONFIG', `Kubelab could not read the kubeconfig it keeps for cluster "${name}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
          hint: "Check that the lab server's data directory (KUBELAB_DATA_DIR) belongs to the user running Kubelab; the log has the details.",
          cause: error,
        });
      }
      throw new KubelabError('E_NO_KUBECONFIG', `Kubelab keeps no kubeconfig for cluster "${name}"`, {
        hint:
          'Kubelab keeps the kubeconfig it captured when it made a cluster, and never reads one back from the cluster. ' +
          'This cluster was made with another data directory (set KUBELAB_DATA_DIR to that one), or by an older Kubelab: ' +
          `delete it and create it again (npx kubelab cluster delete ${name}).`,
        cause: error,
      });
    }
    // Checked again on every read: what is served is always what the allowlist lets through.
    return renderKubeconfig(sanitizeKubeconfig(parseYaml(text), { name: kubeconfigName(name), what: `the stored kubeconfig of cluster ${name}` }));
  }

  /**
   * Asks kind for the cluster's kubeconfigs, external and internal, and stores them rebuilt from the allowlist,
   * with the learner's (already rebuilt) when there is one. Only create() calls it, before the cluster is handed
   * to anyone.
   */
  private async captureKubeconfigs(name: string, learner?: string): Promise<void> {
    const [external, internal] = await Promise.all(
      [false, true].map(async (internal) => {
        const argv = [toolPath('kind'), 'get', 'kubeconfig', '--name', kindName(name), ...(internal ? ['--internal'] : [])];
        const text = (await run(argv)).stdout;
        const what = `the ${internal ? 'internal' : 'external'} kubeconfig of the new cluster ${name}`;
        return renderKubeconfig(sanitizeKubeconfig(parseYaml(text), { name: kubeconfigName(name), what }));
      }),
    );
    // Both files appear at once: they are written into a private folder, which is then renamed into place.
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    await chmod(this.stateDir, 0o700);
    const partial = await mkdtemp(join(this.stateDir, `.${name}-`));
    try {
      await writeFile(join(partial, kubeconfigFile(false)), external!, { mode: 0o600, flag: 'wx' });
      await writeFile(join(partial, kubeconfigFile(true)), internal!, { mode: 0o600, flag: 'wx' });
      if (learner !== undefined) await writeFile(join(partial, learnerKubeconfigFile), learner, { mode: 0o600, flag: 'wx' });
      await rm(join(this.stateDir, name), { recursive: true, force: true });
      await rename(partial, join(this.stateDir, name));
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      throw error;
    }
  }

  private async forgetKubeconfigs(name: string): Promise<void> {
    await rm(join(this.stateDir, name), { recursive: true, force: true });
  }

  /**
   * A handle for readiness checks: kubectl with this cluster's stored kubeconfig (the admin's, or with `learner`
   * the learner's), in a private temp folder.
   */
  private async handle(name: string, user: ClusterAccess = 'admin'): Promise<ClusterHandle & { dispose(): Promise<void> }> {
    const cluster = await this.find(name);
    const kubeconfig = user === 'learner' ? await this.learnerKubeconfig(name, false) : await this.storedKubeconfig(name, false);
    const dir = await mkdtemp(join(tmpdir(), 'kubelab-kubeconfig-'));
    const path = join(dir, 'config');
    await writeFile(path, kubeconfig, { mode: 0o600 });
    return {
      nodeContainers: cluster.nodes.map((n) => n.name),
      nodeAddress: cluster.nodes.find((n) => n.role === 'control-plane')?.address ?? cluster.nodes[0]?.address ?? '',
      kubectl: async (args, input) => {
        try {
          return (await run([toolPath('kubectl'), '--kubeconfig', path, '--request-timeout=10s', ...args], { input })).stdout;
        } catch (error) {
          // The last line of kubectl's stderr says what was wrong; its argv (tool and temp paths) is the host's.
          throw error instanceof CommandError ? new KubelabError(error.code, describeForLearner(error, { lines: 1 }), { cause: error }) : error;
        }
      },
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  }

  async health(name: string): Promise<HealthReport> {
    const handle = await this.handle(name);
    try {
      const checks = [];
      const addons = addonsOf(await this.networkLabels(networkName(name)));
      for (const check of checksFor(this.readinessChecks, addons)) checks.push(await probeOnce(check, handle));
      return { cluster: name, ready: checks.every((c) => c.ok), checks };
    } finally {
      await handle.dispose();
    }
  }

  async create(spec: ClusterSpec, status: Status, signal: AbortSignal): Promise<Cluster> {
    validateName(spec.name);
    validateProfile(spec.profile);
    const access = spec.access ?? 'admin';
    validateAccess(access);
    const addons = chosenAddons(spec.addons);
    const context: CreateContext = { spec, access, addons, nodeImage: '', imageStore: '', createdNetwork: false, startedKind: false, storedKubeconfigs: false };
    // A lab shows its learner these steps and errors: each action's failure is made fit for that first.
    const actions = this.createActions(context).map(
      (action): Action<CreateContext> => ({
        ...action,
        run: (c, step, s) =>
          action.run(c, step, s).catch((error: unknown) => {
            throw forLearners(error);
          }),
      }),
    );
    try {
      await runPipeline(actions, context, status, signal, async () => {
        if (spec.retain) return;
        await this.removeLeftovers(context);
        if (signal.aborted) await this.sweepAbortedCreate(spec.name);
      });
    } finally {
      await context.handle?.dispose();
    }
    return this.find(spec.name);
  }

  private async sweepAbortedCreate(name: string): Promise<void> {
    const until = Date.now() + ABORT_SWEEP_WINDOW_MS;
    while (Date.now() < until) {
      await sleep(ABORT_SWEEP_EVERY_MS);
      if ((await this.list().catch(() => [])).some((cluster) => cluster.name === name)) await this.delete(name).catch(() => {});
    }
    await this.delete(name).catch(() => {});
  }

  /**
   * kind's create flow, as an ordered list of small actions; a failure in any of them removes what was made. A
   * learner-mode cluster has a few more, all before create() returns: nothing is handed to a learner (a lab, or
   * the warm pool) half-hardened.
   */
  private createActions({ access, addons }: CreateContext): Action<CreateContext>[] {
    const learner = access === 'learner';
    const limits = nodeLimitFlags(this.nodeLimits);
    const weight = this.learnerCpuWeight ? nodeWeightFlags(this.nodeLimits) : [];
    return [
      {
        id: 'check-engine',
        title: 'Checking the container engine',
        run: async () => {
          await this.requireEngine();
        },
      },
      {
        id: 'check-name',
        title: 'Checking the name is free',
        run: async ({ spec }) => {
          if ((await this.list()).some((c) => c.name === spec.name) || (await this.networkLabels(networkName(spec.name)))) {
            throw new KubelabError('E_CLUSTER_EXISTS', `a cluster named "${spec.name}" already exists`, {
              hint: `Pick another name, or delete it first with \`npx kubelab cluster delete ${spec.name}\`.`,
            });
          }
        },
      },
      {
        id: 'find-node-image',
        title: 'Finding the node image',
        run: async (context) => {
          ({ image: context.nodeImage, store: context.imageStore } = await this.nodeImage());
          return context.nodeImage;
        },
      },
      {
        id: 'create-network',
        title: 'Creating the cluster network',
        run: async (context) => {
          const { spec } = context;
          await run([
            'docker', 'network', 'create',
            // A name the host firewall matches (kl-+), in every access mode.
            '--opt', `com.docker.network.bridge.name=${labBridgeName(spec.name)}`,
            '--label', `${labels.cluster}=${spec.name}`,
            '--label', `${labels.profile}=${spec.profile}`,
            '--label', `${labels.access}=${context.access}`,
            '--label', `${labels.createdAt}=${new Date().toISOString()}`,
            '--label', `${labels.addons}=${context.addons.join(',')}`,
            networkName(spec.name),
          ]);
          context.createdNetwork = true;
          const subnet = ipv4Subnet((await run(['docker', 'network', 'inspect', '--format', '{{json .IPAM.Config}}', networkName(spec.name)])).stdout, networkName(spec.name));
          context.loadBalancers = loadBalancerRange(subnet);
          return `${networkName(spec.name)} (${subnet}; load balancers ${context.loadBalancers.first}–${context.loadBalancers.last})`;
        },
      },
      {
        id: 'create-cluster',
        title: 'Creating the cluster (kind)',
        run: async (context, step, signal) => {
          const { spec } = context;
          context.startedKind = true;
          await withScratchKubeconfig(async (scratch) => {
            const argv = [toolPath('kind'), 'create', 'cluster', '--config', '-', '--image', context.nodeImage, '--kubeconfig', scratch, '--wait', '0s'];
            if (spec.retain) argv.push('--retain');
            await run(argv, {
              input: kindClusterConfig(spec.name, spec.profile, context.access, context.imageStore),
              env: { ...process.env, KIND_EXPERIMENTAL_DOCKER_NETWORK: networkName(spec.name) },
              signal,
              onLine: (line) => {
                const text = redactHostPaths(line.replace(/[^\x20-\x7e]/g, '')).trim();
                if (text) step.progress(text);
              },
            });
          });
        },
      },
      ...(limits.length
        ? [
            {
              id: 'limit-nodes',
              title: 'Limiting the nodes (memory, processes, CPU)',
              run: async ({ spec }: CreateContext) => {
                await this.updateNodes(spec.name, limits);
                return limits.join(' ');
              },
            },
          ]
        : []),
      {
        id: 'capture-kubeconfig',
        title: learner ? "Keeping the cluster's kubeconfigs and minting the learner's" : "Keeping the cluster's kubeconfig",
        run: async (context) => {
          // Now, while nothing but kind has touched the nodes: from here on the stored copy is all Kubelab uses.
          context.storedKubeconfigs = true;
          await this.captureKubeconfigs(context.spec.name, learner ? await this.mintLearnerKubeconfig(context.spec.name) : undefined);
          context.handle = await this.handle(context.spec.name);
        },
      },
      {
        id: 'install-addons',
        title: 'Installing add-ons',
        run: async (context, _status, signal) => {
          const has = (addon: ClusterAddon) => context.addons.includes(addon);
          const cached = async (what: string, path: string) => {
            try {
              return await readFile(path, 'utf8');
            } catch (error) {
              throw new KubelabError('E_NOT_SET_UP', `${what} is not in the cache`, { hint: 'Run npm run setup.', cause: error });
            }
          };
          // Everything Kubernetes serves from the start, CRDs included, goes in one apply; the objects of those CRDs
          // (Traefik's GatewayClass, MetalLB's pool) only once the CRDs are served and MetalLB's webhook answers, which
          // can take a minute on a busy host. Only the small second apply is repeated until then. Repeating all 770 kB
          // (14 CRDs, server-side applied) every second kept a busy API server busier: the step took 42 s instead of
          // 15, and once timed out after 120 s in npm test.
          const foundation = [
            ...(has('ingress')
              ? [
                  await cached('the Gateway API CRDs', gatewayApiManifestPath()),
                  (await readFile(join(addonsDir, 'traefik.yaml'), 'utf8')).replaceAll('__TRAEFIK_IMAGE__', componentImages.traefik),
                ]
              : []),
            ...(has('metrics') ? [(await readFile(join(addonsDir, 'metrics-server.yaml'), 'utf8')).replaceAll('__METRICS_SERVER_IMAGE__', componentImages.metricsServer)] : []),
            ...(has('load-balancer') ? [await cached("MetalLB's manifest", metallbManifestPath())] : []),
            ...(learner
              ? [
                  await readFile(join(addonsDir, 'workshop-rbac.yaml'), 'utf8'),
                  await readFile(join(addonsDir, 'workshop-policy.yaml'), 'utf8'),
                  ...learnerNamespaceObjects('default').map((object) => JSON.stringify(object)),
                ]
              : []),
          ];
          const customObjects = [
            ...(has('ingress') ? [await readFile(join(addonsDir, 'traefik-gatewayclass.yaml'), 'utf8')] : []),
            ...(has('load-balancer') ? metallbPoolObjects(context.loadBalancers!).map((object) => JSON.stringify(object)) : []),
          ];
          // Server-side apply: the HTTPRoute CRD is too large for client-side apply's last-applied annotation. A busy
          // API server can take longer than the handle's 10 s per request over the CRDs, and a timed-out apply is
          // sent again whole: give each request a minute.
          const apply = (documents: string[]) =>
            context.handle!.kubectl(['apply', '--server-side', '--force-conflicts', '--request-timeout=60s', '-f', '-'], documents.join('\n---\n'));
          if (foundation.length) await this.retry(() => apply(foundation), 180_000, signal);
          if (customObjects.length) {
            await this.retry(
              () => apply(customObjects),
              // The API server can take a while to serve new CRDs on a busy 2-core host; 30 s proved too tight there.
              120_000,
              signal,
            );
          }
          return context.addons.length ? context.addons.join(', ') : 'none: the lesson needs none';
        },
      },
      ...checksFor(this.readinessChecks, addons).map(
        (check): Action<CreateContext> => ({
          id: `wait-${check.id}`,
          title: `Waiting: ${check.name}`,
          run: async (context, _status, signal) => this.retry(() => check.probe(context.handle!), this.readyTimeoutMs, signal),
        }),
      ),
      ...(learner
        ? [
            {
              id: 'remove-bootstrap-token',
              title: "Removing kind's bootstrap token",
              // Every node has joined (nodes-ready counted them): nothing needs it, and anyone who knows kind knows it.
              run: ({ spec, handle }: CreateContext) => this.removeBootstrapTokens(spec.name, handle!),
            },
            {
              id: 'verify-learner',
              title: 'Checking what the learner may do',
              run: ({ spec }: CreateContext) => this.verifyLearner(spec.name),
            },
          ]
        : []),
      // Last, once the cluster is ready (workshop.ts, nodeWeightFlags, says why not sooner).
      ...(weight.length
        ? [
            {
              id: 'lower-node-weight',
              title: "Giving the nodes the learners' CPU weight",
              run: async ({ spec }: CreateContext) => {
                const nodes = await this.updateNodes(spec.name, weight);
                if (!this.idleNodes) return weight.join(' ');
                const notIdle = await markCpuIdle(nodes);
                return `${weight.join(' ')}; ${notIdle ? `CPU weight only: ${notIdle}` : 'an idle CPU class (cpu.idle)'}`;
              },
            },
          ]
        : []),
    ];
  }

  /** `docker update` with `flags` on every node of the cluster; returns the nodes' container names. */
  private async updateNodes(name: string, flags: readonly string[]): Promise<string[]> {
    const nodes = (await this.find(name)).nodes.map((n) => n.name);
    await run(['docker', 'update', ...flags, ...nodes]);
    return nodes;
  }

  /**
   * Mints the learner's client certificate with the cluster's CA, on the control plane (`kubeadm kubeconfig
   * user`, which writes a kubeconfig to stdout and keeps nothing on the node), and rebuilds it from the allowlist.
   * Its server is the internal name, the toolbox's.
   */
  private async mintLearnerKubeconfig(name: string): Promise<string> {
    const controlPlane = `${kindName(name)}-control-plane`;
    const { stdout } = await run([
      'docker', 'exec', controlPlane,
      'kubeadm', 'kubeconfig', 'user',
      `--client-name=${learnerUser}`, `--org=${learnerGroup}`,
      `--validity-period=${learnerCertificateValidity}`,
      '--config', '/kind/kubeadm.conf',
    ]);
    return renderKubeconfig(sanitizeKubeconfig(parseYaml(stdout), { name: learnerKubeconfigName(name), what: `the learner kubeconfig minted for cluster ${name}` }));
  }

  /**
   * Deletes kind's bootstrap token (its secret in kube-system), and any other bootstrap token there is, then
   * checks that none is left: with one, anyone could join a "node" and act as it.
   */
  private async removeBootstrapTokens(name: string, handle: ClusterHandle): Promise<string> {
    const controlPlane = `${kindName(name)}-control-plane`;
    await run(['docker', 'exec', controlPlane, 'kubeadm', 'token', 'delete', kindBootstrapTokenId, '--kubeconfig', '/etc/kubernetes/admin.conf']);
    const selector = ['-n', 'kube-system', '--field-selector', 'type=bootstrap.kubernetes.io/token'];
    await handle.kubectl(['delete', 'secrets', ...selector, '--ignore-not-found']);
    const left = (await handle.kubectl(['get', 'secrets', ...selector, '-o', 'name'])).trim();
    if (left) {
      throw new KubelabError('E_NOT_READY', `bootstrap tokens are still there after deleting them: ${left.split('\n').join(', ')}`, {
        hint: 'Delete the cluster and create it again; if it happens again, the log has the details.',
      });
    }
    return 'no bootstrap token left';
  }

  /**
   * The learner's credential works and is not an admin's, and Pod Security and RBAC hold: a check of the
   * hardening itself, so a cluster whose API server silently ignored its admission configuration never reaches a
   * learner. Everything here runs with the learner's kubeconfig and changes nothing (server-side dry run).
   */
  private async verifyLearner(name: string): Promise<string> {
    const learner = await this.handle(name, 'learner');
    const refuse = (message: string) => new KubelabError('E_NOT_READY', `the learner credential of cluster ${name} ${message}`, {
      hint: 'Delete the cluster and create it again. If it happens again, run `npx kubelab doctor` and rebuild the node image with npm run setup.',
    });
    try {
      const who = JSON.parse(await learner.kubectl(['auth', 'whoami', '-o', 'json'])) as { status?: { userInfo?: { username?: string; groups?: string[] } } };
      const groups = who.status?.userInfo?.groups ?? [];
      if (who.status?.userInfo?.username !== learnerUser || !groups.includes(learnerGroup) || groups.includes('system:masters') || groups.includes('kubeadm:cluster-admins')) {
        throw refuse(`authenticates as ${who.status?.userInfo?.username} (${groups.join(', ')})`);
      }
      // `auth can-i` answers "no" with status 1; any other failure is not an answer.
      const can = async (...args: string[]) =>
        (
          await learner.kubectl(['auth', 'can-i', ...args]).catch((error: unknown) => {
            if (error instanceof KubelabError && error.cause instanceof CommandError && error.cause.exitCode === 1) return 'no';
            throw error;
          })
        ).trim();
      if ((await can('*', '*', '--all-namespaces')) !== 'no') throw refuse('may do anything anywhere');
      if ((await can('create', 'pods', '-n', 'kube-system')) !== 'no') throw refuse('may create pods in kube-system');
      if ((await can('create', 'deployments', '-n', 'default')) !== 'yes') throw refuse('may not create deployments in default');
      const privileged = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'kubelab-verify-privileged', namespace: 'default' },
        spec: { containers: [{ name: 'c', image: 'kubelab/toolbox:1.0', securityContext: { privileged: true } }] },
      });
      const outcome = await learner.kubectl(['create', '--dry-run=server', '-f', '-'], privileged).then(
        () => 'accepted',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      if (!/PodSecurity/.test(outcome)) throw refuse(`may create a privileged pod in default (${outcome.split('\n')[0]})`);
      return `${learnerUser} (${learnerGroup}): no privileged pods, no kube-system writes`;
    } finally {
      await learner.dispose();
    }
  }

  /** Calls `attempt` until it resolves or the deadline passes; the last error says what was still wrong. */
  private async retry<T>(attempt: () => Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    try {
      return (await poll(attempt, { timeoutMs, intervalMs: 1000, signal })) as T;
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new KubelabError('E_NOT_READY', `still not ready after ${Math.round(timeoutMs / 1000)}s: ${describeForLearner(error, { lines: 1 }).split('\n')[0]}`, {
        hint: 'Run `npx kubelab cluster create` with --retain to keep the containers, then `docker exec -it <node> journalctl -u kubelet` to see why.',
        cause: error,
      });
    }
  }

  private async nodeImage(): Promise<{ image: string; store: string }> {
    const image = await readNodeImage();
    const rebuild = { hint: 'Run npm run setup (it builds or fetches everything a cluster needs, and resumes if interrupted).' };
    if (!image || !(await succeeds(['docker', 'image', 'inspect', image]))) {
      throw new KubelabError('E_NOT_SET_UP', image ? `the node image ${image} is missing from Docker` : 'Kubelab is not set up in this checkout yet', rebuild);
    }
    const store = nodeImageStoreDir(image);
    if (!(await exists(store))) throw new KubelabError('E_NOT_SET_UP', `the image store of ${image} is missing (${store})`, rebuild);
    return { image, store };
  }

  private async removeLeftovers(context: CreateContext): Promise<void> {
    const name = context.spec.name;
    if (context.startedKind) await run([toolPath('kind'), 'delete', 'cluster', '--name', kindName(name)]).catch(() => {});
    if (context.createdNetwork) await run(['docker', 'network', 'rm', networkName(name)]).catch(() => {});
    if (context.storedKubeconfigs) await this.forgetKubeconfigs(name).catch(() => {});
  }

  startToolbox(name: string): Promise<{ container: string }> {
    let starting = this.startingToolboxes.get(name);
    if (!starting) {
      starting = (async () => {
        await this.requireEngine();
        const toolbox = await startToolbox(name, () => this.toolboxKubeconfig(name), this.nodeLimits.cpus > 0 ? { cpuShares: learnerCpuShares } : {});
        // Again as a lab takes the cluster: a node Docker restarted since its creation came back in a normal class.
        if (this.idleNodes) await markCpuIdle((await this.find(name)).nodes.map((n) => n.name));
        return toolbox;
      })()
        .catch((error: unknown) => {
          throw forLearners(error);
        })
        .finally(() => this.startingToolboxes.delete(name));
      this.startingToolboxes.set(name, starting);
    }
    return starting;
  }

  shellArgv(name: string, env?: Record<string, string>): string[] {
    return toolboxShellArgv(name, env);
  }

  async runInToolbox(name: string, script: string, limits: { maxBytes: number; timeoutMs: number }): Promise<ToolboxRun> {
    // A bit longer on the host than in the container: the in-container timeout ends the script first.
    const result = await runBounded(toolboxRunArgv(name, script, limits.timeoutMs / 1000), { maxBytes: limits.maxBytes, timeoutMs: limits.timeoutMs + 5000 });
    const timedOut = result.timedOut || result.exitCode === 124 || result.exitCode === 137;
    if (result.exitCode === 1 && /^Error response from daemon: (No such container|Container .* is not running)/m.test(result.output)) {
      await this.find(name); // E_CLUSTER_NOT_FOUND when the whole cluster is gone
      throw new KubelabError('E_TOOLBOX_FAILED', `the toolbox of cluster ${name} is not running`, { hint: 'Open the terminal (it starts the toolbox again), or Recreate the lab.' });
    }
    return { output: result.output, exitCode: timedOut ? -1 : (result.exitCode ?? -1), truncated: result.truncated, timedOut };
  }

  async nodeView(name: string, node: string, view: NodeViewId): Promise<NodeViewOutput> {
    const cluster = await this.find(name);
    const found = cluster.nodes.find((n) => n.name === node);
    const spec: NodeView = nodeViews[view];
    if (!found || (spec.controlPlaneOnly && found.role !== 'control-plane')) {
      throw new KubelabError('E_NOT_FOUND', `this cluster has no ${spec.controlPlaneOnly ? 'control-plane ' : ''}node named "${node}"`, {
        hint: `Its nodes: ${cluster.nodes.map((n) => `${n.name} (${n.role})`).join(', ')}.`,
      });
    }
    // found.name comes from Docker's own list, not from the caller; the argv is the view's, fixed.
    const result = await runBounded(['docker', 'exec', found.name, ...spec.argv], { maxBytes: NODE_VIEW_MAX_BYTES, timeoutMs: NODE_VIEW_TIMEOUT_MS });
    if (result.timedOut) {
      return { output: `${result.output}\n[stopped after ${NODE_VIEW_TIMEOUT_MS / 1000} s]`, exitCode: -1, truncated: true };
    }
    return { output: result.output, exitCode: result.exitCode ?? -1, truncated: result.truncated };
  }

  async delete(name: string): Promise<void> {
    validateName(name);
    await this.requireEngine();
    try {
      // The toolbox first: the learner's shell ends before its cluster does, and the network is free to go.
      await removeToolbox(name);
      await withScratchKubeconfig((scratch) => run([toolPath('kind'), 'delete', 'cluster', '--name', kindName(name), '--kubeconfig', scratch]));
      if (await this.networkLabels(networkName(name))) await run(['docker', 'network', 'rm', networkName(name)]);
      await this.forgetKubeconfigs(name);
    } catch (error) {
      throw new KubelabError(error instanceof KubelabError ? error.code : 'E_DELETE_FAILED', `failed to delete cluster ${name}: ${describeForLearner(error)}`, {
        hint: error instanceof KubelabError ? error.hint : undefined,
        cause: error,
      });
    }
  }
}

/** A cluster's access mode from its network's labels; none (an older cluster) is admin. */
/** The add-ons a create installs: the ones asked for, known and in clusterAddons order; all of them when none were named. */
export function chosenAddons(asked: readonly string[] | undefined): ClusterAddon[] {
  if (asked === undefined) return [...clusterAddons];
  const unknown = asked.filter((addon) => !isClusterAddon(addon));
  if (unknown.length) {
    throw new KubelabError('E_USAGE', `unknown add-on${unknown.length > 1 ? 's' : ''} ${unknown.map((a) => `"${a}"`).join(', ')}`, {
      hint: `Choose from ${clusterAddons.join(', ')}.`,
    });
  }
  return clusterAddons.filter((addon) => asked.includes(addon));
}

/** From the cluster network's label; a cluster made before add-ons were chosen has them all. */
function addonsOf(networkLabels: Record<string, string> | undefined): ClusterAddon[] {
  const label = networkLabels?.[labels.addons];
  if (label === undefined) return [...clusterAddons];
  return clusterAddons.filter((addon) => label.split(',').includes(addon));
}

function accessOf(networkLabels: Record<string, string> | undefined): ClusterAccess {
  return networkLabels?.[labels.access] === 'learner' ? 'learner' : 'admin';
}
