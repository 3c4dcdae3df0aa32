/**
 * Recreate with restore in the lab's state and words: the exercises the server restores (from its answer, or from the
 * `restore-<id>` steps after a reload), the restore choice's words beside Recreate, and what the panel says once they
 * are back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckResult, SessionSummary, Step } from '@kubelab/lab-runner/client';
import { restoreChoiceWords, restoredWords } from '../src/lab/messages.ts';
import { initialSnapshot, reduce, restoredExercises, type LabEvent, type LabSnapshot } from '../src/lab/reducer.ts';

const passing: CheckResult = {
  exercise: 'first-pod',
  passed: true,
  durationMs: 420,
  criteria: [{ id: 'exists', description: 'A pod named `web` exists', passed: true }],
};

const step = (id: string, state: Step['state'] = 'done'): Step => ({ id, title: `Step ${id}`, state, elapsedMs: 1000 });

const summary = (steps: Step[]): SessionSummary => ({
  id: 'abc',
  lesson: 'pods',
  state: 'ready',
  profile: 'single',
  nodes: [{ name: 'kubelab-x-control-plane', role: 'control-plane' }],
  steps,
  results: { 'first-pod': passing },
});

const run = (events: LabEvent[], from: LabSnapshot = initialSnapshot): LabSnapshot => events.reduce(reduce, from);

describe('Recreate with restore in the lab’s state', () => {
  it('created carries the exercises the server restores; the next Start lab or Recreate forgets them', () => {
    const restoring = run([
      { type: 'started', attempt: 1, at: 0 },
      { type: 'created', attempt: 1, restoring: ['first-pod', 'sidecar'] },
    ]);
    assert.deepEqual(restoring.restoring, ['first-pod', 'sidecar']);
    const ready = run([{ type: 'ready', attempt: 1, summary: summary([step('cluster'), step('restore-first-pod')]) }], restoring);
    assert.equal(ready.phase, 'ready');
    assert.deepEqual(ready.restoring, ['first-pod', 'sidecar']);
    const again = run([{ type: 'started', attempt: 2, at: 5 }], ready);
    assert.deepEqual(again.restoring, []);
    assert.deepEqual(run([{ type: 'created', attempt: 2 }], again).restoring, []);
  });

  it('the restored exercises are read from the steps too (a reload knows no more than those)', () => {
    assert.deepEqual(restoredExercises([step('cluster'), step('terminal'), step('restore-first-pod'), step('restore-run-to-completion', 'running')]), [
      'first-pod',
      'run-to-completion',
    ]);
    assert.deepEqual(restoredExercises([step('cluster')]), []);
  });
});

describe('Recreate with restore in words', () => {
  it('the choice says what it will replay, or that there is nothing to restore', () => {
    assert.equal(restoreChoiceWords([]), 'You have not passed an exercise of this lesson yet: there is nothing to restore.');
    assert.equal(restoreChoiceWords(['Run your first pod']), 'Replays the solution of “Run your first pod” on the new cluster and checks it again.');
    assert.equal(
      restoreChoiceWords(['Run your first pod', 'A pod that finishes', 'Two containers, one pod']),
      'Replays the solutions of “Run your first pod”, “A pod that finishes” and “Two containers, one pod” on the new cluster and checks them again.',
    );
  });

  it('once ready: which exercises pass again, and which to do again by hand', () => {
    assert.equal(restoredWords([{ title: 'Run your first pod', passed: true }]), 'Restored “Run your first pod”: it passes again.');
    assert.equal(
      restoredWords([
        { title: 'Run your first pod', passed: true },
        { title: 'A pod that finishes', passed: true },
        { title: 'Two containers, one pod', passed: false },
      ]),
      'Restored “Run your first pod” and “A pod that finishes”: they pass again. “Two containers, one pod” was replayed but does not pass yet: do it again by hand.',
    );
  });
});
