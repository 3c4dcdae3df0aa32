import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoNodeModules = fileURLToPath(new URL('../../node_modules', import.meta.url));

/**
 * A throwaway course folder for catalog tests: `<tmp>/lessons`, beside a link to the repository's node_modules
 * so exercise files there can `import … from '@kubelab/labs'` like real ones.
 */
export function tempCourse(): { lessonsDir: string; write: (path: string, text: string) => void; dispose: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'kubelab-course-'));
  symlinkSync(repoNodeModules, join(root, 'node_modules'), 'dir');
  const lessonsDir = join(root, 'lessons');
  mkdirSync(lessonsDir);
  return {
    lessonsDir,
    write(path, text) {
      mkdirSync(dirname(join(lessonsDir, path)), { recursive: true });
      writeFileSync(join(lessonsDir, path), text);
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

export const page = (frontmatter: string, body: string) => `---
title: Toy lesson
description: A lesson for the catalog's tests.
minutes: 5
goals:
  - Learn nothing in particular
${frontmatter}
---

${body}
`;

export const exercise = (extra = '') => `import { defineExercise, deletes, pod } from '@kubelab/labs';

export default defineExercise({
  ${extra}
  title: 'Toy exercise',
  hints: ['none needed', 'still none'],
  solution: 'true',
  cleanup: deletes('pod/web'),
  nearMisses: [
    { name: 'no pod', apply: 'true', failsOn: 'exists' },
    { name: 'still no pod', apply: 'true', failsOn: 'exists' },
  ],
  variants: [{ name: 'the same', apply: 'true' }],
  check: async (cluster) => [pod.exists(await pod.read(cluster, 'web'), 'web')],
});
`;
