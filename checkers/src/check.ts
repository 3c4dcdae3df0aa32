import type { CheckResult, Criterion } from './types.ts';

/**
 * Runs a check with a deadline and turns its outcome into a CheckResult. A check that throws or runs out of
 * time yields one failed criterion saying so, never an exception for the caller; a check that returns no
 * criteria fails too, because a check that cannot fail proves nothing.
 */
export async function runCheck(
  exercise: string,
  check: (signal: AbortSignal) => Promise<Criterion[]>,
  options: { timeoutMs?: number } = {},
): Promise<CheckResult> {
  const began = performance.now();
  const timeoutMs = options.timeoutMs ?? 15_000;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`the check did not finish within ${timeoutMs / 1000}s`));
    }, timeoutMs);
  });
  let criteria: Criterion[];
  try {
    criteria = await Promise.race([check(controller.signal), deadline]);
    if (criteria.length === 0) {
      criteria = [{ id: 'check-has-criteria', description: 'The check verifies something', passed: false, actual: 'no criteria' }];
    }
  } catch (error) {
    criteria = [
      {
        id: 'check-ran',
        description: 'The check could read the cluster',
        passed: false,
        actual: error instanceof Error ? error.message : String(error),
        hint: 'If your lab environment was stopped or deleted, recreate it and try again.',
      },
    ];
  } finally {
    clearTimeout(timer);
  }
  return {
    exercise,
    passed: criteria.every((c) => c.passed),
    criteria,
    durationMs: Math.round(performance.now() - began),
  };
}
