/**
 * `npx kubelab doctor --capacity`: how many labs this host can hold at once, and the node limits a workshop server
 * should give each cluster (KUBELAB_MAX_SESSIONS, KUBELAB_NODE_MEMORY_MIB, KUBELAB_NODE_CPUS, KUBELAB_NODE_PIDS),
 * from what the host has and what a lab's containers were measured to use (`docker stats`) on this very host: the
 * Kubelab clusters running now, or, with `--measure`, a throwaway learner-mode cluster made for the purpose.
 *
 * The plan is a pure function of those figures (unit-tested); only the measuring touches Docker.
 */
import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { run } from '@kubelab/kit/exec';
import { KubelabError } from '@kubelab/kit/errors';
import { consoleStatus } from '@kubelab/kit/status';
import { labels, kindClusterLabel, clusterPrefix } from '../providers/kind/names.ts';
import { KindProvider } from '../providers/kind/provider.ts';
import { learnerMemoryMiB, learnerResourceQuota, type NodeLimits } from '../providers/workshop.ts';
import { roleLabel, toolboxRole } from '../providers/kind/toolbox.ts';

export interface HostFacts {
  memoryMiB: number;
  cpus: number;
  /** Free space where Docker keeps images and containers. */
  diskFreeGiB: number;
}

/** What one container used, as `docker stats` saw it (medians over the samples). */
export interface ContainerUse {
  name: string;
  /** The Kubelab cluster it belongs to. */
  cluster: string;
  role: 'node' | 'toolbox';
  memoryMiB: number;
  /** In CPUs (1 = one core busy). */
  cpus: number;
  pids: number;
}

export interface CapacityPlan {
  /** What each lab was measured to use, idle: per cluster, then the largest. */
  perLab: { memoryMiB: number; cpus: number; nodes: number; pidsPerNode: number };
  nodeLimits: NodeLimits;
  /** How many labs fit, by each resource, and the smallest (the recommendation). */
  fits: { memory: number; cpu: number; disk: number };
  maxSessions: number;
  /** Why each number is what it is, in a line each. */
  reasons: string[];
}

const MiB = 1024 * 1024;
/** What the host keeps for itself (the OS, dockerd, the lab server, the page cache): at least 2 GiB, or a tenth. */
export const hostReserveMiB = (memoryMiB: number): number => Math.max(2048, Math.round(memoryMiB / 10));
/** Disk per lab: a node's /var (images are shared, but containerd unpacks each into the node), logs, emptyDirs. */
export const diskPerLabGiB = 6;
/**
 * The share of the host's CPUs idle labs may take together: the rest is what keeps a learner's keystroke echo and
 * checks quick while other learners' controllers, kubelets and etcd tick over.
 */
export const idleCpuShare = 0.5;


const roundUp = (value: number, step: number): number => Math.ceil(value / step) * step;

/**
 * The plan: node limits that leave room, above what a node uses idle, for one learner namespace's full quota (the
 * ResourceQuota's limits.memory), and as many labs as fit by memory limits (every lab at its limit at once, so
 * none is ever OOM-killed by a neighbour), by idle CPU, and by disk.
 */
