import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeImage } from '@kubelab/checkers';
import { loadLessons } from '../src/catalog.ts';
import { courseImages } from '../src/images.ts';

// The catalog itself refuses a card without a file, a file without a card, and a schema slip (catalog.test.ts);
// these hold the real course to the rest of the rules.
test('the course loads, in folder order, with a slug and profile per lesson', async () => {
  const lessons = await loadLessons();
  assert.ok(lessons.length >= 1);
  assert.deepEqual(lessons.map((l) => l.dir), lessons.map((l) => l.dir).sort());
  for (const lesson of lessons) {
    assert.equal(lesson.dir, `${String(lesson.order).padStart(2, '0')}-${lesson.slug}`);
    assert.equal(lesson.profile, lesson.page.cluster);
  }
});

test('every lesson has at least four exercises, each with two hints, a solution and two near-misses', async () => {
  const lessons = await loadLessons();
  assert.ok(lessons.some((lesson) => lesson.slug === 'pods'), 'the pods lesson exists');
  for (const lesson of lessons) {
    assert.ok(lesson.exercises.length >= 4, `${lesson.slug} has ${lesson.exercises.length} exercises`);
    for (const exercise of lesson.exercises) {
      const where = `${lesson.slug}/${exercise.id}`;
      assert.ok(exercise.hints.length >= 2, `${where}: ${exercise.hints.length} hints`);
      assert.ok(exercise.solution, `${where}: a reference solution`);
      assert.ok(exercise.nearMisses.length >= 2, `${where}: ${exercise.nearMisses.length} near-misses`);
    }
  }
});

test("the network checks' probe pods run the course's toolbox image, which every node carries", () => {
  assert.equal(probeImage, courseImages.toolbox);
});
