/**
 * `npm run bench:cluster`: how long setup and cluster creation take on this machine, and what an idle cluster
 * costs in memory. Every figure is a median over runs, and create-to-ready is set against bare
 * `kind create cluster` with the same node image in the same process, so the ratio survives a noisy machine.
 *
 * BENCH_RUNS (default 3) sets the number of create runs per side.
 */
import { readFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { run } from '@kubelab/kit/exec';
import { EventStatus, formatElapsed } from '@kubelab/kit/status';
import { cachePath } from '@kubelab/kit/cache';
import { setup } from '../setup.ts';
import { ensureNodeImage } from '../setup/node-image.ts';
import { nodeImageStoreDir, nodeImageStoreExtraMount, readNodeImage, toolPath } from '@kubelab/kit/artifacts';
import { stringify } from 'yaml';
import { KindProvider } from '@kubelab/lab-runner/kind';
import type { Profile } from '@kubelab/labs/profiles';
import { median, timed } from './stats.ts';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const log = (line: string) => process.stderr.write(line + '\n');

/** Cold setup, from what setup itself recorded: each step's longest duration, i.e. when it really built. */
async function coldSetupFromHistory(): Promise<{ totalMs: number; steps: Record<string, number> } | undefined> {
  try {
    const lines = (await readFile(cachePath('state', 'setup-runs.jsonl'), 'utf8')).trim().split('\n');
    const steps: Record<string, number> = {};
    for (const line of lines) {
      for (const [step, ms] of Object.entries((JSON.parse(line) as { steps: Record<string, number> }).steps)) {
        steps[step] = Math.max(steps[step] ?? 0, ms);
      }
    }
    return { totalMs: Object.values(steps).reduce((a, b) => a + b, 0), steps };
  } catch {
    return undefined;
  }
}

function parseMemory(text: string): number {
  const [, value, unit] = /([\d.]+)\s*([KMG]i?B)/.exec(text) ?? [];
  const factor = { KiB: 1 / 1024, MiB: 1, GiB: 1024, KB: 1 / 1000, MB: 1, GB: 1000 }[unit as 'MiB'] ?? 1;
  return Number(value) * factor;
}

async function idleMemoryMiB(containers: string[]): Promise<number> {
  const { stdout } = await run(['docker', 'stats', '--no-stream', '--format', '{{.MemUsage}}', ...containers]);
  return stdout.trim().split('\n').map((line) => parseMemory(line.split('/')[0]!)).reduce((a, b) => a + b, 0);
}

async function ours(provider: KindProvider, name: string, profile: Profile): Promise<number> {
  const [ms] = await timed(() => provider.create({ name, profile }, new EventStatus(), AbortSignal.timeout(900_000)));
  return ms;
}

/** Bare kind with the same node image: the one config it needs is the image store mount. */
async function bareKind(name: string, image: string): Promise<number> {
  const config = stringify({
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    nodes: [{ role: 'control-plane', extraMounts: [nodeImageStoreExtraMount(nodeImageStoreDir(image))] }],
  });
  const [ms] = await timed(() =>
    run([toolPath('kind'), 'create', 'cluster', '--name', name, '--image', image, '--config', '-', '--kubeconfig', scratchKubeconfig, '--wait', '5m'], { input: config }),
  );
  await run([toolPath('kind'), 'delete', 'cluster', '--name', name, '--kubeconfig', scratchKubeconfig]);
  return ms;
}

const scratchKubeconfig = join(tmpdir(), `kubelab-bench-kubeconfig-${process.pid}`);
const provider = new KindProvider();
log('Warm setup (3 runs)…');
const warm: number[] = [];
for (let i = 0; i < 3; i++) warm.push((await timed(() => setup()))[0]);

const image = (await readNodeImage())!;
log(`Node image assembly (re-assembling ${image} from cached parts)…`);
await run(['docker', 'rmi', image]);
const [assemblyMs] = await timed(() => ensureNodeImage(new EventStatus().start('node-image', 'Node image')));

// Bare kind puts its clusters on a shared "kind" network; remove it afterwards unless it was there before.
const kindNetworkExisted = (await run(['docker', 'network', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').includes('kind');
const oursMs: number[] = [];
const bareMs: number[] = [];
let idleSingle = 0;
for (let i = 0; i < runs; i++) {
  log(`Create run ${i + 1}/${runs}: bare kind…`);
  bareMs.push(await bareKind(`bench-bare-${i}`, image));
  log(`Create run ${i + 1}/${runs}: Kubelab provider…`);
  const name = `bench-${i}`;
  oursMs.push(await ours(provider, name, 'single'));
  if (i === 0) {
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    idleSingle = await idleMemoryMiB((await provider.list()).find((c) => c.name === name)!.nodes.map((n) => n.name));
  }
  await provider.delete(name);
}
if (!kindNetworkExisted) await run(['docker', 'network', 'rm', 'kind']).catch(() => {});
log('Multi-node profile: one create, then idle memory…');
const multiMs = await ours(provider, 'bench-multi', 'multi');
await new Promise((resolve) => setTimeout(resolve, 60_000));
const idleMulti = await idleMemoryMiB((await provider.list()).find((c) => c.name === 'bench-multi')!.nodes.map((n) => n.name));
await provider.delete('bench-multi');

const cold = await coldSetupFromHistory();
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const rows = [
  ['Machine', `${cpus().length} cores (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM`],
  ['Cold setup: sum of each step\'s longest recorded run (setup history; a step built before history began is missing)', cold ? formatElapsed(cold.totalMs) : 'no setup history'],
  ['Warm setup, median of 3', formatElapsed(median(warm))],
  ['Node image assembly (from cached binaries and images)', formatElapsed(assemblyMs)],
  [`Bare \`kind create cluster --wait 5m\`, p50 of ${runs}`, formatElapsed(median(bareMs))],
  [`Kubelab create-to-ready (single), p50 of ${runs}`, formatElapsed(median(oursMs))],
  ['Ratio Kubelab / bare kind', (median(oursMs) / median(bareMs)).toFixed(2) + '×'],
  ['Kubelab create-to-ready (multi, 3 nodes), 1 run', formatElapsed(multiMs)],
  ['Idle memory, single-node cluster (60 s after ready)', `${idleSingle.toFixed(0)} MiB`],
  ['Idle memory, multi-node cluster (60 s after ready)', `${idleMulti.toFixed(0)} MiB`],
];
console.log('| Measure | Value |\n|---|---|');
for (const [what, value] of rows) console.log(`| ${what} | ${value} |`);
if (cold) {
  console.log('\nCold setup by step:');
  for (const [step, ms] of Object.entries(cold.steps)) console.log(`  ${step}: ${formatElapsed(ms)}`);
}
console.log(`\nRaw (ms): bare ${bareMs.map(Math.round).join(', ')}; kubelab ${oursMs.map(Math.round).join(', ')}; warm setup ${warm.map(Math.round).join(', ')}`);
