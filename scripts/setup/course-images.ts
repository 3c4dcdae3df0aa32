import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../lib/paths.ts';
import { shortHash } from '../lib/versions.ts';
import type { Status } from '../lib/status.ts';
import { buildGo } from './go-build.ts';
import { buildImage, imageLabel, keyLabel } from './docker.ts';
import { toolPath } from './tools.ts';

/** The course images every cluster carries, and the toolbox the terminal runs in. */
export const courseImages = {
  web: 'kubelab/web:1.0',
  toolbox: 'kubelab/toolbox:1.0',
} as const;

const imagesDir = join(repoRoot, 'labs/images');

async function sourceKey(dir: string, extra: (string | Buffer)[] = []): Promise<string> {
  const files = (await readdir(dir)).sort();
  return shortHash(...files, ...(await Promise.all(files.map((file) => readFile(join(dir, file))))), ...extra);
}

async function ensureCourseImage(
  ref: string,
  dir: string,
  files: Record<string, string>,
  status: Status,
  step: string,
): Promise<boolean> {
  const key = await sourceKey(dir, await Promise.all(Object.values(files).map((file) => readFile(file))));
  if ((await imageLabel(ref, keyLabel)) === key) return false;
  status.progress(step, `building ${ref}`);
  const dockerfile = (await readFile(join(dir, 'Dockerfile'), 'utf8')) + `LABEL ${keyLabel}=${key}\n`;
  const copies: Record<string, string> = { ...files };
  for (const file of await readdir(dir)) if (file !== 'Dockerfile') copies[file] = join(dir, file);
  await buildImage([ref], { dockerfile, files: copies }, status, step);
  return true;
}

export async function ensureCourseImages(status: Status, step: string): Promise<string> {
  const webDir = join(imagesDir, 'web');
  const webBinary = join(
    await buildGo(
      { name: 'course-web', module: 'kubelab.local/web', version: '1.0', binaries: { web: '.' }, localDir: webDir },
      status,
      step,
      await sourceKey(webDir),
    ),
    'web',
  );
  let built = 0;
  if (await ensureCourseImage(courseImages.web, webDir, { web: webBinary }, status, step)) built++;
  const toolboxFiles = { kubectl: toolPath('kubectl'), helm: toolPath('helm') };
  if (await ensureCourseImage(courseImages.toolbox, join(imagesDir, 'toolbox'), toolboxFiles, status, step)) built++;
  return `${Object.keys(courseImages).length} images (${built} built)`;
}
