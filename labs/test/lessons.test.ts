import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lessonsDir, loadLessons } from '../src/catalog.ts';

// The lint an author gets for free: every <Exercise id> on a page exists, and every exercise is shown somewhere.
test('every lesson page shows exactly the exercises its lesson.ts defines', async () => {
  const lessons = await loadLessons();
  assert.ok(lessons.length >= 1);
  for (const lesson of lessons) {
    const page = readFileSync(join(lessonsDir, lesson.dir, 'index.mdx'), 'utf8');
    const shown = [...page.matchAll(/<Exercise\s+id="([^"]+)"/g)].map((match) => match[1]);
    assert.deepEqual(shown.sort(), lesson.exercises.map((e) => e.id).sort(), `${lesson.dir}/index.mdx`);
  }
});

test('the Pods lesson has at least three exercises, each with hints, a solution and a near-miss', async () => {
  const pods = (await loadLessons()).find((lesson) => lesson.slug === 'pods');
  assert.ok(pods, 'the pods lesson exists');
  assert.ok(pods.exercises.length >= 3);
  for (const exercise of pods.exercises) {
    assert.ok(exercise.hints.length >= 1 && exercise.solution && exercise.nearMisses.length >= 1, exercise.id);
  }
});
