import { join } from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { run } from '../lib/exec.ts';
import { cachePath, exists, produceDirectory } from '../lib/cache.ts';
import { shortHash, versions } from '../lib/versions.ts';
import type { StepHandle } from '../lib/status.ts';
import { buildGo, type GoRecipe } from './go-build.ts';
import {
  corednsRecipe,
  etcdRecipe,
  kubeRouterRecipe,
  kubelabNetRecipe,
  kubernetesRecipe,
  localPathProvisionerRecipe,
  metallbRecipe,
  metricsServerRecipe,
  traefikRecipe,
} from './recipes.ts';
import { buildImage, imageExists, imageLabel, keyLabel, tryPull } from './docker.ts';
import { debianBaseImage } from './debian-base.ts';
import { componentImages } from '../lib/artifacts.ts';

const k8s = versions.kubernetes.version;

const iptablesWrapper = fileURLToPath(new URL('../node-image/iptables-wrapper.sh', import.meta.url));
const kubelabNetDir = fileURLToPath(new URL('../node-image/kubelab-net/', import.meta.url));

/** Our own sources change without a version bump, so their content is part of their cache key. */
export async function kubelabNetSourceKey(): Promise<string> {
  const files = (await readdir(kubelabNetDir)).sort();
  return shortHash(...(await Promise.all(files.map((file) => readFile(join(kubelabNetDir, file))))));
}

const recipes: GoRecipe[] = [
  kubernetesRecipe,
  etcdRecipe,
  corednsRecipe,
  localPathProvisionerRecipe,
  kubeRouterRecipe,
  metricsServerRecipe,
  traefikRecipe,
  metallbRecipe,
];

export interface ComponentBinaries {
  dirs: Map<string, string>;
  pause: string;
}

