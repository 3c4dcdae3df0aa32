import type { Criterion } from './types.ts';

/**
 * What an exercise may change about a built criterion: its id (near-misses name it), and the words the learner
 * reads. `passed`, `expected` and `actual` always come from the builder, from one statement of the fact, so the
 * test and the text shown beside it cannot drift apart.
 */
export interface CriterionOptions<Id extends string> {
  /** The criterion's id; every builder has a default ("label", "image", …). */
  id?: Id;
  /** Replaces the default description, in the exercise's own words. */
  description?: string;
  /** Replaces the default hint (shown only when the criterion fails). */
  hint?: string;
}

/** Fills in a criterion from a builder's defaults, the author's overrides and the fact it checked. */
export function buildCriterion<Id extends string>(
  defaults: { id: string; description: string; hint: string },
  options: CriterionOptions<Id>,
  fact: { passed: boolean; expected: string; actual: string },
): Criterion<Id> {
  return {
    // The default id is what Id defaults to in every builder's signature, so this cast only names that fact.
    id: options.id ?? (defaults.id as Id),
    description: options.description ?? defaults.description,
    passed: fact.passed,
    expected: fact.expected,
    actual: fact.actual,
    hint: options.hint ?? defaults.hint,
  };
}

/**
 * The text must appear in the log (or in its last `lastLines` non-empty lines: a fixed program's fresh output,
 * not what it printed before the fix). Id "log" unless overridden.
 */
export function logIncludes<const Id extends string = 'log'>(
  log: string,
  text: string,
  options: CriterionOptions<Id> & { lastLines?: number } = {},
): Criterion<Id> {
  const lines = log.trim().split('\n').filter(Boolean);
  const considered = options.lastLines === undefined ? lines : lines.slice(-options.lastLines);
  const shown = lines.slice(-(options.lastLines ?? 3));
  return buildCriterion(
    {
      id: 'log',
      description: `The log shows \`${text}\``,
      hint: 'Read the log with `kubectl logs <pod>` (add `-c <container>` for one container of several).',
    },
    options,
    {
      passed: considered.some((line) => line.includes(text)),
      expected: options.lastLines === undefined ? text : `${text} in the last ${options.lastLines} lines of the log`,
      actual: shown.length ? shown.join(' / ') : 'no output',
    },
  );
}
