import { KubelabError, wrapError } from './errors.ts';
import type { Status } from './status.ts';

/**
 * One step of a pipeline (kind's action pattern): a name the user sees and a function that does one small thing.
 * It returns a short detail for the status line ("cached", "built in …"), or nothing.
 */
export interface Action<Context> {
  name: string;
  run(context: Context, status: Status, signal: AbortSignal): Promise<string | void>;
}

/**
 * Runs actions in order, reporting each one. The first failure stops the pipeline; `onFailure` runs then (to
 * clean up what earlier steps made) and the error is rethrown, wrapped with the step's name.
 */
export async function runPipeline<Context>(
  actions: Action<Context>[],
  context: Context,
  status: Status,
  signal: AbortSignal,
  onFailure?: (error: KubelabError) => Promise<void>,
): Promise<void> {
  for (const action of actions) {
    if (signal.aborted) {
      const error = new KubelabError('E_ABORTED', `stopped before "${action.name}"`, {
        hint: 'Run the same command again: finished steps are kept and skipped.',
      });
      await onFailure?.(error);
      throw error;
    }
    status.start(action.name);
    try {
      const detail = await action.run(context, status, signal);
      status.done(action.name, detail || undefined);
    } catch (cause) {
      status.fail(action.name, cause);
      const error = wrapError(action.name, cause);
      await onFailure?.(error);
      throw error;
    }
  }
}
