import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadLessons } from '../src/catalog.ts';
import { courseTable, readmeCourseTable, withCourseTable } from '../src/course-table.ts';

test("the README's course table is the course that is built (lessons, modules, clusters, exercise counts)", async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const table = readmeCourseTable(readme);
  assert.ok(table !== undefined, 'README.md has a <!-- course --> … <!-- /course --> block');
  const expected = courseTable(await loadLessons());
  assert.equal(table, expected, `The README's course table is out of date: \`npm run dev\` and \`npx kubelab new\` refresh it (or run \`npm run catalog -w site -- --readme\`). It should read:\n\n${expected}\n`);
});

test('the course table lists lessons in course order and says which a workshop does not offer', () => {
  const lesson = (order: number, slug: string, nodeAccess: boolean) => ({
    order,
    slug,
    profile: 'single' as const,
    page: { title: slug.toUpperCase(), module: 'Foundations' as const, nodeAccess, cluster: 'single' as const, description: '', goals: [], minutes: 1, addons: [] },
    exercises: [],
  });
  const table = courseTable([lesson(2, 'api', false), lesson(1, 'architecture', true)]);
  assert.match(table, /\| 1 \| \[ARCHITECTURE\]\(labs\/lessons\/01-architecture\/index\.mdx\) \| Foundations \| single \| 0 \| self-paced only \|\n\| 2 \| \[API\]/);
  assert.match(table, /2 lessons, 0 exercises\.$/);
});

test('the course block is replaced in place, and a README without one is left alone', () => {
  const readme = '# Title\n\n<!-- course -->\n| old |\n<!-- /course -->\n\nMore.\n';
  const next = withCourseTable(readme, '| new |');
  assert.equal(next, '# Title\n\n<!-- course -->\n| new |\n<!-- /course -->\n\nMore.\n');
  assert.equal(readmeCourseTable(next), '| new |');
  assert.equal(withCourseTable('# No block\n', '| new |'), '# No block\n');
  assert.equal(readmeCourseTable('# No block\n'), undefined);
});
