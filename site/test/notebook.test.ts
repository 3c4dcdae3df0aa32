import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NotebookEntry, NoteEntry } from '@kubelab/lab-runner/api';
import { ApiError } from '@kubelab/lab-runner/client';
import { cellIdsFor } from '../src/lab/cells.ts';
import { availabilityAfter, mergeEntries } from '../src/lab/notebook.ts';
import { NoteAutosave, type NoteRef, type SaveStatus, type Timers } from '../src/lab/note-autosave.ts';
import { exerciseStanding, passedCount } from '../src/lab/progress.ts';
import { formatWhen } from '../src/lib/format.ts';

describe('cell ids', () => {
  it('are the same for the same code on every load, and valid for the API', () => {
    const ids = cellIdsFor(['kubectl get nodes', 'kubectl get pods']);
    assert.deepEqual(cellIdsFor(['kubectl get nodes', 'kubectl get pods']), ids);
    assert.notEqual(ids[0], ids[1]);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{1,100}$/);
  });

  it('tell twin blocks apart by their order, and do not move when another block changes', () => {
    const [first, other, twin] = cellIdsFor(['kubectl get pods', 'echo hi', 'kubectl get pods']);
    assert.equal(twin, `${first}-2`);
    const edited = cellIdsFor(['kubectl get pods', 'echo hello', 'kubectl get pods']);
    assert.equal(edited[0], first);
    assert.equal(edited[2], twin);
    assert.notEqual(edited[1], other);
  });
});

describe('progress shown on a card and on the course map', () => {
  const server = (state: 'not-started' | 'attempted' | 'passed' | 'passed-with-help', extra = {}) => ({ exercise: 'first-pod', state, attempts: 2, ...extra });

  it('follows the notebook, with its time to the first pass', () => {
    const standing = exerciseStanding(server('passed-with-help', { timeToPassMs: 125_000, firstPassAt: '2026-05-03T14:02:00.000Z' }), {});
    assert.deepEqual(standing, { state: 'passed-with-help', passed: true, attempts: 2, timeToPassMs: 125_000, firstPassAt: '2026-05-03T14:02:00.000Z' });
  });

  it("counts a pass this browser saw before the notebook did, and uses the browser's record without a server", () => {
    const local = { passedAt: Date.parse('2026-05-03T14:00:00Z'), tookMs: 60_000 };
    assert.equal(exerciseStanding(server('attempted'), local).state, 'passed');
    assert.equal(exerciseStanding(server('attempted'), local).timeToPassMs, 60_000);
    assert.equal(exerciseStanding(undefined, { lastCheck: { passed: false, at: 1 } }).state, 'attempted');
    assert.equal(exerciseStanding(undefined, { passedAt: 1, withHelp: true }).state, 'passed-with-help');
    assert.equal(exerciseStanding(undefined, {}).state, 'not-started');
  });

  it('counts passed exercises of a lesson from either source', () => {
    const lesson = { lesson: 'pods', exercises: [server('passed'), { ...server('not-started'), exercise: 'sidecar' }, { ...server('passed-with-help'), exercise: 'gated' }] };
    assert.equal(passedCount(['first-pod', 'sidecar', 'gated', 'crashloop'], lesson, { crashloop: { passedAt: 1 } }), 3);
    assert.equal(passedCount(['first-pod', 'sidecar'], undefined, {}), 0);
  });
});

describe('the timeline', () => {
  const entry = (id: number, revision = 1): NotebookEntry =>
    ({ id, lesson: 'pods', kind: 'note', markdown: `note ${id} r${revision}`, truncated: false, startedAt: '', updatedAt: '', revision }) as NoteEntry;

  it('merges new entries in id order, replacing older copies but never with an older revision', () => {
    const merged = mergeEntries([entry(1), entry(3, 2)], [entry(2), entry(3, 1), entry(1, 2)]);
    assert.deepEqual(merged.map((e) => [e.id, e.revision]), [[1, 2], [2, 1], [3, 2]]);
  });

  it('tells a browser the server refuses from a server that is not there', () => {
    assert.equal(availabilityAfter(new ApiError(401, { code: 'E_LAUNCH_REQUIRED', message: 'x' })), 'locked');
    assert.equal(availabilityAfter(new ApiError(0, { code: 'E_NETWORK', message: 'x' })), 'unreachable');
    assert.equal(availabilityAfter(new ApiError(404, { code: 'E_BAD_RESPONSE', message: 'x' })), 'unreachable');
    assert.equal(availabilityAfter(new ApiError(429, { code: 'E_RATE_LIMITED', message: 'x' })), undefined);
  });

  it('says when something ran: the time today, the day before that', () => {
    const now = new Date(2026, 4, 3, 16, 0);
    assert.equal(formatWhen(new Date(2026, 4, 3, 14, 2), now), '14:02');
    assert.equal(formatWhen(new Date(2026, 4, 1, 9, 5), now), '1 May, 09:05');
    assert.equal(formatWhen(new Date(2025, 11, 24, 9, 5), now), '24 Dec 2025, 09:05');
    assert.equal(formatWhen('not a date', now), '');
  });
});

