/**
 * The lab panel's words and states for a workshop's limits: a lesson that is self-paced only (no Start lab), a
 * lab's time left, the warning with Extend, an extension, and the notice once the server ended the lab
 * (E_SESSION_EXPIRED), which offers Start lab again. A self-paced lab (no lifetime) shows nothing of it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, type SessionSummary } from '@kubelab/lab-runner/client';
import { isSessionGone } from '../src/lab/api.ts';
import { errorTitle, expiredNotice, forLearner, lifetimeWords, SELF_PACED_ONLY, timeLeft } from '../src/lab/messages.ts';
import { initialSnapshot, reduce, type LabEvent, type LabSnapshot } from '../src/lab/reducer.ts';

const MINUTE = 60_000;

const summary = (state: SessionSummary['state'], extra: Partial<SessionSummary> = {}): SessionSummary => ({
  id: 'abc',
  lesson: 'pods',
  state,
  profile: 'single',
  nodes: state === 'ready' ? [{ name: 'kubelab-x-control-plane', role: 'control-plane' }] : [],
  steps: [],
  results: {},
  ...extra,
});

const workshopLifetime = { expiresAt: '2026-12-01T14:00:00.000Z', expiresInMs: 240 * MINUTE, warnBeforeMs: 10 * MINUTE, warning: false, extensionsLeft: 2, extendMinutes: 30, idleMinutes: 60 };

const run = (events: LabEvent[], from: LabSnapshot = initialSnapshot): LabSnapshot => events.reduce(reduce, from);

const readyAt = (at: number, extra: Partial<SessionSummary> = {}): LabSnapshot =>
  run([
    { type: 'started', attempt: 1, at: 0 },
    { type: 'created', attempt: 1 },
    { type: 'ready', attempt: 1, summary: summary('ready', extra), at },
  ]);

describe('a lesson that is self-paced only', () => {
  it('unavailable: the panel leaves Start lab for its own view, in words that say why and what to do', () => {
    const s = run([{ type: 'unavailable', attempt: 0 }]);
    assert.equal(s.phase, 'unavailable');
    assert.equal(SELF_PACED_ONLY.badge, 'Self-paced only');
    assert.equal(SELF_PACED_ONLY.title, 'This lesson is self-paced only');
    assert.match(SELF_PACED_ONLY.body, /needs access to the cluster’s nodes/);
    assert.match(SELF_PACED_ONLY.body, /`npm start`/);
    assert.match(SELF_PACED_ONLY.body, /own machine/);
  });

  it('a refused Start lab (409 E_SELF_PACED_ONLY) gets the same title and words, then the same view', () => {
    const problem = forLearner({ code: 'E_SELF_PACED_ONLY', message: 'the lesson "static-pods" needs access to the cluster\'s nodes', hint: 'POST …' });
    assert.equal(errorTitle(problem, false), SELF_PACED_ONLY.title);
    assert.match(problem.hint ?? '', /own machine/);
    const s = run([
      { type: 'started', attempt: 1, at: 0 },
      { type: 'failed', attempt: 1, error: problem, canRecreate: false },
      { type: 'unavailable', attempt: 1 },
    ]);
    assert.equal(s.phase, 'unavailable');
  });

  it('a ready lab is never turned unavailable', () => {
    assert.equal(run([{ type: 'unavailable', attempt: 1 }], readyAt(0)).phase, 'ready');
  });
});

describe('a lab with a time limit', () => {
  it('ready: the deadline on the page’s clock is the server’s expiresInMs from when the summary arrived', () => {
    const s = readyAt(1_000, { lifetime: workshopLifetime });
    assert.deepEqual(s.lifetime, { deadline: 1_000 + 240 * MINUTE, warnBeforeMs: 10 * MINUTE, extensionsLeft: 2, extendMinutes: 30 });
  });

  it('a self-paced lab has no lifetime, so the panel shows nothing of it', () => {
    assert.equal(readyAt(1_000).lifetime, undefined);
  });

  it('the words: time left, quietly; then the warning with Extend; then no extension left; then time up', () => {
    assert.equal(timeLeft(125 * MINUTE), '2 h 05 min');
    assert.equal(timeLeft(9 * MINUTE + 59_000), '9 min');
    assert.equal(timeLeft(30_000), 'under a minute');
    assert.deepEqual(lifetimeWords({ ms: 200 * MINUTE, warning: false, extensionsLeft: 2, extendMinutes: 30 }), {
      text: 'Lab time left: 3 h 20 min',
      canExtend: false,
      extendLabel: 'Extend by 30 min',
    });
    const warning = lifetimeWords({ ms: 9 * MINUTE, warning: true, extensionsLeft: 2, extendMinutes: 30 });
    assert.equal(warning.text, 'Your lab ends in 9 min, and its cluster is deleted. Need longer? Extend it (2 extensions left).');
    assert.equal(warning.canExtend, true);
    const last = lifetimeWords({ ms: 9 * MINUTE, warning: true, extensionsLeft: 0, extendMinutes: 30 });
    assert.equal(last.canExtend, false);
    assert.match(last.text, /cannot be extended again/);
    assert.match(lifetimeWords({ ms: 0, warning: true, extensionsLeft: 1, extendMinutes: 30 }).text, /time is up/);
  });

  it('extended: the new deadline and one extension fewer; ignored unless ready', () => {
    const s = run([{ type: 'extended', attempt: 1, lifetime: { ...workshopLifetime, expiresInMs: 39 * MINUTE, extensionsLeft: 1 }, at: 51 * MINUTE }], readyAt(0, { lifetime: workshopLifetime }));
    assert.deepEqual(s.lifetime, { deadline: 90 * MINUTE, warnBeforeMs: 10 * MINUTE, extensionsLeft: 1, extendMinutes: 30 });
    assert.equal(run([{ type: 'extended', attempt: 0, lifetime: workshopLifetime, at: 0 }]).lifetime, undefined);
  });

  it('after expiry: back to Start lab, with the server’s reason and its code, and the check results kept', () => {
    const error = { code: 'E_SESSION_EXPIRED' as const, message: 'this lab reached its time limit (4 h) and has ended', hint: 'Start a new lab (POST /api/sessions); your check results are kept.' };
    const s = run([{ type: 'resuming', attempt: 2, startedAt: 0 }, { type: 'summary', attempt: 2, summary: summary('ended', { error }), at: 0 }], readyAt(0));
    assert.equal(s.phase, 'idle');
    assert.equal(s.notice, 'This lab reached its time limit (4 h) and has ended (E_SESSION_EXPIRED). Its cluster is deleted; your check results are kept. Press Start lab for a new one.');
    assert.equal(expiredNotice({ message: 'the host of this lab server ended this lab.' }).startsWith('The host of this lab server ended this lab (E_SESSION_EXPIRED).'), true);
    assert.equal(errorTitle(forLearner(error), true), 'Your lab has ended');
    // A request of the lab after that (410 E_SESSION_EXPIRED) makes the page forget the session.
    assert.equal(isSessionGone(new ApiError(410, error)), true);
  });
});
