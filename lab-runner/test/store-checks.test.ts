/** The check history is bounded: a learner can press Check forever, and each exercise keeps its newest 50. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, maxChecksPerExercise, type SessionRow } from '../store/store.ts';

const session = (id: string): SessionRow => ({
  id,
  tokenHash: 'h',
  lesson: 'pods',
  cluster: `c-${id}`,
  profile: 'single',
  state: 'ready',
  nodes: [],
  createdAt: new Date(0).toISOString(),
});

const result = (exercise: string, n: number) => ({
  exercise,
  passed: n % 2 === 0,
  criteria: [{ id: 'n', description: `check ${n}`, passed: n % 2 === 0 }],
  durationMs: n,
});

test('each session keeps the last 50 checks of each exercise; older ones are pruned as new ones arrive', () => {
  const store = new Store(':memory:');
  try {
    assert.equal(maxChecksPerExercise, 50);
    store.createSession(session('a'));
    store.createSession(session('b'));
    for (let n = 1; n <= 75; n++) store.addCheck('a', result('web', n), new Date(n * 1000).toISOString());
    for (let n = 1; n <= 3; n++) store.addCheck('a', result('db', n));
    for (let n = 1; n <= 60; n++) store.addCheck('b', result('web', n));

    const web = store.checks('a').filter((check) => check.exercise === 'web');
    assert.equal(web.length, 50);
    assert.deepEqual(web.map((check) => check.durationMs), Array.from({ length: 50 }, (_, i) => i + 26), 'the newest 50, oldest first');
    assert.equal(web.at(-1)!.checkedAt, new Date(75_000).toISOString());
    assert.equal(store.checks('a').filter((check) => check.exercise === 'db').length, 3, 'another exercise keeps its own');
    assert.equal(store.checks('b').length, 50, 'another session keeps its own 50');
    assert.equal(store.latestChecks('a').web!.durationMs, 75);
    assert.equal(store.latestChecks('a').db!.durationMs, 3);
  } finally {
    store.close();
  }
});
