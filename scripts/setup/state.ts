import { readFile } from 'node:fs/promises';
import { cachePath, writeFileAtomic } from '../lib/cache.ts';

/** Setup's result that the provider needs: which node image the current pins and sources produced. */
const stateFile = () => cachePath('state', 'node-image.json');

export async function writeNodeImage(image: string): Promise<void> {
  await writeFileAtomic(stateFile(), JSON.stringify({ image, at: new Date().toISOString() }) + '\n');
}

export async function readNodeImage(): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(stateFile(), 'utf8')) as { image?: string }).image;
  } catch {
    return undefined;
  }
}
