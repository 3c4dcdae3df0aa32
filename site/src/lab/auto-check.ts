/**
 * Auto-check on an exercise card, the parts without a DOM: why an auto-check ended (the controller's answer), the
 * words the card says about it, and when a new result is worth showing (and announcing) again. The controller
 * (controller.ts) runs the stream; the card (mdx/exercise.ts) shows it. Pure: the unit tests use it directly.
 */
import type { CheckResult } from '@kubelab/lab-runner/client';
import type { LabPhase } from './reducer.ts';
import type { Problem } from './messages.ts';

/** A page left in the background this long turns auto-check off: a forgotten tab stops watching the cluster. */
export const AUTO_CHECK_HIDDEN_MS = 5 * 60_000;

/** Why an auto-check ended. */
export type AutoCheckEnd =
  /** The exercise passed: auto-check's job is done. */
  | { why: 'passed' }
  /** The learner turned it off. */
  | { why: 'off' }
  /** It was turned on for another exercise (`by`, its id): one auto-check at a time per page. */
  | { why: 'replaced'; by: string }
  /** The page was hidden for AUTO_CHECK_HIDDEN_MS. */
  | { why: 'hidden' }
  /** The lab stopped being ready while it ran: recreated, ended, lost, or its cluster found gone by another action. */
  | { why: 'lab-changed' }
  /** The lab could not be checked (its cluster is gone, no lab runs, the server refused): shown as Check shows it. */
  | { why: 'failed'; problem: Problem }
  /** The lab server ended the stream while the lab stayed ready: its time limit (30 min), or a restart. */
  | { why: 'closed' };

export const AUTO_CHECK_ON = 'Auto-check is on: your cluster is checked again each time it changes, until the exercise passes.';

/**
 * What the card says once auto-check is off: why, and what to do. `phase` is the lab's phase when it ended (for
 * `lab-changed`); `titleOf` names another exercise of the page (for `replaced`).
 */
export function autoCheckOffWords(end: AutoCheckEnd, phase: LabPhase, titleOf: (exercise: string) => string): string {
  switch (end.why) {
    case 'passed':
      return 'Auto-check is off: the exercise passed.';
    case 'off':
      return 'Auto-check is off.';
    case 'replaced':
      return `Auto-check is off: it is on for “${titleOf(end.by)}” now (one exercise at a time).`;
    case 'hidden':
      return `Auto-check is off: this page was in the background for over ${AUTO_CHECK_HIDDEN_MS / 60_000} minutes. Turn it on again to carry on.`;
    case 'closed':
      return 'Auto-check is off: the lab server stopped it (it does after 30 minutes, and when it restarts). Turn it on again to carry on.';
    case 'failed':
      return `Auto-check is off: ${lowerFirst(end.problem.message.trim().replace(/\.$/, ''))}.`;
    case 'lab-changed':
      switch (phase) {
        case 'idle':
          return 'Auto-check is off: the lab ended.';
        case 'resuming':
        case 'starting':
        case 'provisioning':
          return 'Auto-check is off: the lab is being made again. Turn it on again once the terminal is back.';
        case 'failed':
          return 'Auto-check is off: the lab stopped (the lab panel says why and what to do).';
        default:
          return 'Auto-check is off: the lab changed. Turn it on again to carry on.';
      }
  }
}

/** "Checked once, at 14:02:31." / "Checked 3 times, last at 14:02:31.": the sign that auto-check is alive. */
export function autoCheckCountWords(checks: number, lastAt: Date): string {
  const at = lastAt.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return checks === 1 ? `Checked once, at ${at}.` : `Checked ${checks} times, last at ${at}.`;
}

/**
 * What a check result says, criterion by criterion: two results with the same signature read the same, so auto-check
 * shows (and a screen reader hears) a result again only when something in it changed.
 */
export function resultSignature(result: CheckResult): string {
  return JSON.stringify([result.passed, result.criteria.map((c) => [c.id, c.passed, c.expected ?? null, c.actual ?? null, c.hint ?? null])]);
}

/** The server's messages start in lower case, the site's in upper case; mid-sentence both read in lower case. */
function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}
