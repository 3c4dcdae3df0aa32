import { existsSync, readFileSync, statSync } from 'node:fs';
import { run, which } from '../lib/exec.ts';
import { KubelabError } from '../lib/errors.ts';
import type { Action } from '../lib/pipeline.ts';
import { ensureEngine, ensureHostPackages } from './engine.ts';
import { isRoot } from '../lib/host.ts';
import { ensureDebianBase } from './debian-base.ts';
import { ensureTool } from './tools.ts';
import { ensureComponentBinaries, ensureComponentImages } from './components.ts';
import { ensureCourseImages } from './course-images.ts';
import { ensureNodeImage } from './node-image.ts';
import { repoRoot } from '../lib/paths.ts';
import { writeNodeImage } from '../lib/artifacts.ts';
import { ensureGatewayApiManifest } from './gateway-api.ts';
import { ensureMetallbManifest } from './metallb.ts';
import { ensureFirewall } from './firewall.ts';

export interface SetupContext {
  /** Filled by the node image step: the tag kind should use. */
  nodeImage?: string;
}

const minimumFreeGiB = 15;

async function checkDisk(): Promise<string> {
  const { stdout } = await run(['df', '-Pk', '/var/lib', process.env.HOME ?? '/']);
  const free = Math.min(
    ...stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(/\s+/)[3]) / 1024 / 1024),
  );
  if (free < minimumFreeGiB) {
    throw new KubelabError('E_DISK_FULL', `only ${free.toFixed(1)} GiB free; setup needs about ${minimumFreeGiB} GiB`, {
      hint: 'Free some disk (docker system prune, or clear ~/.cache/go-build), then run npm run setup again.',
    });
  }
  return `${free.toFixed(0)} GiB free`;
}

async function checkGo(): Promise<string> {
  const go = await which('go');
  if (!go) {
    throw new KubelabError('E_NO_GO', 'Go is not installed, and offline builds need it', {
      hint: 'Install Go 1.24 or newer (https://go.dev/dl/) and make sure `go` is on PATH.',
    });
  }
  const { stdout } = await run(['go', 'env', 'GOVERSION']);
  const [, major, minor] = /go(\d+)\.(\d+)/.exec(stdout) ?? [];
  if (Number(major) < 1 || (Number(major) === 1 && Number(minor) < 24)) {
    throw new KubelabError('E_OLD_GO', `Go ${stdout.trim()} is too old; Kubernetes v1.34 needs Go 1.24 or newer`, {
      hint: 'Install a newer Go from https://go.dev/dl/.',
    });
  }
  return stdout.trim();
}

async function installNodeModules(): Promise<string> {
  const lock = `${repoRoot}/package-lock.json`;
  const marker = `${repoRoot}/node_modules/.package-lock.json`;
  if (existsSync(marker) && existsSync(lock) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return 'up to date';
  await run(['npm', existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: repoRoot });
  return 'installed';
}

/**
 * Every kind node runs systemd and a kubelet, each holding inotify instances; the common default of 128 per user
 * runs out at two or three clusters ("too many open files" in the node). Raise it where we may.
 */
async function raiseInotifyLimits(): Promise<string> {
  const wanted: Record<string, number> = { 'fs.inotify.max_user_instances': 512, 'fs.inotify.max_user_watches': 524288 };
  const notes: string[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    const current = Number(readFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8'));
    if (current >= value) continue;
    if (!isRoot()) {
      notes.push(`${key} is ${current}; run: sudo sysctl ${key}=${value}`);
      continue;
    }
    await run(['sysctl', '-w', `${key}=${value}`]);
    notes.push(`${key} ${current} → ${value}`);
  }
  return notes.join('; ') || 'already high enough';
}

export const setupActions: Action<SetupContext>[] = [
  { id: 'disk', title: 'Free disk space', run: () => checkDisk() },
  { id: 'host-packages', title: 'Host packages', run: async (_, step) => void (await ensureHostPackages(step)) },
  { id: 'npm', title: 'npm dependencies', run: () => installNodeModules() },
  { id: 'engine', title: 'Container engine', run: (_, step) => ensureEngine(step) },
  { id: 'kernel-limits', title: 'Kernel limits for several clusters', run: () => raiseInotifyLimits() },
  { id: 'host-firewall', title: 'Host firewall for lab networks', run: (_, step) => ensureFirewall(step) },
  { id: 'go', title: 'Go toolchain', run: () => checkGo() },
  { id: 'kind', title: 'kind', run: (_, step) => ensureTool('kind', step) },
  { id: 'kubectl', title: 'kubectl', run: (_, step) => ensureTool('kubectl', step) },
  { id: 'helm', title: 'helm', run: (_, step) => ensureTool('helm', step) },
  { id: 'debian-base', title: 'Debian base image', run: (_, step) => ensureDebianBase(step) },
  { id: 'component-binaries', title: 'Cluster component binaries', run: (_, step) => ensureComponentBinaries(step) },
  { id: 'component-images', title: 'Cluster component images', run: (_, step) => ensureComponentImages(step) },
  { id: 'gateway-api', title: 'Gateway API CRDs', run: () => ensureGatewayApiManifest() },
  { id: 'metallb-manifest', title: 'MetalLB manifest', run: () => ensureMetallbManifest() },
  { id: 'course-images', title: 'Course images', run: (_, step) => ensureCourseImages(step) },
  {
    id: 'node-image',
    title: 'Node image',
    run: async (context, step) => {
      const { image, detail } = await ensureNodeImage(step);
      context.nodeImage = image;
      await writeNodeImage(image);
      return detail;
    },
  },
];
