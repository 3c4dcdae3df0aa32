import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadLessons } from '../src/catalog.ts';
import { parseCoverage } from '../src/coverage.ts';

const coverageFile = new URL('../COVERAGE.md', import.meta.url);

test('COVERAGE.md names only lessons and exercises that exist, and every row lists an exercise', async () => {
  const sections = parseCoverage(await readFile(coverageFile, 'utf8'));
  const lessons = await loadLessons();
  for (const section of sections) {
    const lesson = lessons.find((l) => l.slug === section.lesson);
    assert.ok(lesson, `COVERAGE.md has a section for "${section.lesson}", which is not a lesson (lessons: ${lessons.map((l) => l.slug).join(', ')})`);
    assert.ok(section.rows.length > 0, `the section "${section.lesson}" has no rows`);
    for (const row of section.rows) {
      assert.ok(row.exercises.length > 0, `${section.lesson}: "${row.concept}" lists no exercise`);
      for (const id of row.exercises) {
        assert.ok(lesson.exercises.some((e) => e.id === id), `${section.lesson}: "${row.concept}" names exercise "${id}", which the lesson does not have (it has ${lesson.exercises.map((e) => e.id).join(', ')})`);
      }
    }
  }
  for (const lesson of lessons) {
    assert.ok(sections.some((s) => s.lesson === lesson.slug), `the lesson "${lesson.slug}" has no section in labs/COVERAGE.md`);
  }
});

test('the coverage parser reads sections and rows, and refuses a table outside a section', () => {
  const sections = parseCoverage('# Title\n\ntext\n\n## pods\n\n| Concept | Exercises |\n| --- | --- |\n| Labels | first-pod, sidecar |\n| Nothing | |\n');
  assert.deepEqual(sections, [{ lesson: 'pods', rows: [{ concept: 'Labels', exercises: ['first-pod', 'sidecar'] }, { concept: 'Nothing', exercises: [] }] }]);
  assert.throws(() => parseCoverage('| Concept | Exercises |\n| --- | --- |\n| Labels | first-pod |\n'), /line 3: a table row before any "## <lesson>" heading/);
});
