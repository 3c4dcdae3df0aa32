import { KubelabError } from '@kubelab/kit/errors';

/**
 * The HTTP status of every error code the API returns. Codes are stable (the site and the tests match on them);
 * a code missing here is an internal error (500).
 */
export const httpStatusOf: Record<string, number> = {
  E_BAD_REQUEST: 400,
  E_TOKEN_MISSING: 401,
  E_TOKEN_INVALID: 403,
  E_NOT_FOUND: 404,
  E_SESSION_NOT_FOUND: 404,
  E_UNKNOWN_LESSON: 404,
  E_UNKNOWN_EXERCISE: 404,
  E_METHOD_NOT_ALLOWED: 405,
  E_SESSION_NOT_READY: 409,
  E_CLUSTER_GONE: 409,
  // The cluster vanished between our own look-ups: the same situation as E_CLUSTER_GONE.
  E_CLUSTER_NOT_FOUND: 409,
  E_ABORTED: 409,
  E_PAYLOAD_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_UPGRADE_REQUIRED: 426,
  E_CAPACITY_REACHED: 429,
  // Work the lab-runner asked of the cluster or of Docker failed: the learner's request was fine.
  E_SCRIPT_FAILED: 502,
  E_TOOLBOX_FAILED: 502,
  E_TOOLBOX_CONFLICT: 503,
  E_NO_ENGINE: 503,
  E_NOT_SET_UP: 503,
};

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
      hint: 'Use the token returned with this session, or start a new lab.',
    }),
  sessionNotFound: (id: string) =>
    new KubelabError('E_SESSION_NOT_FOUND', `no lab session "${id}"`, {
      hint: 'The session may have been removed. Start a new lab from the lesson page.',
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
          : 'Try again in a few minutes, or end a lab you no longer use (its lesson page has an End lab button). Hosts can raise KUBELAB_MAX_SESSIONS.',
    }),
  notReady: (id: string, state: string) =>
    new KubelabError(
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
              : 'Start a new lab from the lesson page.',
      },
    ),
  clusterGone: (id: string, cluster: string) =>
    new KubelabError('E_CLUSTER_GONE', `the lab environment's cluster (${cluster}) no longer exists`, {
      hint: `Press Recreate (or POST /api/sessions/${id}/reset) for a fresh cluster; your check history is kept.`,
    }),
};
