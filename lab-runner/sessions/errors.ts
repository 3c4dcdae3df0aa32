import { KubelabError } from '@kubelab/kit/errors';
import type { SessionState } from '../schemas/api.ts';

/** The work a session runs one at a time: each runs commands on the host or the cluster. */
export type BusyWork = 'check' | 'reset' | 'recreate' | 'view' | 'cells';

const busyWords: Record<BusyWork, string> = { check: 'a check', reset: 'an exercise reset', recreate: 'a recreate', view: 'a node view', cells: 'two notebook cells' };

/**
 * The sessions domain's errors. Hints speak to API clients (what to call next); the site words them for learners
 * by code. Messages never name a cluster: a lab may run on a warm pool cluster whose name means nothing to its
 * learner (the logs keep the names).
 */
export const errors = {
  tokenMissing: (where: 'header' | 'query') =>
    new KubelabError('E_TOKEN_MISSING', 'this request needs the session token', {
      hint:
        where === 'header'
          ? 'Send the token you got when the session was created, as "Authorization: Bearer <token>".'
          : 'Add the token you got when the session was created to the address, as ?token=<token>.',
    }),
  tokenInvalid: () =>
    new KubelabError('E_TOKEN_INVALID', 'the token does not belong to this session', {
      hint: 'Use the token returned with this session, or start a new one (POST /api/sessions).',
    }),
  sessionNotFound: (id: string) =>
    new KubelabError('E_SESSION_NOT_FOUND', `no lab session "${id}"`, {
      hint: 'The session may have been removed. Start a new one (POST /api/sessions).',
    }),
  unknownLesson: (slug: string, known: string[]) =>
    new KubelabError('E_UNKNOWN_LESSON', `no lesson "${slug}"`, {
      hint: known.length ? `Lessons on this server: ${known.join(', ')}.` : 'This server has no lessons yet.',
    }),
  unknownExercise: (id: string, lesson: string, known: string[]) =>
    new KubelabError('E_UNKNOWN_EXERCISE', `lesson "${lesson}" has no exercise "${id}"`, {
      hint: `Its exercises are: ${known.join(', ')}.`,
    }),
  capacityReached: (max: number) =>
    new KubelabError('E_CAPACITY_REACHED', `the lab server is full: ${max} of ${max} lab environments are in use`, {
      hint:
        max === 0
          ? 'This server is configured for no lab environments (KUBELAB_MAX_SESSIONS=0). Ask its host to raise the limit.'
          : 'Try again in a few minutes, or end a session you no longer use (DELETE /api/sessions/{id}). Hosts can raise KUBELAB_MAX_SESSIONS.',
    }),
  notReady: (id: string, state: SessionState) =>
    state === 'ready'
      ? // Ready again, but on another environment than the one this request began with (Recreate ran meanwhile).
        new KubelabError('E_SESSION_NOT_READY', 'the lab environment was recreated while this request ran', {
          hint: 'Send the request again: it now runs against the new environment.',
        })
      : new KubelabError(
          'E_SESSION_NOT_READY',
          state === 'provisioning'
            ? 'the lab environment is still starting'
            : state === 'failed'
              ? 'the lab environment failed to start'
              : 'this lab session has ended',
          {
            hint:
              state === 'provisioning'
                ? `Wait until it is ready (follow GET /api/sessions/${id}/events), then try again.`
                : state === 'failed'
                  ? `Recreate the environment (POST /api/sessions/${id}/reset).`
                  : 'Start a new session (POST /api/sessions).',
          },
        ),
  /** One check, exercise reset or recreate runs at a time per session; the next is refused, not queued. */
  busy: (running: BusyWork) =>
    new KubelabError('E_SESSION_BUSY', `${busyWords[running]} of this lab is still running`, {
      hint: 'Wait until it has finished, then try again.',
    }),
  tooManyStreams: (max: number) =>
    new KubelabError('E_TOO_MANY_STREAMS', `this lab already has ${max} event streams open`, {
      hint: 'Close the other tabs of this lesson (or their event streams), then try again.',
    }),
  clusterGone: (id: string) =>
    new KubelabError('E_CLUSTER_GONE', "the lab environment's cluster no longer exists", {
      hint: `POST /api/sessions/${id}/reset recreates the environment on a fresh cluster; the check history is kept.`,
    }),
  /**
   * Why a lab ended without its learner asking: its time limit, too long without use, or the host ending it. The
   * same code for all three, since the learner does the same next (start a lab again); the check history is kept.
   */
  expired: (why: 'ttl' | 'idle' | 'host', minutes = 0) =>
    new KubelabError(
      'E_SESSION_EXPIRED',
      why === 'ttl'
        ? `this lab reached its time limit (${formatMinutes(minutes)}) and has ended`
        : why === 'idle'
          ? `this lab ended after ${formatMinutes(minutes)} without use`
          : 'the host of this lab server ended this lab',
      { hint: 'Start a new lab (POST /api/sessions); your check results are kept.' },
    ),
  /** A lesson that needs the nodes themselves, on a server whose learners are kept off them. */
  selfPacedOnly: (slug: string) =>
    new KubelabError('E_SELF_PACED_ONLY', `the lesson "${slug}" needs access to the cluster's nodes, which a workshop server does not give`, {
      hint: 'Do this lesson on your own machine (npm start runs Kubelab self-paced, with every lesson); the other lessons run here.',
    }),
  /** No more time to add: the lab has no limit, or has had every extension. */
  cannotExtend: (why: 'unbounded' | 'used' | 'ended', max = 0) =>
    new KubelabError(
      'E_BAD_REQUEST',
      why === 'unbounded'
        ? 'this lab has no time limit to extend'
        : why === 'used'
          ? `this lab has been extended ${max} ${max === 1 ? 'time' : 'times'}, the most a lab may be`
          : 'this lab has ended',
      {
        hint:
          why === 'used'
            ? 'Save what you need; when it ends, start a new lab (your check results are kept).'
            : why === 'ended'
              ? 'Start a new lab (POST /api/sessions).'
              : 'Nothing to do: it lives until you end it.',
      },
    ),
  /** The cluster a lab was being prepared on vanished under it (deleted by someone else). */
  clusterVanished: (id: string, cause: unknown) =>
    new KubelabError('E_CLUSTER_GONE', "the lab environment's cluster disappeared while it was being prepared", {
      hint: `POST /api/sessions/${id}/reset tries again on a fresh cluster.`,
      cause,
    }),
};

/** 240 → "4 h", 90 → "1 h 30 min", 45 → "45 min". */
export function formatMinutes(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
