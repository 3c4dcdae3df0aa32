/**
 * Errors a user can act on. Every error carries a stable code (for tests, API responses and docs) and a
 * `hint` that says what to do next. The cause is kept so that logs show the whole chain.
 */
export class KubelabError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'KubelabError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** Wraps an error with what was being attempted, keeping the code and hint of a KubelabError cause. */
export function wrapError(what: string, cause: unknown, code = 'E_INTERNAL'): KubelabError {
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
