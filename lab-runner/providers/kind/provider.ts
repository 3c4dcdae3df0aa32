import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { CommandError, run, succeeds } from '@kubelab/kit/exec';
import { KubelabError } from '@kubelab/kit/errors';
import { renderKubeconfig, sanitizeKubeconfig } from '@kubelab/kit/kubeconfig';
import { describeForLearner, redactHostPaths } from '@kubelab/kit/redact';
import { runPipeline, type Action } from '@kubelab/kit/pipeline';
import type { Status } from '@kubelab/kit/status';
import { poll } from '@kubelab/kit/poll';
import { componentImages, gatewayApiManifestPath, readNodeImage, toolPath } from '@kubelab/kit/artifacts';
import type { Cluster, ClusterNode, ClusterProvider, ClusterSpec, HealthReport, ProviderInfo } from '../provider.ts';
import { kindClusterConfig } from './cluster-config.ts';
import { clusterPrefix, kindClusterLabel, kindName, kindRoleLabel, labels, networkName, validateName, validateProfile } from './names.ts';
import { probeOnce, readinessChecks, type ClusterHandle } from './readiness.ts';
import { removeToolbox, startToolbox, toolboxShellArgv } from './toolbox.ts';
import { dataDirOf } from '@kubelab/kit/paths';

const addonsDir = fileURLToPath(new URL('./addons/', import.meta.url));

interface CreateContext {
  spec: ClusterSpec;
  nodeImage: string;
  createdNetwork: boolean;
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

/**
 * Kubelab's clusters as kind clusters on Docker.
 *
 * A cluster's kubeconfigs (the external one for the host, the internal one for its toolbox) are captured once, by
 * create(), right after kind made the cluster and before anyone else can reach it. They are rebuilt from an
 * allowlist of fields (@kubelab/kit/kubeconfig) and kept in `stateDir`/<name>/ (folders 0700, files 0600).
 * kubeconfig() returns that copy and never reads one back from a node: a learner with root on their own node
 * could put a credential plugin there, which kubectl or client-node would run on the host.
 */
export class KindProvider implements ClusterProvider {
  readonly readyTimeoutMs: number;
  /** Where each cluster's kubeconfigs are kept. */
  readonly stateDir: string;
  /** Toolbox starts under way, so two callers for one cluster share one `docker run`. */
  private readonly startingToolboxes = new Map<string, Promise<{ container: string }>>();

  constructor(options: { readyTimeoutMs?: number; stateDir?: string } = {}) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 300_000;
    this.stateDir = options.stateDir ?? defaultStateDir();
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
  async kubeconfig(name: string, options: { internal?: boolean } = {}): Promise<string> {
    try {
      await this.find(name);
      return await this.storedKubeconfig(name, options.internal ?? false);
    } catch (error) {
      // A lab's setup and checks ask for it: what goes wrong here is shown to its learner.
      throw forLearners(error);
    }
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
   * Asks kind for the cluster's kubeconfigs, external and internal, and stores them rebuilt from the allowlist.
   * Only create() calls it, before the cluster is handed to anyone.
   */
  private async captureKubeconfigs(name: string): Promise<void> {
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

  /** A handle for readiness checks: kubectl with this cluster's stored kubeconfig, in a private temp folder. */
  private async handle(name: string): Promise<ClusterHandle & { dispose(): Promise<void> }> {
    const cluster = await this.find(name);
    const kubeconfig = await this.storedKubeconfig(name, false);
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
      for (const check of readinessChecks) checks.push(await probeOnce(check, handle));
      return { cluster: name, ready: checks.every((c) => c.ok), checks };
    } finally {
      await handle.dispose();
    }
  }

  async create(spec: ClusterSpec, status: Status, signal: AbortSignal): Promise<Cluster> {
    validateName(spec.name);
    validateProfile(spec.profile);
    const context: CreateContext = { spec, nodeImage: '', createdNetwork: false, startedKind: false, storedKubeconfigs: false };
    // A lab shows its learner these steps and errors: each action's failure is made fit for that first.
    const actions = this.createActions().map(
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

  /** kind's create flow, as an ordered list of small actions; a failure in any of them removes what was made. */
  private createActions(): Action<CreateContext>[] {
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
          context.nodeImage = await this.nodeImage();
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
            '--label', `${labels.cluster}=${spec.name}`,
            '--label', `${labels.profile}=${spec.profile}`,
            '--label', `${labels.createdAt}=${new Date().toISOString()}`,
            networkName(spec.name),
          ]);
          context.createdNetwork = true;
          return networkName(spec.name);
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
              input: kindClusterConfig(spec.name, spec.profile),
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
      {
        id: 'capture-kubeconfig',
        title: "Keeping the cluster's kubeconfig",
        run: async (context) => {
          // Now, while nothing but kind has touched the nodes: from here on the stored copy is all Kubelab uses.
          context.storedKubeconfigs = true;
          await this.captureKubeconfigs(context.spec.name);
          context.handle = await this.handle(context.spec.name);
        },
      },
      {
        id: 'install-addons',
        title: 'Installing add-ons (Gateway API, Traefik, metrics-server)',
        run: async (context, _status, signal) => {
          let gatewayCrds: string;
          try {
            gatewayCrds = await readFile(gatewayApiManifestPath(), 'utf8');
          } catch (error) {
            throw new KubelabError('E_NOT_SET_UP', 'the Gateway API CRDs are not in the cache', {
              hint: 'Run npm run setup.',
              cause: error,
            });
          }
          const manifests = [
            gatewayCrds,
            (await readFile(join(addonsDir, 'traefik.yaml'), 'utf8')).replaceAll('__TRAEFIK_IMAGE__', componentImages.traefik),
            (await readFile(join(addonsDir, 'metrics-server.yaml'), 'utf8')).replaceAll('__METRICS_SERVER_IMAGE__', componentImages.metricsServer),
          ];
          // Server-side apply: the HTTPRoute CRD is too large for client-side apply's last-applied annotation.
          await this.retry(
            () => context.handle!.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifests.join('\n---\n')),
            // The API server can take a while to accept CRDs on a busy 2-core host; 30 s proved too tight there.
            120_000,
            signal,
          );
        },
      },
      ...readinessChecks.map(
        (check): Action<CreateContext> => ({
          id: `wait-${check.id}`,
          title: `Waiting: ${check.name}`,
          run: async (context, _status, signal) => this.retry(() => check.probe(context.handle!), this.readyTimeoutMs, signal),
        }),
      ),
    ];
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

  private async nodeImage(): Promise<string> {
    const image = await readNodeImage();
    if (!image || !(await succeeds(['docker', 'image', 'inspect', image]))) {
      throw new KubelabError('E_NOT_SET_UP', image ? `the node image ${image} is missing from Docker` : 'Kubelab is not set up on this machine yet', {
        hint: 'Run npm run setup (it builds or fetches everything a cluster needs, and resumes if interrupted).',
      });
    }
    return image;
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
        return startToolbox(name, () => this.kubeconfig(name, { internal: true }));
      })()
        .catch((error: unknown) => {
          throw forLearners(error);
        })
        .finally(() => this.startingToolboxes.delete(name));
      this.startingToolboxes.set(name, starting);
    }
    return starting;
  }

  shellArgv(name: string): string[] {
    return toolboxShellArgv(name);
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
