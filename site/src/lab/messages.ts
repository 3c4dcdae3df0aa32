/**
 * The lab's words for things that went wrong, in one place: the codes only the site raises, the title of the lab
 * panel's failure view per code, the next step a learner reads per code (the server's hints are written for API
 * clients and name routes), the site's own problems, and the notices after a lab ends.
 *
 * Pure data and functions: the reducer, the controller and the widgets import it, and so do the unit tests.
 */
import type { ClientErrorCode, ErrorDetail } from '@kubelab/lab-runner/client';

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
export type Problem = Omit<ErrorDetail, 'code'> & { code: ProblemCode };

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
  E_SESSION_EXPIRED: 'Your lab has ended',
  E_SELF_PACED_ONLY: 'This lesson is self-paced only',
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
  E_SESSION_EXPIRED: 'Press Start lab for a new cluster. Your check results are kept.',
  E_SELF_PACED_ONLY:
    'Read the lesson here, and do its lab on your own machine: `npm start` runs Kubelab there, with every lesson. The other lessons of this workshop run here.',
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

/**
 * A lesson that needs the cluster's nodes, on a workshop server: the panel says so instead of offering Start lab
 * (the server would refuse it with E_SELF_PACED_ONLY).
 */
export const SELF_PACED_ONLY = {
  badge: 'Self-paced only',
  title: 'This lesson is self-paced only',
  body:
    'Its lab needs access to the cluster’s nodes (static pods, `kubectl debug node`, etcd snapshots), which this workshop server does not give its learners. ' +
    LEARNER_HINTS.E_SELF_PACED_ONLY!,
} as const;

/** "2 h 05 min", "9 min", "under a minute": what is left of a lab, to the minute. */
export function timeLeft(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** What the lab panel says of a lab's time limit: a quiet line, or the warning with what Extend gives. */
export function lifetimeWords(left: { ms: number; warning: boolean; extensionsLeft: number; extendMinutes: number }): { text: string; canExtend: boolean; extendLabel: string } {
  const extendLabel = `Extend by ${left.extendMinutes} min`;
  if (left.ms <= 0) return { text: 'Your lab’s time is up: it is being ended, and its cluster deleted. Your check results are kept.', canExtend: false, extendLabel };
  if (!left.warning) return { text: `Lab time left: ${timeLeft(left.ms)}`, canExtend: false, extendLabel };
  const canExtend = left.extensionsLeft > 0;
  return {
    text: canExtend
      ? `Your lab ends in ${timeLeft(left.ms)}, and its cluster is deleted. Need longer? Extend it (${left.extensionsLeft} ${left.extensionsLeft === 1 ? 'extension' : 'extensions'} left).`
      : `Your lab ends in ${timeLeft(left.ms)}, and its cluster is deleted; it cannot be extended again. Your check results are kept.`,
    canExtend,
    extendLabel,
  };
}

/** The notice under Start lab after the server ended a lab (its time limit, idleness, the host): why, and what now. */
export function expiredNotice(error: { message: string }): string {
  const why = error.message.trim().replace(/\.$/, '');
  return `${why[0]!.toUpperCase()}${why.slice(1)} (E_SESSION_EXPIRED). Its cluster is deleted; your check results are kept. Press Start lab for a new one.`;
}

/** What the panel says after a lab ended, under Start lab. */
export const NOTICES = {
  ended: 'Lab ended: its cluster is deleted.',
  /** A remembered session the server no longer has, or has ended (found on page load). */
  previousEnded: 'Your previous lab session has ended. Start a new lab when you are ready.',
  /** The server stopped knowing the session while the page was open. */
  sessionLost: 'Your lab session has ended (it expired or the server restarted). Start a new lab to carry on.',
};

/** "“A”", "“A” and “B”", "“A”, “B” and “C”": exercise titles in a sentence. */
function titles(names: readonly string[]): string {
  const quoted = names.map((name) => `“${name}”`);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)!}`;
}

/** Recreate's restore option, under it: what it will do, for the exercises of the lesson the learner has passed. */
export function restoreChoiceWords(passed: readonly string[]): string {
  if (passed.length === 0) return 'You have not passed an exercise of this lesson yet: there is nothing to restore.';
  return passed.length === 1
    ? `Replays the solution of ${titles(passed)} on the new cluster and checks it again.`
    : `Replays the solutions of ${titles(passed)} on the new cluster and checks them again.`;
}

/** What the lab panel says once a lab recreated with restore is ready: which exercises pass again, and which do not. */
export function restoredWords(restored: readonly { title: string; passed: boolean }[]): string {
  const again = restored.filter((exercise) => exercise.passed).map((exercise) => exercise.title);
  const not = restored.filter((exercise) => !exercise.passed).map((exercise) => exercise.title);
  const words: string[] = [];
  if (again.length) words.push(`Restored ${titles(again)}: ${again.length === 1 ? 'it passes' : 'they pass'} again.`);
  if (not.length) {
    words.push(
      not.length === 1
        ? `${titles(not)} was replayed but does not pass yet: do it again by hand.`
        : `${titles(not)} were replayed but do not pass yet: do them again by hand.`,
    );
  }
  return words.join(' ');
}
