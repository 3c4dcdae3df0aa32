/**
 * The lab's state machine, as a pure function: `reduce(snapshot, event) → snapshot`. The controller turns what
 * happens (a button, a response, a stream event, the terminal) into events; the panel, the cards and the code
 * blocks render the snapshot. No DOM, no fetch: the unit tests drive it directly.
 *
 *   idle ──resuming──▶ resuming ──summary──▶ provisioning | failed | idle (ended)   ──ready──▶ ready
 *   idle | failed ──started──▶ starting ──created──▶ provisioning ──step*──▶ ──ready──▶ ready
 *   any ──failed──▶ failed      ready ──gone──▶ failed (Recreate)      any ──lost | ended──▶ idle (with a notice)
 *   idle ──unavailable──▶ unavailable (a lesson this server runs no lab for: self-paced only)
 *
 * Every event names the lab attempt it belongs to. `resuming`, `started` and `ended` open a new attempt; any
 * other event of an older attempt is stale (a response that arrived after End or Recreate) and changes nothing.
 */
import type { ConnectionState, Lifetime, SessionSummary, Step } from '@kubelab/lab-runner/client';
import { expiredNotice, forLearner, NOTICES, PROBLEMS, type Problem } from './messages.ts';

export type LabPhase =
  /** No lab: the panel offers Start lab. */
  | 'idle'
  /** Looking up a remembered session after a reload. */
  | 'resuming'
  /** Start lab or Recreate pressed: the request is in flight. */
  | 'starting'
  /** The cluster is being made: steps stream in. */
  | 'provisioning'
  | 'ready'
  /** Something went wrong; `error` says what, `canRecreate` whether the session can be recreated. */
  | 'failed'
  /** This server starts no lab for the lesson (it needs node access, and this is a workshop): self-paced only. */
  | 'unavailable';

/**
 * A lab's time limit, on the page's clock: `deadline` is when it ends (the server's expiresInMs counted from when
 * its answer arrived, so the two clocks need not agree). Absent for a lab without a limit (self-paced).
 */
export interface LabLifetime {
  deadline: number;
  warnBeforeMs: number;
  extensionsLeft: number;
  extendMinutes: number;
}

export interface LabSnapshot {
  phase: LabPhase;
  /** The lab attempt this snapshot belongs to (see the module comment). */
  attempt: number;
  steps: Step[];
  error: Problem | undefined;
  /** Whether Recreate (a new cluster for the same session) applies, rather than Try again (a new session). */
  canRecreate: boolean;
  summary: SessionSummary | undefined;
  /** Client clock: when provisioning began, for the elapsed time. */
  startedAt: number | undefined;
  terminal: ConnectionState | undefined;
  /** A note after the lab ended, e.g. "Lab ended: its cluster is deleted." */
  notice: string | undefined;
  /** The lab's time limit, when the server sets one. */
  lifetime: LabLifetime | undefined;
  /**
   * Recreate with restore: the exercises the server said it replays and checks again (a `restore-<id>` step each),
   * as its answer to Recreate listed them. Empty otherwise (a reload learns them from the steps alone).
   */
  restoring: readonly string[];
}

export type LabEvent =
  /** A session remembered from an earlier page load is being looked up. Opens an attempt. */
  | { type: 'resuming'; attempt: number; startedAt: number }
  /** Start lab or Recreate: a session (or a new cluster for it) is being asked for. Opens an attempt. */
  | { type: 'started'; attempt: number; at: number }
  /** The server accepted: the cluster is being made (and, for Recreate with restore, these exercises restored). */
  | { type: 'created'; attempt: number; restoring?: readonly string[] }
  /** Where the session stands, from GET /api/sessions/:id (after a reload, or when the event stream dropped). `at`: when it arrived. */
  | { type: 'summary'; attempt: number; summary: SessionSummary; at?: number }
  | { type: 'step'; attempt: number; step: Step }
  /** The cluster is ready and the terminal code is loaded. `at`: when the summary arrived. */
  | { type: 'ready'; attempt: number; summary: SessionSummary; at?: number }
  /** Extend answered: the lab's new lifetime, arrived at `at`. */
  | { type: 'extended'; attempt: number; lifetime: Lifetime; at: number }
  /** The server starts no lab for this lesson here (self-paced only). */
  | { type: 'unavailable'; attempt: number }
  | { type: 'failed'; attempt: number; error: Problem; canRecreate: boolean }
  /** The session lives but its cluster is gone (a check or reset answered E_CLUSTER_GONE): offer Recreate. */
  | { type: 'gone'; attempt: number; error: Problem }
  /** The server no longer knows the session: back to Start lab, saying why. */
  | { type: 'lost'; attempt: number; notice: string }
  /** End lab. Opens an attempt, so anything still arriving for the ended lab is stale. */
  | { type: 'ended'; attempt: number; notice: string }
  | { type: 'terminal'; attempt: number; status: ConnectionState };

export const initialSnapshot: LabSnapshot = {
  phase: 'idle',
  attempt: 0,
  steps: [],
  error: undefined,
  canRecreate: false,
  summary: undefined,
  startedAt: undefined,
  terminal: undefined,
  notice: undefined,
  lifetime: undefined,
  restoring: [],
};

