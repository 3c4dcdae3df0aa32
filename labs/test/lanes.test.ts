import { test } from 'node:test';
import assert from 'node:assert/strict';
import { laneCosts, planLanes, type LaneLesson } from '../src/lanes.ts';
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

test('timed lessons are balanced by their seconds, and an untimed one is costed at the median rate', () => {
  // rbac's 31 quick scenarios took 200 s; network-policy's 30 took 900 s: by count they would weigh the same.
  const lessons = [lesson('rbac', 'single', 31), lesson('network-policy', 'single', 30), lesson('pods', 'single', 28), lesson('storage', 'single', 29)];
  const timed = { rbac: 200, 'network-policy': 900, pods: 300 };
  const costed = laneCosts(lessons, timed, (l) => l.slug);
  assert.deepEqual(costed.map((l) => l.cost), [200, 900, 300, 29 * (300 / 28)], 'storage, never timed, at the median of 6.5, 10.7 and 30 s a scenario');
  const lanes = planLanes(costed, 2);
  assert.deepEqual(lanes.map((l) => l.lessons.map((x) => x.slug)), [['network-policy'], ['rbac', 'pods', 'storage']]);
  assert.deepEqual(laneCosts(lessons, {}, (l) => l.slug).map((l) => l.cost), [31, 30, 28, 29], 'nothing timed: the scenario counts');
});
