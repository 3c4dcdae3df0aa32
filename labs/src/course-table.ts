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
