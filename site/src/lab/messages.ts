/**
 * The lab's words for things that went wrong, in one place: the codes only the site raises, the title of the lab
 * panel's failure view per code, the next step a learner reads per code (the server's hints are written for API
 * clients and name routes), the site's own problems, and the notices after a lab ends.
 *
 * Pure data and functions: the reducer, the controller and the widgets import it, and so do the unit tests.
 */
import type { ClientErrorCode } from '@kubelab/lab-runner/client';

/** Codes the site raises itself, beside the server's and the client's (ClientErrorCode). */
export const siteErrorCodes = [
  /** There is no lab to act on: none on this page, or none started for this lesson. */
  'E_NO_LAB',
  /** Something threw that is not an API error: a bug, shown rather than swallowed. */
  'E_UNEXPECTED',
] as const;

export type SiteErrorCode = (typeof siteErrorCodes)[number];

export type ProblemCode = ClientErrorCode | SiteErrorCode;

/** Something that went wrong, as the page shows it: what happened, what to do next, and the code to quote. */
export interface Problem {
  code: ProblemCode;
  message: string;
  hint?: string | undefined;
}

/** The heading of the lab panel's failure view, by code (others get a generic one). */
export const ERROR_TITLES: Partial<Record<ProblemCode, string>> = {
  E_LAUNCH_REQUIRED: 'This browser cannot start labs yet',
  E_RATE_LIMITED: 'Too many requests to the lab server',
  E_TOO_MANY_STREAMS: 'This lab is open in too many tabs',
  E_CAPACITY_REACHED: 'The lab server is full',
  E_CLUSTER_GONE: 'Your cluster is gone',
  E_CLUSTER_NOT_FOUND: 'Your cluster is gone',
  E_NETWORK: 'The lab server is not answering',
  E_UNKNOWN_LESSON: 'The lab server does not know this lesson',
  E_NO_ENGINE: 'Docker is not available to the lab server',
  E_NOT_SET_UP: 'Kubelab is not set up on this machine',
};

/** The failure view's heading for a problem: its own title, or whether the lab could start at all. */
export function errorTitle(problem: Problem, canRecreate: boolean): string {
  return ERROR_TITLES[problem.code] ?? (canRecreate ? 'Your lab could not start' : 'The lab could not be started');
}

const CLUSTER_GONE_HINT = 'Press Recreate in the lab panel to get a fresh cluster for this lesson. Your check history is kept.';

/** What a learner does next, by code, where the server's hint speaks to API clients ("POST /api/…"). */
const LEARNER_HINTS: Partial<Record<ProblemCode, string>> = {
  E_LAUNCH_REQUIRED:
    'Open the link `npm start` printed in its terminal (it looks like http://localhost:4321/?launch=…): it lets this browser start labs. ' +
    'In a workshop, open the link your host gave you. Then press Start lab again.',
  E_SESSION_BUSY: 'Another check or reset of this lab is still running. Wait until it has finished, then try again.',
  E_RATE_LIMITED: 'Wait a minute, then try again.',
  E_TOO_MANY_STREAMS: 'Close the other tabs of this lesson, then reload this page.',
  E_CLUSTER_GONE: CLUSTER_GONE_HINT,
  E_CLUSTER_NOT_FOUND: CLUSTER_GONE_HINT,
  E_SESSION_NOT_READY: 'Wait until the lab panel shows the terminal, then try again. If the panel offers Recreate or Start lab, press it first.',
};

/** The codes that mean "your session is fine, its cluster is not": the panel offers Recreate. */
export const CLUSTER_GONE_CODES: ReadonlySet<ProblemCode> = new Set(['E_CLUSTER_GONE', 'E_CLUSTER_NOT_FOUND']);

/** The problem in the learner's words: the hint for its code replaces the server's, where there is one. */
export function forLearner(problem: Problem): Problem {
  const hint = LEARNER_HINTS[problem.code];
  return hint ? { ...problem, hint } : problem;
}

/** The problems the site itself reports. */
export const PROBLEMS = {
  noLabOnPage: { code: 'E_NO_LAB', message: 'There is no lab on this page.' },
  noLab: {
    code: 'E_NO_LAB',
    message: 'No lab is running for this lesson.',
    hint: 'Press Start lab in the lab panel, do the task in the terminal, then check again.',
  },
  nothingToReset: {
    code: 'E_NO_LAB',
    message: 'There is nothing to reset: no lab is running for this lesson.',
    hint: 'Press Start lab in the lab panel first.',
  },
  stillStarting: { code: 'E_SESSION_NOT_READY', message: 'Your lab is still starting.', hint: LEARNER_HINTS.E_SESSION_NOT_READY },
  // The server says the lab failed but sent no error with it: the server's own code for a failed provisioning.
  provisioningFailed: { code: 'E_PROVISION_FAILED', message: 'Your lab could not be created.', hint: 'Press Recreate to try again.' },
  /** The lab was recreated or ended while a request for it was in flight: that request was cancelled. */
  labChanged: {
    code: 'E_ABORTED',
    message: 'The lab was recreated or ended while this was running.',
    hint: 'Try again once the lab panel shows the terminal.',
  },
  unexpected: (error: unknown): Problem => ({
    code: 'E_UNEXPECTED',
    message: error instanceof Error ? error.message : String(error),
    hint: 'Reload the page and try again.',
  }),
} satisfies Record<string, Problem | ((error: unknown) => Problem)>;

/** What the panel says after a lab ended, under Start lab. */
export const NOTICES = {
  ended: 'Lab ended: its cluster is deleted.',
  /** A remembered session the server no longer has, or has ended (found on page load). */
  previousEnded: 'Your previous lab session has ended. Start a new lab when you are ready.',
  /** The server stopped knowing the session while the page was open. */
  sessionLost: 'Your lab session has ended (it expired or the server restarted). Start a new lab to carry on.',
};
