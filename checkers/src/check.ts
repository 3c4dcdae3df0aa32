import type { CheckResult, Criterion } from './types.ts';

/** The most a criterion's text (description, expected, actual, hint) may take, in UTF-8 bytes. */
export const maxCriterionTextBytes = 1024;

const utf8 = new TextEncoder();

/** `text` cut to at most `maxBytes` UTF-8 bytes, ending in "…" when cut; never splits a character. */
export function truncateText(text: string, maxBytes = maxCriterionTextBytes): string {
  // A UTF-16 unit is 1 to 3 bytes of UTF-8: short texts need no counting, and long ones are surely over.
  if (text.length <= maxBytes / 3 || (text.length <= maxBytes && utf8.encode(text).length <= maxBytes)) return text;
  const budget = maxBytes - utf8.encode('…').length;
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8.encode(char).length;
    if (used + size > budget) break;
    used += size;
    end += char.length;
  }
  return `${text.slice(0, end)}…`;
}

/**
 * A criterion with every text bounded: `actual` often quotes the cluster (a log line, a label value), which a
 * learner controls, and results are stored and sent to the browser.
 */
function bounded(criterion: Criterion): Criterion {
  const out: Criterion = { ...criterion, description: truncateText(criterion.description) };
  for (const key of ['expected', 'actual', 'hint'] as const) {
    const value = criterion[key];
    if (value !== undefined) out[key] = truncateText(value);
  }
  return out;
}

/**
 * Runs a check with a deadline and turns its outcome into a CheckResult. A check that throws or runs out of
 * time yields one failed criterion saying so, never an exception for the caller; a check that returns no
 * criteria fails too, because a check that cannot fail proves nothing. Every criterion's text is cut to 1 KiB.
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
  criteria = criteria.map(bounded);
  return {
    exercise,
    passed: criteria.every((c) => c.passed),
    criteria,
    durationMs: Math.round(performance.now() - began),
  };
}