/** The pause binary, compiled statically from kubernetes' own build/pause/linux/pause.c. */
async function ensurePause(): Promise<string> {
  const out = cachePath('pause', versions.pause.version);
  const binary = join(out, 'pause');
  if (await exists(binary)) return binary;
  const { stdout } = await run(['go', 'mod', 'download', '-json', `k8s.io/kubernetes@${k8s}`], {
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  const source = join((JSON.parse(stdout) as { Dir: string }).Dir, 'build/pause/linux/pause.c');
  await produceDirectory(out, async (scratch) => {
    await run(['gcc', '-Os', '-Wall', '-Werror', '-static', `-DVERSION=v${versions.pause.version}-kubelab`, '-o', join(scratch, 'pause'), source]);
    await run(['strip', join(scratch, 'pause')]);
  });
  return binary;
}

export async function componentBinaries(step: StepHandle): Promise<ComponentBinaries> {
  const dirs = new Map<string, string>();
  for (const recipe of recipes) {
    step.progress(`${recipe.module}@${recipe.version}`);
    dirs.set(recipe.name, await buildGo(recipe, step));
  }
  dirs.set('kubelab-net', await buildGo(kubelabNetRecipe, step, await kubelabNetSourceKey()));
  return { dirs, pause: await ensurePause() };
}

export async function ensureComponentBinaries(step: StepHandle): Promise<string> {
  const { dirs } = await componentBinaries(step);
  return `${dirs.size} Go programs and pause`;
}

interface ImagePlan {
  tags: string[];
  /** Binaries copied into /usr/local/bin. */
  binaries: string[];
  from: string;
  entrypoint?: string[];
  extra?: string;
  /** An official image to try pulling first (the same name), where one exists. */
  official?: boolean;
}

function dockerfileFor(plan: ImagePlan, key: string): string {
  const lines = [`FROM ${plan.from}`];
  for (const binary of plan.binaries) lines.push(`COPY ${binary.split('/').pop()} /usr/local/bin/`);
  lines.push('ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  if (plan.extra) lines.push(plan.extra);
  if (plan.entrypoint) lines.push(`ENTRYPOINT ${JSON.stringify(plan.entrypoint)}`);
  lines.push(`LABEL ${keyLabel}=${key}`);
  return lines.join('\n') + '\n';
}

async function ensureImage(plan: ImagePlan, step: StepHandle): Promise<'kept' | 'pulled' | 'built'> {
  // A rebuilt base (net-base) must rebuild what is built on it, so the base's image ID is part of the key.
  const baseId = plan.from === 'scratch' ? '' : (await run(['docker', 'image', 'inspect', '--format', '{{.Id}}', plan.from])).stdout.trim();
  const key = shortHash(dockerfileFor(plan, ''), baseId, ...(await Promise.all(plan.binaries.map((b) => readFile(b)))));
  const first = plan.tags[0]!;
  if ((await imageLabel(first, keyLabel)) === key) return 'kept';
  if (plan.official && !(await imageExists(first)) && (await tryPull(first, 60_000))) {
    for (const tag of plan.tags.slice(1)) await run(['docker', 'tag', first, tag]);
    return 'pulled';
  }
  if (plan.official && (await imageExists(first)) && (await imageLabel(first, keyLabel)) === undefined) return 'kept'; // an official pull
  step.progress(`building ${first}`);
  await buildImage(plan.tags, { dockerfile: dockerfileFor(plan, key), files: Object.fromEntries(plan.binaries.map((b) => [b.split('/').pop()!, b])) }, step);
  return 'built';
}

/** Every image the node image carries, in import order. Builds what is missing or stale. */
export async function ensureComponentImages(step: StepHandle): Promise<string> {
  const { dirs, pause } = await componentBinaries(step);
  const bin = (recipe: string, name: string) => join(dirs.get(recipe)!, name);
  const netBase: ImagePlan = {
    tags: [componentImages.netBase],
    binaries: [iptablesWrapper],
    from: debianBaseImage,
    extra: [
      'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iptables nftables ipset conntrack iproute2 kmod ca-certificates && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin',
      'RUN for tool in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do ln -sf /usr/local/bin/iptables-wrapper.sh /usr/sbin/$tool; done',
    ].join('\n'),
  };
  const scratch = 'scratch';
  const plans: ImagePlan[] = [
    netBase,
    { tags: [componentImages.apiserver], binaries: [bin('kubernetes', 'kube-apiserver')], from: scratch, official: true },
    { tags: [componentImages.controllerManager], binaries: [bin('kubernetes', 'kube-controller-manager')], from: scratch, official: true },
    { tags: [componentImages.scheduler], binaries: [bin('kubernetes', 'kube-scheduler')], from: scratch, official: true },
    { tags: [componentImages.proxy], binaries: [bin('kubernetes', 'kube-proxy')], from: componentImages.netBase, official: true },
    { tags: [componentImages.etcd], binaries: [bin('etcd', 'etcd')], from: scratch, official: true },
    { tags: [componentImages.coredns], binaries: [bin('coredns', 'coredns')], from: scratch, entrypoint: ['/usr/local/bin/coredns'], official: true },
    { tags: componentImages.pause, binaries: [pause], from: scratch, entrypoint: ['/usr/local/bin/pause'], official: true },
    {
      tags: [componentImages.localPathProvisioner],
      binaries: [bin('local-path-provisioner', 'local-path-provisioner')],
      from: scratch,
      entrypoint: ['/usr/local/bin/local-path-provisioner'],
    },
    {
      tags: [componentImages.localPathHelper],
      binaries: ['/bin/busybox'],
      from: scratch,
      extra: 'RUN ["/usr/local/bin/busybox", "mkdir", "-p", "/bin"]\nRUN ["/usr/local/bin/busybox", "--install", "-s", "/bin"]',
    },
    { tags: [componentImages.kubelabNet], binaries: [bin('kubelab-net', 'kubelab-net')], from: componentImages.netBase, entrypoint: ['/usr/local/bin/kubelab-net'] },
    { tags: [componentImages.kubeRouter], binaries: [bin('kube-router', 'kube-router')], from: componentImages.netBase, entrypoint: ['/usr/local/bin/kube-router'] },
    { tags: [componentImages.traefik], binaries: [bin('traefik', 'traefik')], from: scratch, entrypoint: ['/usr/local/bin/traefik'] },
    { tags: [componentImages.metricsServer], binaries: [bin('metrics-server', 'metrics-server')], from: scratch, entrypoint: ['/usr/local/bin/metrics-server'] },
    // Static binaries, as upstream's distroless images hold them; the manifest sets no command, so the entrypoint is ours.
    { tags: [componentImages.metallbController], binaries: [bin('metallb', 'controller')], from: scratch, entrypoint: ['/usr/local/bin/controller'] },
    { tags: [componentImages.metallbSpeaker], binaries: [bin('metallb', 'speaker')], from: scratch, entrypoint: ['/usr/local/bin/speaker'] },
  ];
  const counts = { kept: 0, pulled: 0, built: 0 };
  for (const plan of plans) counts[await ensureImage(plan, step)]++;
  return `${plans.length} images (${counts.built} built, ${counts.pulled} pulled, ${counts.kept} up to date)`;
}

/** The names to import into the node image (the net base is only a build stage). */
export function nodeImageRefs(): string[] {
  return Object.entries(componentImages)
    .filter(([name]) => name !== 'netBase')
    .flatMap(([, ref]) => (Array.isArray(ref) ? ref : [ref as string]));
}