export function planCapacity(host: HostFacts, use: readonly ContainerUse[]): CapacityPlan {
  const clusters = [...new Set(use.map((c) => c.cluster))];
  if (clusters.length === 0) throw new Error('planCapacity needs the measured use of at least one lab');
  const labs = clusters.map((cluster) => {
    const mine = use.filter((c) => c.cluster === cluster);
    const nodes = mine.filter((c) => c.role === 'node');
    return {
      memoryMiB: mine.reduce((sum, c) => sum + c.memoryMiB, 0),
      cpus: mine.reduce((sum, c) => sum + c.cpus, 0),
      nodes: Math.max(1, nodes.length),
      nodeMemoryMiB: Math.max(0, ...nodes.map((c) => c.memoryMiB)),
      pidsPerNode: Math.max(0, ...nodes.map((c) => c.pids)),
      toolboxMiB: mine.filter((c) => c.role === 'toolbox').reduce((sum, c) => sum + c.memoryMiB, 0),
    };
  });
  const biggest = <K extends keyof (typeof labs)[number]>(key: K): number => Math.max(...labs.map((lab) => lab[key]));
  const perLab = { memoryMiB: biggest('memoryMiB'), cpus: biggest('cpus'), nodes: biggest('nodes'), pidsPerNode: biggest('pidsPerNode') };

  const nodeMemoryMiB = roundUp(Math.max(1536, biggest('nodeMemoryMiB') + learnerMemoryMiB / perLab.nodes), 256);
  const nodePids = Math.max(4096, roundUp(biggest('pidsPerNode') * 4, 1024));
  // A node may burst to one and a half cores where the host has them, never more than the host has.
  const nodeCpus = Math.min(1.5, Math.max(0.5, host.cpus - 0.5));
  // The toolbox's own limit (providers/kind/toolbox.ts) counts towards a lab's worst case too.
  const toolboxLimitMiB = 1024;
  const worstCaseMiB = nodeMemoryMiB * perLab.nodes + toolboxLimitMiB;
  const spareMiB = host.memoryMiB - hostReserveMiB(host.memoryMiB);
  const fits = {
    memory: Math.max(0, Math.floor(spareMiB / worstCaseMiB)),
    cpu: Math.max(0, Math.floor((host.cpus * idleCpuShare) / Math.max(perLab.cpus, 0.01))),
    disk: Math.max(0, Math.floor(host.diskFreeGiB / diskPerLabGiB)),
  };
  const maxSessions = Math.min(fits.memory, fits.cpu, fits.disk);
  const reasons = [
    `each lab measured ${Math.round(perLab.memoryMiB)} MiB and ${perLab.cpus.toFixed(2)} CPUs idle (${perLab.nodes} node${perLab.nodes === 1 ? '' : 's'}, up to ${perLab.pidsPerNode} processes a node)`,
    `node memory ${nodeMemoryMiB} MiB: what a node uses idle plus one learner namespace's quota (limits.memory ${learnerResourceQuota.spec.hard['limits.memory']}), in steps of 256 MiB`,
    `node processes ${nodePids}: four times the most a node ran, at least 4096 (a fork bomb stops there)`,
    `node CPUs ${nodeCpus}: a burst of one and a half cores at most, on a ${host.cpus}-CPU host`,
    `by memory: ${fits.memory} lab(s) at ${worstCaseMiB} MiB each (nodes at their limit plus the toolbox's 1024 MiB) in ${spareMiB} MiB (${host.memoryMiB} MiB less ${hostReserveMiB(host.memoryMiB)} for the host)`,
    `by CPU: ${fits.cpu} idle lab(s) in half of ${host.cpus} CPUs (the other half keeps terminals and checks quick)`,
    `by disk: ${fits.disk} lab(s) at ${diskPerLabGiB} GiB each in ${Math.floor(host.diskFreeGiB)} GiB free`,
  ];
  return { perLab, nodeLimits: { memoryMiB: nodeMemoryMiB, cpus: nodeCpus, pids: nodePids }, fits, maxSessions, reasons };
}

/** `docker stats` memory, as "612.3MiB / 2GiB" shows it: the part before the slash, in MiB. */
export function parseMemory(text: string): number {
  const match = /^\s*([\d.]+)\s*([KMGT]i?B|B)/i.exec(text);
  if (!match) return 0;
  const factor: Record<string, number> = { b: 1 / MiB, kib: 1 / 1024, kb: 1 / 1024, mib: 1, mb: 1, gib: 1024, gb: 1024, tib: 1024 * 1024, tb: 1024 * 1024 };
  return Number(match[1]) * (factor[match[2]!.toLowerCase()] ?? 0);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The Kubelab clusters' containers running now: every node (kind's label) and every toolbox (ours). */
async function labContainers(): Promise<{ name: string; cluster: string; role: 'node' | 'toolbox' }[]> {
  const list = async (label: string, format: string) =>
    (await run(['docker', 'ps', '--filter', `label=${label}`, '--format', format])).stdout.split('\n').filter(Boolean).map((line) => line.split('\t'));
  const nodes = (await list(kindClusterLabel, `{{.Names}}\t{{.Label "${kindClusterLabel}"}}`))
    .filter(([, cluster]) => cluster?.startsWith(clusterPrefix))
    .map(([name, cluster]) => ({ name: name!, cluster: cluster!.slice(clusterPrefix.length), role: 'node' as const }));
  const toolboxes = (await list(`${roleLabel}=${toolboxRole}`, `{{.Names}}\t{{.Label "${labels.cluster}"}}`)).map(([name, cluster]) => ({ name: name!, cluster: cluster!, role: 'toolbox' as const }));
  return [...nodes, ...toolboxes];
}

