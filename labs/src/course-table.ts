import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { repoRoot } from '@kubelab/kit/paths';
import { join } from 'node:path';
import { loadLessons, type CatalogOptions } from './catalog.ts';
import type { CatalogLesson } from './schema.ts';

/**
 * The course as the README lists it: one row per lesson, in course order, with its module, cluster, exercise
 * count and whether a workshop server offers it. labs/test/readme-course.test.ts holds the README to this table,
 * so the list a visitor reads is the course that is built.
 */
export function courseTable(lessons: readonly Pick<CatalogLesson, 'order' | 'slug' | 'profile' | 'page' | 'exercises'>[]): string {
  const rows = [...lessons]
    .sort((a, b) => a.order - b.order)
    .map((l) => `| ${l.order} | [${l.page.title}](labs/lessons/${String(l.order).padStart(2, '0')}-${l.slug}/index.mdx) | ${l.page.module} | ${l.profile} | ${l.exercises.length} | ${l.page.nodeAccess ? 'self-paced only' : 'yes'} |`);
  const exercises = lessons.reduce((sum, l) => sum + l.exercises.length, 0);
  return [
    '| # | Lesson | Module | Cluster | Exercises | In a workshop |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `${lessons.length} lessons, ${exercises} exercises.`,
  ].join('\n');
}

const courseBlock = /(<!-- course -->\n)([\s\S]*?)(\n<!-- \/course -->)/;

/** The table between the README's `<!-- course -->` markers; undefined when the README has no such block. */
export function readmeCourseTable(readme: string): string | undefined {
  return courseBlock.exec(readme)?.[2]?.trim();
}

/** The README with `table` between its course markers (unchanged when it has none). */
export function withCourseTable(readme: string, table: string): string {
  return readme.replace(courseBlock, (_, open: string, _old: string, close: string) => `${open}${table}${close}`);
}

export const readmeFile = join(repoRoot, 'README.md');

/**
 * Writes the course as it is built into the README's course block, so an author who adds an exercise or a lesson
 * never edits the README's table by hand: `npx kubelab new` and the `npm run dev` loop call this. Atomic (a
 * temporary file, then rename); nothing is written when the table is already right. Never run by a build or a
 * test, so the README test still catches a table that nobody refreshed.
 */
export async function refreshReadmeCourseTable(options: CatalogOptions & { readme?: string } = {}): Promise<'updated' | 'unchanged' | 'no-block'> {
  const path = options.readme ?? readmeFile;
  if (!existsSync(path)) return 'no-block';
  const readme = readFileSync(path, 'utf8');
  if (readmeCourseTable(readme) === undefined) return 'no-block';
  const next = withCourseTable(readme, courseTable(await loadLessons(options.lessonsDir ? { lessonsDir: options.lessonsDir } : {})));
  if (next === readme) return 'unchanged';
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, next);
  renameSync(tmp, path);
  return 'updated';
}