const OPENS_ATTEMPT: ReadonlySet<LabEvent['type']> = new Set(['resuming', 'started', 'ended']);

/** Where the provisioning phases are: a lab on its way. */
const UNDERWAY: ReadonlySet<LabPhase> = new Set(['resuming', 'starting', 'provisioning']);

/** The next snapshot; the same object when the event changes nothing (stale, or not valid in this phase). */
export function reduce(s: LabSnapshot, event: LabEvent): LabSnapshot {
  if (OPENS_ATTEMPT.has(event.type) ? event.attempt <= s.attempt : event.attempt !== s.attempt) return s;
  switch (event.type) {
    case 'resuming':
      return { ...s, attempt: event.attempt, phase: 'resuming', startedAt: event.startedAt, error: undefined, notice: undefined };
    case 'started':
      return {
        ...s,
        attempt: event.attempt,
        phase: 'starting',
        steps: [],
        error: undefined,
        notice: undefined,
        startedAt: event.at,
        summary: undefined,
        terminal: undefined,
        lifetime: undefined,
        restoring: [],
      };
    case 'created':
      return s.phase === 'starting' ? { ...s, phase: 'provisioning', canRecreate: true, restoring: event.restoring ?? [] } : s;
    case 'summary':
      return s.phase === 'idle' || s.phase === 'unavailable' ? s : fromSummary({ ...s, lifetime: labLifetime(event.summary.lifetime, event.at) ?? s.lifetime }, event.summary);
    case 'step':
      return s.phase === 'provisioning' ? { ...s, steps: upsert(s.steps, event.step) } : s;
    case 'ready':
      if (!UNDERWAY.has(s.phase)) return s;
      return {
        ...s,
        phase: 'ready',
        summary: event.summary,
        steps: event.summary.steps,
        error: undefined,
        canRecreate: true,
        lifetime: labLifetime(event.summary.lifetime, event.at),
      };
    case 'extended':
      return s.phase === 'ready' ? { ...s, lifetime: labLifetime(event.lifetime, event.at) } : s;
    case 'unavailable':
      return s.phase === 'idle' || s.phase === 'resuming' || s.phase === 'failed' ? { ...initialSnapshot, attempt: s.attempt, phase: 'unavailable' } : s;
    case 'failed':
      if (s.phase === 'idle') return s;
      return { ...s, phase: 'failed', error: forLearner(event.error), canRecreate: event.canRecreate, terminal: undefined };
    case 'gone':
      if (s.phase === 'idle') return s;
      return { ...s, phase: 'failed', error: forLearner(event.error), canRecreate: true, terminal: undefined };
    case 'lost':
    case 'ended':
      return {
        ...initialSnapshot,
        attempt: event.type === 'ended' ? event.attempt : s.attempt,
        notice: event.notice,
      };
    case 'terminal':
      return s.phase === 'ready' ? { ...s, terminal: event.status } : s;
  }
}

function fromSummary(s: LabSnapshot, summary: SessionSummary): LabSnapshot {
  switch (summary.state) {
    case 'provisioning':
      return { ...s, phase: 'provisioning', summary, steps: summary.steps, canRecreate: true, terminal: undefined };
    case 'ready':
      // Still ready: the controller loads the terminal, then sends `ready`.
      return { ...s, summary, steps: summary.steps };
    case 'failed':
      return {
        ...s,
        phase: 'failed',
        summary,
        steps: summary.steps,
        canRecreate: true,
        terminal: undefined,
        error: forLearner(summary.error ?? PROBLEMS.provisioningFailed),
      };
    case 'ended':
      return {
        ...initialSnapshot,
        attempt: s.attempt,
        notice: summary.error?.code === 'E_SESSION_EXPIRED' ? expiredNotice(summary.error) : NOTICES.previousEnded,
      };
  }
}

/** The server's lifetime on the page's clock, when it has a time limit and we know when its answer arrived. */
function labLifetime(lifetime: Lifetime | undefined, at: number | undefined): LabLifetime | undefined {
  if (!lifetime || lifetime.expiresInMs === undefined || at === undefined) return undefined;
  return {
    deadline: at + lifetime.expiresInMs,
    warnBeforeMs: lifetime.warnBeforeMs ?? 0,
    extensionsLeft: lifetime.extensionsLeft ?? 0,
    extendMinutes: lifetime.extendMinutes ?? 0,
  };
}

/** The steps with this one added, or replacing the step with its id. */
function upsert(steps: readonly Step[], step: Step): Step[] {
  const index = steps.findIndex((candidate) => candidate.id === step.id);
  return index === -1 ? [...steps, step] : steps.with(index, step);
}

/** The prefix of a Recreate-with-restore step's id: `restore-<exercise id>`, one step per exercise replayed. */
const RESTORE_STEP = 'restore-';

/** The exercises a lab's provisioning restores (or restored), in their steps' order: its `restore-<id>` steps. */
export function restoredExercises(steps: readonly Step[]): string[] {
  return steps.filter((step) => step.id.startsWith(RESTORE_STEP)).map((step) => step.id.slice(RESTORE_STEP.length));
}