/** What the labs' containers use, as the median of `samples` rounds of `docker stats`. */
export async function measureLabs(samples = 5, progress: (line: string) => void = () => {}): Promise<ContainerUse[]> {
  const containers = await labContainers();
  if (containers.length === 0) return [];
  const seen = new Map<string, { memory: number[]; cpus: number[]; pids: number[] }>();
  for (let round = 1; round <= samples; round++) {
    progress(`sampling docker stats (${round}/${samples})`);
    const { stdout } = await run(['docker', 'stats', '--no-stream', '--format', '{{.Name}}\t{{.MemUsage}}\t{{.CPUPerc}}\t{{.PIDs}}', ...containers.map((c) => c.name)]);
    for (const line of stdout.split('\n').filter(Boolean)) {
      const [name, memory, cpu, pids] = line.split('\t');
      const entry = seen.get(name!) ?? { memory: [], cpus: [], pids: [] };
      entry.memory.push(parseMemory(memory ?? ''));
      entry.cpus.push(Number.parseFloat(cpu ?? '0') / 100 || 0);
      entry.pids.push(Number.parseInt(pids ?? '0', 10) || 0);
      seen.set(name!, entry);
    }
  }
  return containers
    .filter((c) => seen.has(c.name))
    .map((c) => {
      const s = seen.get(c.name)!;
      return { ...c, memoryMiB: median(s.memory), cpus: median(s.cpus), pids: Math.max(...s.pids) };
    });
}

export async function hostFacts(): Promise<HostFacts> {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const totalKiB = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  let diskFreeGiB = 0;
  for (const path of ['/var/lib/docker', '/']) {
    try {
      const stats = await statfs(path);
      diskFreeGiB = (stats.bavail * stats.bsize) / 1024 ** 3;
      break;
    } catch {
      // Docker's root is not readable here (a user's doctor): try the next.
    }
  }
  return { memoryMiB: Math.round(totalKiB / 1024), cpus: availableParallelism(), diskFreeGiB };
}

/**
 * Measures and prints the plan. With no lab running and no `measure`, says how to get a measurement. `measure`
 * makes a single-node learner-mode cluster (about a minute), lets it settle, measures it with its toolbox running,
 * and deletes it.
 */
export async function capacity(options: { measure: boolean; settleMs?: number }, out: (line: string) => void): Promise<boolean> {
  const host = await hostFacts();
  out(`host: ${host.memoryMiB} MiB memory, ${host.cpus} CPUs, ${Math.floor(host.diskFreeGiB)} GiB free for Docker`);
  const progress = (line: string) => process.stderr.write(`  ${line}\n`);
  let use = options.measure ? [] : await measureLabs(5, progress);
  let source = 'the Kubelab clusters running now';
  if (use.length === 0) {
    if (!options.measure) {
      throw new KubelabError('E_NOTHING_TO_MEASURE', 'no Kubelab cluster is running, so there is nothing to measure', {
        hint: 'Run `npx kubelab doctor --capacity --measure` (it makes a throwaway learner-mode cluster, about a minute, and deletes it), or measure while a lab server has labs running.',
      });
    }
    const provider = new KindProvider();
    const name = `capacity-${randomBytes(3).toString('hex')}`;
    try {
      await provider.create({ name, profile: 'single', access: 'learner' }, consoleStatus(), new AbortController().signal);
      await provider.startToolbox(name);
      progress(`letting ${name} settle for ${Math.round((options.settleMs ?? 60_000) / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 60_000));
      use = (await measureLabs(5, progress)).filter((c) => c.cluster === name);
    } finally {
      await provider.delete(name).catch((error: unknown) => progress(`could not delete ${name}: ${error instanceof Error ? error.message : String(error)}`));
    }
    source = `a throwaway learner-mode cluster (${name}), idle after its start`;
  }
  const plan = planCapacity(host, use);
  out(`measured: ${source}`);
  for (const reason of plan.reasons) out(`  ${reason}`);
  out('');
  out(plan.maxSessions > 0 ? `This host holds ${plan.maxSessions} lab(s) at once. For a workshop server:` : 'This host holds no lab with these limits. The limits it would use:');
  out(`  KUBELAB_MAX_SESSIONS=${plan.maxSessions}`);
  out(`  KUBELAB_NODE_MEMORY_MIB=${plan.nodeLimits.memoryMiB}`);
  out(`  KUBELAB_NODE_CPUS=${plan.nodeLimits.cpus}`);
  out(`  KUBELAB_NODE_PIDS=${plan.nodeLimits.pids}`);
  out('Warm pool clusters (KUBELAB_POOL_SIZE) count against the same memory: keep MAX_SESSIONS + POOL_SIZE within it.');
  return plan.maxSessions > 0;
}
