/** One thing a check verifies, with what it expected and what it found, so a learner sees *why* it failed. */
export interface Criterion {
  id: string;
  description: string;
  passed: boolean;
  expected?: string;
  actual?: string;
  /** Shown only when the criterion failed. */
  hint?: string;
}

export interface CheckResult {
  exercise: string;
  passed: boolean;
  criteria: Criterion[];
  durationMs: number;
}
