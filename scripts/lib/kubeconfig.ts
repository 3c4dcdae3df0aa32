import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `work` with `kubeconfig` written to a private file (mode 0600, in a fresh temporary folder) and removes
 * the folder afterwards: kubectl, helm and kind need a path, and the user's own ~/.kube/config is never touched.
 */
export async function withKubeconfigFile<T>(kubeconfig: string, work: (path: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-kubeconfig-'));
  try {
    const path = join(dir, 'config');
    await writeFile(path, kubeconfig, { mode: 0o600 });
    return await work(path, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
