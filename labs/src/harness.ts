import { contextFromKubeconfig, runCheck, type CheckResult } from '@kubelab/checkers';
import type { Exercise, Lesson } from './schema.ts';
import { learnerPace, runExerciseScript } from './scripts.ts';

/** One line of the labs:test table: a state of the cluster, and what the check said about it. */
export interface HarnessRow {
  lesson: string;
  exercise: string;
  /** "pristine", "solution", "variant: <name>" or "near-miss: <name>". */
  scenario: string;
  expected: 'fail' | 'pass';
  /** For near-misses: the criterion that must be among the failed ones. */
  expectedCriterion?: string;
  result?: CheckResult;
  /** Why this row is a surprise; undefined when the check behaved as declared. */
  surprise?: string;
  /** Time spent preparing the cluster for this row (cleanup, setup, solution or near-miss). */
  prepareMs: number;
}

export interface HarnessOptions {
  /** The admin's kubeconfig: setup and cleanup run with it, and the check reads the cluster with it, as the lab server's do. */
  kubeconfig: string;
  /**
   * The learner's kubeconfig, on a learner-mode cluster (`labs:test --profile workshop`): the solution and the
   * near-misses run with it, as a workshop's learner would type them. Without it they run as admin too.
   */
  learnerKubeconfig?: string;
  /**
   * For a second run of a course already proven in full, where the failing scenarios were judged by the same
   * checks in the first run. 'passing': only the scenarios that must pass (the solution and each variant).
   * 'solutions': only each exercise's reference solution, as `labs:test --profile workshop --solutions-only`
   * does in npm test: it asks whether a learner without cluster-admin can still do every task.
   */
  scenarios?: 'all' | 'passing' | 'solutions';
  /** Called as each row completes, so a long run shows progress. */
  onRow?: (row: HarnessRow) => void;
  signal?: AbortSignal;
}

function failedIds(result: CheckResult): string[] {
  return result.criteria.filter((c) => !c.passed).map((c) => c.id);
}

function judge(row: HarnessRow, result: CheckResult): string | undefined {
  const failed = failedIds(result);
  if (row.expected === 'pass') {
    if (result.passed) return undefined;
    // What each failed criterion found: a pass that fails only in a full run (a check that threw, a probe refused)
    // is otherwise a criterion id with nothing to go on.
    const found = result.criteria
      .filter((c) => !c.passed)
      .map((c) => (c.actual ? `${c.id} (found: ${String(c.actual).replace(/\s+/g, ' ').slice(0, 300)})` : c.id));
    return `expected a pass, but ${found.join(', ')} failed`;
  }
  if (result.passed) return 'expected a failure, but every criterion passed (is the check vacuous?)';
  if (row.expectedCriterion && !result.criteria.some((c) => c.id === row.expectedCriterion)) {
    return `the near-miss names criterion "${row.expectedCriterion}", which the check never reports (it reports ${result.criteria.map((c) => c.id).join(', ')})`;
  }
  if (row.expectedCriterion && !failed.includes(row.expectedCriterion)) {
    return `expected "${row.expectedCriterion}" to fail, but only ${failed.join(', ')} failed`;
  }
  return undefined;
}

/**
 * Proves one exercise's check right on a real cluster: it fails on the pristine state, passes after the
 * reference solution and after each variant (another correct answer), and fails after each near-miss, on the
 * criterion the near-miss names. Each scenario starts
 * from cleanup + setup, so scenarios never see each other's leftovers (the one after the pristine check starts from
 * the state that check read). Setup and cleanup run as admin; the
 * solution and near-misses as the learner when options.learnerKubeconfig is given.
 */
export async function proveExercise(lesson: Pick<Lesson, 'slug'>, exercise: Exercise, options: HarnessOptions): Promise<HarnessRow[]> {
  const cluster = contextFromKubeconfig(options.kubeconfig);
  const script = (what: string, body: string, as: 'admin' | 'learner' = 'admin') =>
    as === 'learner' && options.learnerKubeconfig
      ? runExerciseScript(`${exercise.id} ${what} (as the learner)`, `${learnerPace}\n${body}`, options.learnerKubeconfig, { signal: options.signal })
      : runExerciseScript(`${exercise.id} ${what}`, body, options.kubeconfig, { signal: options.signal });
  const reset = async () => {
    await script('cleanup', exercise.cleanup);
    if (exercise.setup) await script('setup', exercise.setup);
  };
  const scenarios: { scenario: string; expected: 'fail' | 'pass'; expectedCriterion?: string; apply?: string }[] = [
    { scenario: 'pristine', expected: 'fail' },
    { scenario: 'solution', expected: 'pass', apply: exercise.solution },
    ...exercise.variants.map((variant) => ({ scenario: `variant: ${variant.name}`, expected: 'pass' as const, apply: variant.apply })),
    ...exercise.nearMisses.map((nearMiss) => ({
      scenario: `near-miss: ${nearMiss.name}`,
      expected: 'fail' as const,
      expectedCriterion: nearMiss.failsOn,
      apply: nearMiss.apply,
    })),
  ];
  const rows: HarnessRow[] = [];
  const chosen =
    options.scenarios === 'passing'
      ? scenarios.filter((s) => s.expected === 'pass')
      : options.scenarios === 'solutions'
        ? scenarios.filter((s) => s.scenario === 'solution')
        : scenarios;
  // A check only reads the cluster, so the pristine state it was judged on is still there afterwards: the next
  // scenario starts from it without a second cleanup + setup (a reset can take as long as the scenario itself).
  let pristineLeft = false;
  for (const { scenario, expected, expectedCriterion, apply } of chosen) {
    const row: HarnessRow = { lesson: lesson.slug, exercise: exercise.id, scenario, expected, expectedCriterion, prepareMs: 0 };
    const began = performance.now();
    const reuse = pristineLeft;
    pristineLeft = false;
    try {
      if (!reuse) await reset();
      if (apply) await script(scenario, apply, 'learner');
      row.prepareMs = Math.round(performance.now() - began);
      row.result = await runCheck(exercise.id, (signal) => exercise.check(cluster, signal), { timeoutMs: exercise.timeoutMs });
      row.surprise = judge(row, row.result);
      pristineLeft = !apply;
    } catch (error) {
      row.prepareMs = Math.round(performance.now() - began);
      row.surprise = `could not prepare the scenario: ${error instanceof Error ? error.message : String(error)}`;
    }
    rows.push(row);
    options.onRow?.(row);
  }
  await script('cleanup', exercise.cleanup).catch(() => {});
  return rows;
}

/** The table labs:test prints: one row per scenario, with ✓ where the check behaved as declared. */
export function formatTable(rows: HarnessRow[]): string {
  const header = ['', 'exercise', 'scenario', 'expected', 'got', 'failed criteria', 'check'];
  const body = rows.map((row) => [
    row.surprise ? '✗' : '✓',
    `${row.lesson}/${row.exercise}`,
    row.scenario,
    row.expected + (row.expectedCriterion ? ` (${row.expectedCriterion})` : ''),
    row.result ? (row.result.passed ? 'pass' : 'fail') : 'error',
    row.result ? failedIds(row.result).join(', ') || '—' : '—',
    row.result ? `${row.result.durationMs} ms` : '—',
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  const surprises = rows.filter((row) => row.surprise).map((row) => `✗ ${row.exercise} — ${row.scenario}: ${row.surprise}`);
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...body.map(line), ...(surprises.length ? ['', ...surprises] : [])].join('\n');
}
