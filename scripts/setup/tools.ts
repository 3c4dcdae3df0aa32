import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../lib/exec.ts';
import { cachePath, exists, writeFileAtomic } from '../lib/cache.ts';
import { releaseUrl, versions } from '../lib/versions.ts';
import type { StepHandle } from '../lib/status.ts';
import { pinnedToolVersions, toolPath, type ToolName } from '../lib/artifacts.ts';
import { buildGo } from './go-build.ts';
import { helmRecipe, kindRecipe, kubernetesRecipe } from './recipes.ts';

const pinned = pinnedToolVersions;

/** Tries the official release with its pinned SHA-256. Returns a reason when it cannot be used. */
async function fromRelease(tool: ToolName, target: string): Promise<string | undefined> {
  const release =
    tool === 'kind' ? versions.kind.release : tool === 'kubectl' ? versions.kubernetes.kubectlRelease : versions.helm.release;
  if (!release.sha256) return 'no pinned SHA-256';
  const url = releaseUrl(release, pinned[tool]);
  let body: Buffer;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (!response.ok) return `${url} answered ${response.status}`;
    body = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    return `${url} is unreachable (${error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : error})`;
  }
  const digest = createHash('sha256').update(body).digest('hex');
  if (digest !== release.sha256) return `${url} has SHA-256 ${digest}, expected ${release.sha256}`;
  if (url.endsWith('.tar.gz')) {
    const dir = `${target}.extract-${process.pid}`;
    await mkdir(dir, { recursive: true });
    try {
      await run(['tar', '-xzf', '-', '-C', dir], { input: body });
      const { stdout } = await run(['find', dir, '-type', 'f', '-name', tool]);
      const found = stdout.trim().split('\n')[0];
      if (!found) return `${url} holds no ${tool} binary`;
      await writeFileAtomic(target, await readFile(found), 0o755);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } else {
    await writeFileAtomic(target, body, 0o755);
  }
  return undefined;
}

/**
 * Makes one tool available, in this order: (a) already cached; (b) the official release, SHA-256 verified;
 * (c) built from its Go module. Returns how it was obtained.
 */
export async function ensureTool(tool: ToolName, step: StepHandle): Promise<string> {
  const target = toolPath(tool);
  if (await exists(target)) return 'cached';
  const unavailable = await fromRelease(tool, target);
  if (unavailable === undefined) {
    await linkUnversioned(tool);
    return 'official release, SHA-256 verified';
  }
  step.progress(`official release not used (${unavailable}); building from source`);
  const recipe = tool === 'kind' ? kindRecipe : tool === 'helm' ? helmRecipe : kubernetesRecipe;
  const dir = await buildGo(recipe, step);
  await mkdir(cachePath('bin'), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  await copyFile(join(dir, tool), tmp);
  await chmod(tmp, 0o755);
  await run(['mv', tmp, target]);
  await linkUnversioned(tool);
  return `built from ${recipe.module}@${recipe.version}`;
}

async function linkUnversioned(tool: ToolName): Promise<void> {
  const link = cachePath('bin', tool);
  await rm(link, { force: true });
  await symlink(`${tool}-${pinned[tool]}`, link);
}

