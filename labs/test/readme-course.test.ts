import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadLessons } from '../src/catalog.ts';
import { courseTable } from '../src/course-table.ts';

test("the README's course table is the course that is built (lessons, modules, clusters, exercise counts)", async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const between = /<!-- course -->\n([\s\S]*?)\n<!-- \/course -->/.exec(readme);
  assert.ok(between, 'README.md has a <!-- course --> … <!-- /course --> block');
  const expected = courseTable(await loadLessons());
  assert.equal(between[1]!.trim(), expected, `Replace the README's course block with:\n\n${expected}\n`);
});

test('the course table lists lessons in course order and says which a workshop does not offer', () => {
  const lesson = (order: number, slug: string, nodeAccess: boolean) => ({
    order,
    slug,
    profile: 'single' as const,
    page: { title: slug.toUpperCase(), module: 'Foundations' as const, nodeAccess, cluster: 'single' as const, description: '', goals: [], minutes: 1 },
    exercises: [],
  });
  const table = courseTable([lesson(2, 'api', false), lesson(1, 'architecture', true)]);
  assert.match(table, /\| 1 \| \[ARCHITECTURE\]\(labs\/lessons\/01-architecture\/index\.mdx\) \| Foundations \| single \| 0 \| self-paced only \|\n\| 2 \| \[API\]/);
  assert.match(table, /2 lessons, 0 exercises\.$/);
});
