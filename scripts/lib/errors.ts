/**
 * Every error code Kubelab raises, in one place, so a typo in a code is a compile error. Codes are stable: the
 * API returns them, the site and the tests match on them, and the docs name them.
 */
export const errorCodes = [
  // Anything: a bug, or an outside failure we could not classify.
  'E_INTERNAL',
  'E_ABORTED',
  'E_COMMAND_FAILED',
  'E_USAGE',
  // Setup and the host.
  'E_NO_ENGINE',
  'E_ENGINE_CAPS',
  'E_HOST_PACKAGES',
  'E_DISK_FULL',
  'E_NO_GO',
  'E_OLD_GO',
  'E_GO_BUILD',
  'E_KIND_MODULE',
  'E_ADDON_MANIFEST',
  'E_IMAGE_BUILD',
  'E_NODE_IMAGE',
  'E_NOT_SET_UP',
  'E_NOTHING_TO_MEASURE',
  // Clusters (the provider).
  'E_INVALID_NAME',
  'E_UNKNOWN_PROFILE',
  'E_CLUSTER_EXISTS',
  'E_CLUSTER_NOT_FOUND',
  'E_NOT_READY',
  'E_DELETE_FAILED',
  'E_TOOLBOX_FAILED',
  'E_TOOLBOX_CONFLICT',
  'E_CLUSTER_NETWORK',
  // The lab server.
  'E_BAD_CONFIG',
  'E_SERVER_RUNNING',
  'E_LISTEN_FAILED',
  'E_BAD_REQUEST',
  'E_NOT_FOUND',
  'E_METHOD_NOT_ALLOWED',
  'E_PAYLOAD_TOO_LARGE',
  'E_UNSUPPORTED_MEDIA_TYPE',
  'E_UPGRADE_REQUIRED',
  'E_TOKEN_MISSING',
  'E_TOKEN_INVALID',
  'E_SESSION_NOT_FOUND',
  'E_SESSION_NOT_READY',
  'E_CAPACITY_REACHED',
  'E_CLUSTER_GONE',
  'E_INTERRUPTED',
  'E_PROVISION_FAILED',
  // The HTTP edge (who may talk to the lab server, and how much).
  'E_BAD_HOST',
  'E_BAD_ORIGIN',
  'E_LAUNCH_REQUIRED',
  'E_RATE_LIMITED',
  'E_SESSION_BUSY',
  'E_TOO_MANY_STREAMS',
  'E_TLS_REQUIRED',
  'E_ADMIN_TOKEN',
  'E_SESSION_EXPIRED',
  'E_SELF_PACED_ONLY',
  // Credentials read back from a cluster.
  'E_NO_KUBECONFIG',
  'E_UNSAFE_KUBECONFIG',
  // The course.
  'E_UNKNOWN_LESSON',
  'E_UNKNOWN_EXERCISE',
  'E_SCRIPT_FAILED',
  'E_PROFILE_MISMATCH',
  'E_SCAFFOLD_EXISTS',
  // The lab-runner's database (the notebook, sessions, progress).
  'E_DATABASE',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/**
 * Errors a user can act on. Every error carries a stable code (for tests, API responses and docs) and a
 * `hint` that says what to do next. The cause is kept so that logs show the whole chain.
 */
export class KubelabError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'KubelabError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** Wraps an error with what was being attempted, keeping the code and hint of a KubelabError cause. */
export function wrapError(what: string, cause: unknown, code: ErrorCode = 'E_INTERNAL'): KubelabError {
  const message = `${what}: ${cause instanceof Error ? cause.message : String(cause)}`;
  if (cause instanceof KubelabError) return new KubelabError(cause.code, message, { hint: cause.hint, cause });
  return new KubelabError(code, message, { cause });
}

/** Formats an error for a terminal: the message, then the hint on its own line. */
export function formatError(error: unknown): string {
  if (error instanceof KubelabError) {
    return `error [${error.code}]: ${error.message}` + (error.hint ? `\n  → ${error.hint}` : '');
  }
  return `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}
