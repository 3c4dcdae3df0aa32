import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const siteRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The folder holding the lesson pages (NN-slug/index.mdx): labs/lessons, or KUBELAB_LESSONS_DIR for a
 * fixture course (with KUBELAB_CATALOG pointing write-catalog at its catalog).
 */
export const lessonsDir: string = (() => {
  const fromEnv = process.env['KUBELAB_LESSONS_DIR'];
  if (!fromEnv) return resolve(siteRoot, '../labs/lessons');
  return isAbsolute(fromEnv) ? fromEnv : resolve(process.cwd(), fromEnv);
})();
