import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLessons } from '../src/catalog.ts';

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

test('the Pods lesson has at least three exercises, each with hints, a solution and a near-miss', async () => {
  const pods = (await loadLessons()).find((lesson) => lesson.slug === 'pods');
  assert.ok(pods, 'the pods lesson exists');
  assert.deepEqual(pods.exercises.map((e) => e.id), ['first-pod', 'run-to-completion', 'sidecar', 'crashloop', 'gated']);
  for (const exercise of pods.exercises) {
    assert.ok(exercise.hints.length >= 1 && exercise.solution && exercise.nearMisses.length >= 1, exercise.id);
  }
});
