import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { run } from '@kubelab/kit/exec';
import { EventStatus } from '@kubelab/kit/status';
import { toolPath } from '@kubelab/kit/artifacts';
import { KindProvider, type ProviderOptions } from '../providers/kind/provider.ts';
import { NamespaceReconciler } from '../sessions/namespaces.ts';

/** labs:test --profile workshop runs the lab-runner's namespace reconciler beside its learner-mode cluster. */
export { KindProvider, NamespaceReconciler };
import type { Cluster, ClusterAccess } from '../providers/provider.ts';
import type { Profile } from '@kubelab/labs/profiles';

/** A real cluster for a test file: created through the provider, with kubectl and helm bound to it. */
export interface TestCluster {
  cluster: Cluster;
  /** The admin's kubeconfig (the host's, as the lab-runner uses it). */
  kubeconfigPath: string;
  kubectl(args: string[], input?: string): Promise<string>;
  helm(args: string[]): Promise<string>;
  /** A learner-mode cluster's: the learner's kubeconfig with the host's server address. */
  learnerKubeconfigPath?: string;
  status: EventStatus;
  dispose(): Promise<void>;
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(3).toString('hex')}`;

/**
 * A kind provider whose clusters' kubeconfigs are kept in a data directory of this test process (removed when it
 * exits), not in the user's own: `<dataDir>/clusters`, as a lab server with KUBELAB_DATA_DIR=<dataDir> keeps them.
 */
export function testProvider(options: Omit<ProviderOptions, 'stateDir'> = {}): KindProvider & { dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubelab-test-data-'));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  return Object.assign(new KindProvider({ ...options, stateDir: join(dataDir, 'clusters') }), { dataDir });
}

export async function createTestCluster(provider: KindProvider, profile: Profile, prefix = 'test', access: ClusterAccess = 'admin'): Promise<TestCluster> {
  const name = uniqueName(prefix);
  const status = new EventStatus((event) => {
    if (event.type === 'done' || event.type === 'fail') process.stderr.write(`  [${name}] ${event.type} ${event.id} ${event.elapsedMs}ms\n`);
  });
  const cluster = await provider.create({ name, profile, access }, status, AbortSignal.timeout(900_000));
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-test-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, await provider.kubeconfig(name), { mode: 0o600 });
  let learnerKubeconfigPath: string | undefined;
  if (access === 'learner') {
    learnerKubeconfigPath = join(dir, 'learner.kubeconfig');
    await writeFile(learnerKubeconfigPath, await provider.kubeconfig(name, { user: 'learner' }), { mode: 0o600 });
  }
  return {
    cluster,
    kubeconfigPath,
    ...(learnerKubeconfigPath ? { learnerKubeconfigPath } : {}),
    status,
    kubectl: async (args, input) => (await run([toolPath('kubectl'), '--kubeconfig', kubeconfigPath, ...args], { input })).stdout,
    helm: async (args) => (await run([toolPath('helm'), '--kubeconfig', kubeconfigPath, ...args])).stdout,
    dispose: async () => {
      await provider.delete(name);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Docker objects that still mention a cluster: its node containers, its other containers (the toolbox) and its network. */
export async function leftovers(name: string): Promise<string[]> {
  const containers = (await run(['docker', 'ps', '-a', '--filter', `label=io.x-k8s.kind.cluster=kubelab-${name}`, '--format', '{{.Names}}'])).stdout;
  const others = (await run(['docker', 'ps', '-a', '--filter', `label=io.kubelab.cluster=${name}`, '--format', '{{.Names}}'])).stdout;
  const networks = (await run(['docker', 'network', 'ls', '--filter', `name=^kubelab-${name}$`, '--format', '{{.Name}}'])).stdout;
  return [...containers.split('\n'), ...others.split('\n'), ...networks.split('\n')].filter(Boolean);
}

/**
 * Runs a command in a throwaway toolbox pod and returns its output. The pod runs to completion and its log is
 * read afterwards: `kubectl run -i` can miss the output of a command that ends before it attaches.
 */
export async function inToolbox(c: TestCluster, namespace: string, command: string): Promise<string> {
  const pod = `toolbox-${randomBytes(3).toString('hex')}`;
  await c.kubectl(['-n', namespace, 'run', pod, '--restart=Never', '--image=kubelab/toolbox:1.0', '--image-pull-policy=Never', '--command', '--', 'bash', '-c', command]);
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const phase = (await c.kubectl(['-n', namespace, 'get', 'pod', pod, '-o', 'jsonpath={.status.phase}'])).trim();
      if (phase === 'Succeeded' || phase === 'Failed') break;
      if (Date.now() > deadline) throw new Error(`toolbox pod ${pod} still ${phase} after 120s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return await c.kubectl(['-n', namespace, 'logs', pod]);
  } finally {
    await c.kubectl(['-n', namespace, 'delete', 'pod', pod, '--wait=false']).catch(() => {});
  }
}
