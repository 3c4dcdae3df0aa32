/**
 * The page's client of the lab-runner (same origin, /api): the shared typed client from @kubelab/lab-runner, plus
 * the two questions the page asks of an error: is the session gone, and how to show it.
 */
import { ApiError, LabApi } from '@kubelab/lab-runner/client';
import { PROBLEMS, type Problem, type ProblemCode } from './messages.ts';

export { ApiError, followSessionEvents } from '@kubelab/lab-runner/client';
export type { CheckResult, ConnectionState, Credentials, Criterion, ErrorDetail, Profile, SessionSummary, Step } from '@kubelab/lab-runner/client';

export const api = new LabApi();

/** The statuses with which the server says it does not know this session (or this token) any more. */
const SESSION_GONE_STATUSES: ReadonlySet<number> = new Set([401, 403, 404]);

/**
 * Whether the server no longer knows the session: forget it. A 404 for an unknown exercise is about the
 * exercise, not the session.
 */
export function isSessionGone(error: unknown): boolean {
  return error instanceof ApiError && SESSION_GONE_STATUSES.has(error.status) && error.code !== 'E_UNKNOWN_EXERCISE';
}

/** A problem the site raises itself (no lab, still starting, cancelled), thrown like an ApiError. */
export class LabError extends Error {
  readonly code: ProblemCode;
  readonly hint: string | undefined;

  constructor(problem: Problem) {
    super(problem.message);
    this.name = 'LabError';
    this.code = problem.code;
    this.hint = problem.hint;
  }
}

/** Any error as a problem to show: the server's code and hint, the site's own, or an unexpected one. */
export function problemOf(error: unknown): Problem {
  if (error instanceof ApiError || error instanceof LabError) return { code: error.code, message: error.message, hint: error.hint };
  return PROBLEMS.unexpected(error);
}
