import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planLanes, type LaneLesson } from '../src/lanes.ts';
import type { Profile } from '../src/profiles.ts';

const lesson = (slug: string, profile: Profile, scenarios: number): LaneLesson => ({ slug, profile, scenarios });
const course = [
  lesson('architecture', 'single', 20),
  lesson('api', 'single', 20),
  lesson('pods', 'single', 20),
  lesson('deployments', 'single', 30),
  lesson('controllers', 'multi', 25),
  lesson('config', 'single', 20),
  lesson('scheduling', 'multi', 25),
];
const shape = (lanes: ReturnType<typeof planLanes>) => lanes.map((lane) => [lane.profile, lane.lessons.map((l) => l.slug), lane.scenarios]);

test('one job: one lane per profile all the same, since a lesson needs a cluster of its shape', () => {
  assert.deepEqual(shape(planLanes(course, 1)), [
    ['single', ['architecture', 'api', 'pods', 'deployments', 'config'], 110],
    ['multi', ['controllers', 'scheduling'], 50],
  ]);
});

test('spare jobs go to the profile with the most work per lane, and lessons balance across its lanes in course order', () => {
  const lanes = planLanes(course, 3);
  assert.deepEqual(shape(lanes), [
    ['single', ['pods', 'deployments'], 50],
    ['single', ['architecture', 'api', 'config'], 60],
    ['multi', ['controllers', 'scheduling'], 50],
  ]);
  assert.deepEqual(lanes.flatMap((l) => l.lessons).map((l) => l.slug).sort(), course.map((l) => l.slug).sort(), 'every lesson is in exactly one lane');
});

test('never more lanes than lessons, and a bad job count is refused', () => {
  assert.equal(planLanes([lesson('pods', 'single', 10)], 4).length, 1);
  assert.deepEqual(planLanes([], 2), []);
  assert.throws(() => planLanes(course, 0), /jobs must be a whole number ≥ 1/);
});
