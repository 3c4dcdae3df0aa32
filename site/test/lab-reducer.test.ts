import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionSummary, Step } from '@kubelab/lab-runner/client';
import { initialSnapshot, reduce, type LabEvent, type LabSnapshot } from '../src/lab/reducer.ts';
import { ApiError } from '@kubelab/lab-runner/client';
import { isSessionGone } from '../src/lab/api.ts';
import { errorTitle, forLearner, NOTICES } from '../src/lab/messages.ts';

const step = (id: string, state: Step['state'] = 'running', elapsedMs = 0): Step => ({ id, title: `Step ${id}`, state, elapsedMs });

const summary = (state: SessionSummary['state'], extra: Partial<SessionSummary> = {}): SessionSummary => ({
  id: 'abc',
  lesson: 'pods',
  state,
  profile: 'single',
  nodes: state === 'ready' ? [{ name: 'kubelab-x-control-plane', role: 'control-plane' }] : [],
  steps: [step('cluster', 'done', 21_000), step('terminal', 'done', 900)],
  results: {},
  ...extra,
});

const clusterGone = {
  code: 'E_CLUSTER_GONE',
  message: "the lab environment's cluster (kubelab-x) no longer exists",
  hint: 'Press Recreate (or POST /api/sessions/abc/reset) for a fresh cluster; your check history is kept.',
} as const;

