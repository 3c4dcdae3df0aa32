import { KubelabError, wrapError } from './errors.ts';
import type { Status, StepHandle } from './status.ts';

/**
 * One step of a pipeline (kind's action pattern): a stable id, a title the user sees, and a function that does
 * one small thing. It returns a short detail for the status line ("cached", "built in …"), or nothing.
 */
export interface Action<Context> {
  id: string;
  title: string;
  run(context: Context, step: StepHandle, signal: AbortSignal): Promise<string | void>;
}

/**
 * Runs actions in order, reporting each one. The first failure stops the pipeline; `onFailure` runs then (to
 * clean up what earlier steps made) and the error is rethrown, wrapped with the step's title.
 */
export async function runPipeline<Context>(
  actions: readonly Action<Context>[],
  context: Context,
  status: Status,
  signal: AbortSignal,
  onFailure?: (error: KubelabError) => Promise<void>,
): Promise<void> {
  for (const action of actions) {
    if (signal.aborted) {
      const error = new KubelabError('E_ABORTED', `stopped before "${action.title}"`, {
        hint: 'Run the same command again: finished steps are kept and skipped.',
        cause: signal.reason,
      });
      await onFailure?.(error);
      throw error;
    }
    const step = status.start(action.id, action.title);
    try {
      const detail = await action.run(context, step, signal);
      step.done(detail || undefined);
    } catch (cause) {
      step.fail(cause);
      const error = wrapError(action.title, cause, signal.aborted ? 'E_ABORTED' : 'E_INTERNAL');
      await onFailure?.(error);
      throw error;
    }
  }
}