/** Timers the test advances by hand. */
class ManualTimers implements Timers {
  now = 0;
  #queue: { at: number; callback: () => void; handle: number }[] = [];
  #next = 0;
  set(callback: () => void, ms: number): unknown {
    const handle = ++this.#next;
    this.#queue.push({ at: this.now + ms, callback, handle });
    return handle;
  }
  clear(handle: unknown): void {
    this.#queue = this.#queue.filter((timer) => timer.handle !== handle);
  }
  /** Moves time on, running what falls due, and lets the promises they start settle. */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      const due = this.#queue.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#queue = this.#queue.filter((timer) => timer !== due);
      this.now = due.at;
      due.callback();
      await settle();
    }
    this.now = until;
    await settle();
  }
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function autosave(options: { ref?: NoteRef; savedText?: string; save?: (ref: NoteRef, md: string) => Promise<{ note: NoteRef; conflict: boolean }>; create?: (md: string) => Promise<NoteRef>; retryable?: (error: unknown) => boolean } = {}) {
  const timers = new ManualTimers();
  const statuses: SaveStatus['state'][] = [];
  const conflicts: NoteRef[] = [];
  const calls: string[] = [];
  const editor = new NoteAutosave({
    ref: options.ref,
    savedText: options.savedText ?? '',
    create:
      options.create ??
      (async (md) => {
        calls.push(`create ${md}`);
        return { id: 7, revision: 1 };
      }),
    save:
      options.save ??
      (async (ref, md) => {
        calls.push(`save ${ref.id}@${ref.revision} ${md}`);
        return { note: { id: ref.id, revision: ref.revision + 1 }, conflict: false };
      }),
    onStatus: (status) => statuses.push(status.state),
    onConflict: (ref) => conflicts.push(ref),
    ...(options.retryable ? { retryable: options.retryable } : {}),
    delayMs: 600,
    retryDelaysMs: [2000, 5000],
    timers,
  });
  return { editor, timers, statuses, conflicts, calls };
}

describe('a note saved as the learner types', () => {
  it('waits for a pause, then creates the note once, and saves later edits over its revision', async () => {
    const { editor, timers, calls, statuses } = autosave();
    editor.edit('h');
    editor.edit('hello');
    await timers.advance(500);
    assert.deepEqual(calls, []);
    await timers.advance(200);
    assert.deepEqual(calls, ['create hello']);
    assert.equal(editor.dirty, false);
    editor.edit('hello world');
    await timers.advance(700);
    assert.deepEqual(calls, ['create hello', 'save 7@1 hello world']);
    assert.deepEqual(editor.ref, { id: 7, revision: 2 });
    assert.deepEqual(statuses, ['saving', 'saved', 'saving', 'saved']);
  });

  it('creates no note for a draft left empty', async () => {
    const { editor, timers, calls } = autosave();
    editor.edit('   ');
    await timers.advance(1000);
    assert.deepEqual(calls, []);
    assert.equal(editor.ref, undefined);
  });

  it('saves what was typed during a save right after it, without losing a word', async () => {
    let release: () => void = () => {};
    const calls: string[] = [];
    const { editor, timers } = autosave({
      ref: { id: 3, revision: 1 },
      savedText: 'a',
      save: async (ref, md) => {
        calls.push(md);
        if (calls.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return { note: { id: 3, revision: ref.revision + 1 }, conflict: false };
      },
    });
    editor.edit('ab');
    await timers.advance(600);
    editor.edit('abc');
    await timers.advance(600);
    assert.deepEqual(calls, ['ab']);
    release();
    await settle();
    assert.deepEqual(calls, ['ab', 'abc']);
    assert.equal(editor.dirty, false);
    assert.deepEqual(editor.ref, { id: 3, revision: 3 });
  });

  it('keeps the text when a save fails, says so, and tries again', async () => {
    let failures = 1;
    const { editor, timers, statuses } = autosave({
      ref: { id: 3, revision: 1 },
      save: async (ref) => {
        if (failures-- > 0) throw new ApiError(0, { code: 'E_NETWORK', message: 'The lab server did not answer.' });
        return { note: { id: 3, revision: ref.revision + 1 }, conflict: false };
      },
    });
    editor.edit('keep me');
    await timers.advance(600);
    assert.equal(editor.status.state, 'failed');
    assert.equal(editor.status.state === 'failed' && editor.status.retryInMs, 2000);
    assert.equal(editor.text, 'keep me');
    assert.equal(editor.dirty, true);
    await timers.advance(2000);
    assert.equal(editor.dirty, false);
    assert.deepEqual(statuses, ['saving', 'failed', 'saving', 'saved']);
  });

  it('does not retry by itself what cannot succeed, but saves on the next edit', async () => {
    let refuse = true;
    const { editor, timers } = autosave({
      ref: { id: 3, revision: 1 },
      retryable: () => false,
      save: async (ref) => {
        if (refuse) throw new ApiError(401, { code: 'E_LAUNCH_REQUIRED', message: 'no launch cookie' });
        return { note: { id: 3, revision: ref.revision + 1 }, conflict: false };
      },
    });
    editor.edit('x');
    await timers.advance(600);
    assert.equal(editor.status.state === 'failed' && editor.status.retryInMs, undefined);
    refuse = false;
    await timers.advance(60_000);
    assert.equal(editor.dirty, true);
    editor.edit('xy');
    await timers.advance(600);
    assert.equal(editor.dirty, false);
  });

  it('carries on with the new note when another tab had saved the same one', async () => {
    const { editor, timers, conflicts } = autosave({
      ref: { id: 3, revision: 1 },
      save: async () => ({ note: { id: 9, revision: 1 }, conflict: true }),
    });
    editor.edit('mine');
    await timers.advance(600);
    assert.deepEqual(conflicts, [{ id: 9, revision: 1 }]);
    assert.deepEqual(editor.ref, { id: 9, revision: 1 });
  });

  it('flushes at once, and stops when disposed', async () => {
    const { editor, timers, calls } = autosave({ ref: { id: 3, revision: 1 } });
    editor.edit('now');
    await editor.flush();
    assert.deepEqual(calls, ['save 3@1 now']);
    editor.edit('later');
    editor.dispose();
    await timers.advance(5000);
    assert.deepEqual(calls, ['save 3@1 now']);
  });
});