/** Runs events from a snapshot, freezing every snapshot on the way so a mutation would throw. */
function run(events: LabEvent[], from: LabSnapshot = initialSnapshot): LabSnapshot {
  return events.reduce((s, event) => reduce(deepFreeze(s), event), from);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** A lab started on attempt 1 and provisioning, two steps in. */
const provisioning = (): LabSnapshot =>
  run([
    { type: 'started', attempt: 1, at: 1000 },
    { type: 'created', attempt: 1 },
    { type: 'step', attempt: 1, step: step('cluster') },
    { type: 'step', attempt: 1, step: step('images') },
  ]);

const ready = (): LabSnapshot => run([{ type: 'ready', attempt: 1, summary: summary('ready') }], provisioning());

describe('the lab reducer: Start lab to a ready terminal', () => {
  it('starts idle, with nothing to recreate', () => {
    assert.equal(initialSnapshot.phase, 'idle');
    assert.equal(initialSnapshot.canRecreate, false);
  });

  it('started: starting, with a fresh clock and nothing left of a previous lab', () => {
    const before: LabSnapshot = { ...initialSnapshot, notice: NOTICES.ended, steps: [step('old', 'done')] };
    const s = run([{ type: 'started', attempt: 1, at: 1234 }], before);
    assert.equal(s.phase, 'starting');
    assert.equal(s.attempt, 1);
    assert.equal(s.startedAt, 1234);
    assert.deepEqual(s.steps, []);
    assert.equal(s.notice, undefined);
    assert.equal(s.error, undefined);
  });

  it('created: provisioning, and from now on Recreate applies', () => {
    const s = run([{ type: 'started', attempt: 1, at: 0 }, { type: 'created', attempt: 1 }]);
    assert.equal(s.phase, 'provisioning');
    assert.equal(s.canRecreate, true);
  });

  it('step: adds new steps in order and replaces a step by its id', () => {
    const s = run([{ type: 'step', attempt: 1, step: step('cluster', 'done', 20_000) }], provisioning());
    assert.deepEqual(
      s.steps.map((x) => [x.id, x.state]),
      [
        ['cluster', 'done'],
        ['images', 'running'],
      ],
    );
  });

  it('ready: the summary and its steps, no error', () => {
    const s = ready();
    assert.equal(s.phase, 'ready');
    assert.equal(s.summary?.nodes.length, 1);
    assert.deepEqual(
      s.steps.map((x) => x.id),
      ['cluster', 'terminal'],
    );
    assert.equal(s.error, undefined);
  });

  it('terminal: the connection state while ready; ignored before', () => {
    assert.deepEqual(run([{ type: 'terminal', attempt: 1, status: { state: 'connected' } }], ready()).terminal, { state: 'connected' });
    const early = provisioning();
    assert.equal(reduce(early, { type: 'terminal', attempt: 1, status: { state: 'connected' } }), early);
  });

  it('events that do not fit the phase change nothing', () => {
    const idle = initialSnapshot;
    assert.equal(reduce(idle, { type: 'created', attempt: 0 }), idle);
    assert.equal(reduce(idle, { type: 'step', attempt: 0, step: step('x') }), idle);
    assert.equal(reduce(idle, { type: 'ready', attempt: 0, summary: summary('ready') }), idle);
    assert.equal(reduce(idle, { type: 'failed', attempt: 0, error: clusterGone, canRecreate: true }), idle);
    assert.equal(reduce(idle, { type: 'summary', attempt: 0, summary: summary('provisioning') }), idle);
    const r = ready();
    assert.equal(reduce(r, { type: 'step', attempt: 1, step: step('late') }), r);
    assert.equal(reduce(r, { type: 'created', attempt: 1 }), r);
  });
});

describe('the lab reducer: failures', () => {
  it('a failed start offers Try again (no session to recreate)', () => {
    const s = run([
      { type: 'started', attempt: 1, at: 0 },
      { type: 'failed', attempt: 1, error: { code: 'E_CAPACITY_REACHED', message: 'the lab server is full' }, canRecreate: false },
    ]);
    assert.equal(s.phase, 'failed');
    assert.equal(s.canRecreate, false);
    assert.equal(s.error?.code, 'E_CAPACITY_REACHED');
  });

  it('a browser without the launch cookie is told to open the link npm start printed, in the panel’s words', () => {
    const server = {
      code: 'E_LAUNCH_REQUIRED',
      message: 'starting a lab needs the launch token',
      hint: 'Open the link `npm start` printed in its terminal (http://localhost:4321/?launch=…): it lets this browser start labs. API clients send "Authorization: Bearer <launch token>".',
    } as const;
    const s = run([
      { type: 'started', attempt: 1, at: 0 },
      { type: 'failed', attempt: 1, error: server, canRecreate: false },
    ]);
    assert.equal(s.phase, 'failed');
    assert.ok(s.error);
    assert.equal(errorTitle(s.error, s.canRecreate), 'This browser cannot start labs yet');
    assert.match(s.error.hint ?? '', /^Open the link `npm start` printed/);
    assert.doesNotMatch(s.error.hint ?? '', /Bearer/, 'no words for API clients');
    assert.match(forLearner({ code: 'E_SESSION_BUSY', message: 'a check of this lab is still running' }).hint ?? '', /Wait until it has finished/);
  });

  it('only a token or session the server no longer knows makes the page forget its session', () => {
    const error = (status: number, code: string) => new ApiError(status, { code: code as 'E_TOKEN_INVALID', message: code });
    for (const code of ['E_TOKEN_MISSING', 'E_TOKEN_INVALID', 'E_SESSION_NOT_FOUND']) assert.ok(isSessionGone(error(code === 'E_TOKEN_MISSING' ? 401 : code === 'E_TOKEN_INVALID' ? 403 : 404, code)), code);
    for (const [status, code] of [[401, 'E_LAUNCH_REQUIRED'], [403, 'E_LAUNCH_REQUIRED'], [403, 'E_BAD_ORIGIN'], [404, 'E_UNKNOWN_EXERCISE'], [409, 'E_SESSION_BUSY'], [429, 'E_RATE_LIMITED']] as const) {
      assert.ok(!isSessionGone(error(status, code)), code);
    }
  });

  it('failed provisioning keeps the steps so far, to show what happened', () => {
    const s = run([{ type: 'failed', attempt: 1, error: { code: 'E_PROVISION_FAILED', message: 'kind failed' }, canRecreate: true }], provisioning());
    assert.equal(s.phase, 'failed');
    assert.equal(s.steps.length, 2);
    assert.equal(s.canRecreate, true);
  });

  it('gone: the cluster vanished under a ready lab; Recreate, in the panel’s words, and no terminal', () => {
    const connected = run([{ type: 'terminal', attempt: 1, status: { state: 'connected' } }], ready());
    const s = run([{ type: 'gone', attempt: 1, error: clusterGone }], connected);
    assert.equal(s.phase, 'failed');
    assert.equal(s.canRecreate, true);
    assert.equal(s.terminal, undefined);
    assert.equal(s.error?.code, 'E_CLUSTER_GONE');
    assert.match(s.error?.hint ?? '', /^Press Recreate in the lab panel/);
    assert.doesNotMatch(s.error?.hint ?? '', /POST/);
  });

  it('recreate after gone: a new attempt runs starting → provisioning → ready again', () => {
    const gone = run([{ type: 'gone', attempt: 1, error: clusterGone }], ready());
    const starting = run([{ type: 'started', attempt: 2, at: 5000 }], gone);
    assert.equal(starting.phase, 'starting');
    assert.equal(starting.error, undefined);
    assert.deepEqual(starting.steps, []);
    assert.equal(starting.canRecreate, true, 'the session is still there while its new cluster is asked for');
    const s = run(
      [
        { type: 'created', attempt: 2 },
        { type: 'step', attempt: 2, step: step('cluster') },
        { type: 'ready', attempt: 2, summary: summary('ready') },
      ],
      starting,
    );
    assert.equal(s.phase, 'ready');
    assert.equal(s.attempt, 2);
    assert.equal(s.startedAt, 5000);
  });

  it('lost: the server forgot the session; back to Start lab, saying why', () => {
    const s = run([{ type: 'lost', attempt: 1, notice: NOTICES.sessionLost }], ready());
    assert.equal(s.phase, 'idle');
    assert.equal(s.notice, NOTICES.sessionLost);
    assert.equal(s.canRecreate, false);
    assert.equal(s.summary, undefined);
  });
});

describe('the lab reducer: stale events', () => {
  it('a stale event after End lab is ignored', () => {
    const ended = run([{ type: 'ended', attempt: 2, notice: NOTICES.ended }], provisioning());
    assert.equal(ended.phase, 'idle');
    assert.equal(ended.notice, NOTICES.ended);
    for (const late of [
      { type: 'step', attempt: 1, step: step('terminal') },
      { type: 'ready', attempt: 1, summary: summary('ready') },
      { type: 'failed', attempt: 1, error: clusterGone, canRecreate: true },
      { type: 'gone', attempt: 1, error: clusterGone },
      { type: 'summary', attempt: 1, summary: summary('provisioning') },
      { type: 'lost', attempt: 1, notice: NOTICES.sessionLost },
    ] satisfies LabEvent[]) {
      assert.equal(reduce(ended, late), ended, late.type);
    }
  });

  it('the old stream’s events are ignored once Recreate opened a new attempt', () => {
    const recreating = run([{ type: 'started', attempt: 2, at: 0 }, { type: 'created', attempt: 2 }], ready());
    const s = run(
      [
        { type: 'ready', attempt: 1, summary: summary('ready') },
        { type: 'step', attempt: 1, step: step('old') },
      ],
      recreating,
    );
    assert.equal(s, recreating);
    assert.equal(s.phase, 'provisioning');
  });

  it('an event that would open an attempt no newer than the current one is ignored', () => {
    const r = ready();
    assert.equal(reduce(r, { type: 'started', attempt: 1, at: 0 }), r);
    assert.equal(reduce(r, { type: 'ended', attempt: 0, notice: NOTICES.ended }), r);
  });
});

describe('the lab reducer: a reload picks up the remembered session', () => {
  const resuming = (): LabSnapshot => run([{ type: 'resuming', attempt: 1, startedAt: 42 }]);

  it('resuming: looks the session up, clock from when it was created', () => {
    const s = resuming();
    assert.equal(s.phase, 'resuming');
    assert.equal(s.startedAt, 42);
  });

  it('still provisioning: the steps so far, then the stream goes on', () => {
    const s = run([{ type: 'summary', attempt: 1, summary: summary('provisioning', { steps: [step('cluster')] }) }], resuming());
    assert.equal(s.phase, 'provisioning');
    assert.equal(s.steps.length, 1);
    assert.equal(s.canRecreate, true);
  });

  it('ready: stays resuming until the terminal code is loaded, then ready', () => {
    const s = run([{ type: 'summary', attempt: 1, summary: summary('ready') }], resuming());
    assert.equal(s.phase, 'resuming');
    assert.equal(s.summary?.state, 'ready');
    assert.equal(run([{ type: 'ready', attempt: 1, summary: summary('ready') }], s).phase, 'ready');
  });

  it('failed: the server’s error in the panel’s words, or a generic one when it sent none', () => {
    const withError = run([{ type: 'summary', attempt: 1, summary: summary('failed', { error: clusterGone }) }], resuming());
    assert.equal(withError.phase, 'failed');
    assert.match(withError.error?.hint ?? '', /lab panel/);
    const without = run([{ type: 'summary', attempt: 1, summary: summary('failed') }], resuming());
    assert.equal(without.error?.code, 'E_PROVISION_FAILED');
    assert.equal(without.canRecreate, true);
  });

  it('ended: back to Start lab with a notice', () => {
    const s = run([{ type: 'summary', attempt: 1, summary: summary('ended') }], resuming());
    assert.equal(s.phase, 'idle');
    assert.equal(s.notice, NOTICES.previousEnded);
  });

  it('a ready lab whose session the server reports failed (after the terminal lost it) shows the failure', () => {
    const s = run([{ type: 'summary', attempt: 1, summary: summary('failed', { error: { code: 'E_PROVISION_FAILED', message: 'x' } }) }], ready());
    assert.equal(s.phase, 'failed');
    assert.equal(s.terminal, undefined);
  });
});
