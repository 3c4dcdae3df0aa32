/**
 * Where a learner stands on an exercise, from two sources: the lab server's notebook (the truth, kept per learner
 * across labs and browsers' tabs), and this browser's own record (store.ts), which is all there is when the site is
 * served without a lab server, and which knows a pass a moment before the notebook is read again. A pass either
 * source knows of counts: progress never goes backwards on screen.
 */
import type { ExerciseProgress as ServerProgress, LessonProgress, ProgressState } from '@kubelab/lab-runner/api';
import type { ExerciseProgress as BrowserProgress, LessonProgress as BrowserLessonProgress } from './store.ts';

export type { ProgressState } from '@kubelab/lab-runner/api';

export interface ExerciseStanding {
  state: ProgressState;
  passed: boolean;
  /** Checks run (known from the server only). */
  attempts: number | undefined;
  /** From the first thing done in the exercise to its first pass. */
  timeToPassMs: number | undefined;
  /** When it first passed (ISO 8601 from the server, or this browser's clock). */
  firstPassAt: string | undefined;
}

const ORDER: Record<ProgressState, number> = { 'not-started': 0, attempted: 1, passed: 2, 'passed-with-help': 2 };

/** This browser's record, in the server's vocabulary. */
function fromBrowser(local: BrowserProgress): ProgressState {
  if (local.passedAt) return local.withHelp ? 'passed-with-help' : 'passed';
  return local.lastCheck || local.withHelp || local.hintsShown ? 'attempted' : 'not-started';
}

export function exerciseStanding(server: ServerProgress | undefined, local: BrowserProgress = {}): ExerciseStanding {
  const browserState = fromBrowser(local);
  const useServer = server !== undefined && ORDER[server.state] >= ORDER[browserState];
  const state = useServer ? server.state : browserState;
  const passed = ORDER[state] === 2;
  return {
    state,
    passed,
    attempts: server?.attempts,
    timeToPassMs: useServer ? server.timeToPassMs : local.tookMs,
    firstPassAt: useServer ? server.firstPassAt : local.passedAt ? new Date(local.passedAt).toISOString() : undefined,
  };
}

/** How many of a lesson's exercises are passed, counting a pass either source knows of. */
export function passedCount(exerciseIds: readonly string[], server: LessonProgress | undefined, local: BrowserLessonProgress): number {
  return exerciseIds.filter((id) => exerciseStanding(server?.exercises.find((e) => e.exercise === id), local[id]).passed).length;
}
