import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shortHash } from '../lib/versions.ts';
import type { StepHandle } from '../lib/status.ts';
import { buildGo } from './go-build.ts';
import { buildImage, imageLabel, keyLabel } from './docker.ts';
import { toolPath } from '../lib/artifacts.ts';


async function sourceKey(dir: string, extra: (string | Buffer)[] = []): Promise<string> {
  const files = (await readdir(dir)).sort();
  return shortHash(...files, ...(await Promise.all(files.map((file) => readFile(join(dir, file))))), ...extra);
}

async function ensureCourseImage(
  ref: string,
  dir: string,
  files: Record<string, string>,
  step: StepHandle,
): Promise<boolean> {
  const key = await sourceKey(dir, await Promise.all(Object.values(files).map((file) => readFile(file))));
  if ((await imageLabel(ref, keyLabel)) === key) return false;
  step.progress(`building ${ref}`);
  const dockerfile = (await readFile(join(dir, 'Dockerfile'), 'utf8')) + `LABEL ${keyLabel}=${key}\n`;
  const copies: Record<string, string> = { ...files };
  for (const file of await readdir(dir)) if (file !== 'Dockerfile') copies[file] = join(dir, file);
  await buildImage([ref], { dockerfile, files: copies }, step);
  return true;
}

export async function ensureCourseImages(step: StepHandle): Promise<string> {
  // Loaded here, not at the top: setup starts before npm has linked the workspaces (see scripts/node.sh).
  const { courseImages, courseImagesDir } = await import('@kubelab/labs/images');
  const imagesDir = fileURLToPath(courseImagesDir);
  const webDir = join(imagesDir, 'web');
  const webBinary = join(
    await buildGo(
      { name: 'course-web', module: 'kubelab.local/web', version: '1.0', binaries: { web: '.' }, localDir: webDir },
      step,
      await sourceKey(webDir),
    ),
    'web',
  );
  let built = 0;
  if (await ensureCourseImage(courseImages.web, webDir, { web: webBinary }, step)) built++;
  const toolboxFiles = { kubectl: toolPath('kubectl'), helm: toolPath('helm') };
  if (await ensureCourseImage(courseImages.toolbox, join(imagesDir, 'toolbox'), toolboxFiles, step)) built++;
  if (await ensureCourseImage(courseImages.redis, join(imagesDir, 'redis'), {}, step)) built++;
  return `${Object.keys(courseImages).length} images (${built} built)`;
}
