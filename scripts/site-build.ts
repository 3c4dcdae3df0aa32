/**
 * Builds the course site (site/dist) when its sources are newer than the last build: npm start and npm test
 * both need it, and a warm rebuild is skipped in milliseconds.
 */
import { existsSync, globSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '@kubelab/kit/exec';
import { repoRoot } from '@kubelab/kit/paths';
import { runStep, type Status } from '@kubelab/kit/status';

const sources = ['site/src/**/*', 'site/astro.config.*', 'site/package.json', 'site/scripts/**/*', 'labs/lessons/**/*', 'labs/src/**/*', 'lab-runner/terminal/protocol.ts'];

function newestSource(): number {
  let newest = 0;
  for (const pattern of sources) {
    for (const file of globSync(pattern, { cwd: repoRoot, exclude: (name) => name.includes('node_modules') || name.includes('generated') })) {
      newest = Math.max(newest, statSync(join(repoRoot, file)).mtimeMs);
    }
  }
  return newest;
}

export async function ensureSiteBuilt(status: Status): Promise<void> {
  await runStep(status, 'site', 'Course site', async (step) => {
    const marker = join(repoRoot, 'site', 'dist', 'index.html');
    if (existsSync(marker) && statSync(marker).mtimeMs >= newestSource()) return 'up to date';
    await run(['npm', 'run', 'build', '-w', 'site'], { cwd: repoRoot, onLine: (line) => /built in|pages? built|error/i.test(line) && step.progress(line.trim()) });
    return 'built into site/dist';
  }, (detail) => detail);
}

if (import.meta.main) {
  const { consoleStatus } = await import('@kubelab/kit/status');
  const { runMain } = await import('@kubelab/kit/main');
  await runMain(() => ensureSiteBuilt(consoleStatus()));
}
