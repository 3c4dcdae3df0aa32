import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { run } from '../../scripts/lib/exec.ts';
import { EventStatus } from '../../scripts/lib/status.ts';
import { toolPath } from '../../scripts/setup/tools.ts';
import { KindProvider } from '../providers/kind/provider.ts';
import type { Cluster, ProfileName } from '../providers/provider.ts';

/** A real cluster for a test file: created through the provider, with kubectl and helm bound to it. */
export interface TestCluster {
  cluster: Cluster;
  kubeconfigPath: string;
  kubectl(args: string[], input?: string): Promise<string>;
  helm(args: string[]): Promise<string>;
  status: EventStatus;
  dispose(): Promise<void>;
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(3).toString('hex')}`;

export async function createTestCluster(provider: KindProvider, profile: ProfileName, prefix = 'test'): Promise<TestCluster> {
  const name = uniqueName(prefix);
  const status = new EventStatus((event) => {
    if (event.type === 'done' || event.type === 'fail') process.stderr.write(`  [${name}] ${event.type} ${event.step} ${event.elapsedMs}ms\n`);
  });
  const cluster = await provider.create({ name, profile }, status, AbortSignal.timeout(900_000));
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-test-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, await provider.kubeconfig(name), { mode: 0o600 });
  return {
    cluster,
    kubeconfigPath,
    status,
    kubectl: async (args, input) => (await run([toolPath('kubectl'), '--kubeconfig', kubeconfigPath, ...args], { input })).stdout,
    helm: async (args) => (await run([toolPath('helm'), '--kubeconfig', kubeconfigPath, ...args])).stdout,
    dispose: async () => {
      await provider.delete(name);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Docker objects that still mention a cluster: its node containers and its network. */
export async function leftovers(name: string): Promise<string[]> {
  const containers = (await run(['docker', 'ps', '-a', '--filter', `label=io.x-k8s.kind.cluster=kubelab-${name}`, '--format', '{{.Names}}'])).stdout;
  const networks = (await run(['docker', 'network', 'ls', '--filter', `name=^kubelab-${name}$`, '--format', '{{.Name}}'])).stdout;
  return [...containers.split('\n'), ...networks.split('\n')].filter(Boolean);
}

/** Runs a command in a throwaway toolbox pod and returns its output (the pod is removed afterwards). */
export async function inToolbox(c: TestCluster, namespace: string, command: string): Promise<string> {
  const pod = `toolbox-${randomBytes(3).toString('hex')}`;
  return c.kubectl([
    '-n', namespace, 'run', pod, '--rm', '-i', '--restart=Never', '--quiet',
    '--image=kubelab/toolbox:1.0', '--image-pull-policy=Never', '--pod-running-timeout=2m',
    '--command', '--', 'bash', '-c', command,
  ]);
}
