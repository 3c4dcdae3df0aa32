/**
 * The page's client of the lab-runner (same origin, /api): the shared typed client from @kubelab/lab-runner, plus
 * the two questions the page asks of an error: is the session gone, and how to show it.
 */
import { ApiError, LabApi } from '@kubelab/lab-runner/client';
import { PROBLEMS, type Problem, type ProblemCode } from './messages.ts';

export { ApiError, followAutoCheck, followSessionEvents } from '@kubelab/lab-runner/client';
export type { CheckResult, ConnectionState, Credentials, Criterion, ErrorDetail, Lifetime, Profile, SessionSummary, Step } from '@kubelab/lab-runner/client';

export const api = new LabApi();

/**
 * The codes with which the server says it does not know this session (or this token) any more, or that it ended
 * the lab itself (its time limit, idleness, the host: E_SESSION_EXPIRED).
 */
const SESSION_GONE_CODES: ReadonlySet<string> = new Set(['E_TOKEN_MISSING', 'E_TOKEN_INVALID', 'E_SESSION_NOT_FOUND', 'E_SESSION_EXPIRED']);

/**
 * Whether the server no longer knows the session: forget it. Other 4xx answers (an unknown exercise, a launch
 * token the browser lacks, a refused origin) are about something else: the session is kept.
 */
export function isSessionGone(error: unknown): boolean {
  return error instanceof ApiError && SESSION_GONE_CODES.has(error.code);
}

/** The same question of an error the server sent in a stream (an auto-check's `failed` event): is the session gone. */
export function isSessionGoneCode(code: string): boolean {
  return SESSION_GONE_CODES.has(code);
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
