import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KubelabError, type ErrorCode } from '@kubelab/kit/errors';
import type { ErrorBody } from '../schemas/api.ts';

/**
 * The HTTP status of every error code the API returns: the HTTP edge's business, not the domain's. Codes are
 * stable (the site and the tests match on them); a code missing here is an internal error (500).
 */
export const httpStatusOf: Partial<Record<ErrorCode, number>> = {
  E_BAD_REQUEST: 400,
  E_TOKEN_MISSING: 401,
  // 401 without a launch token; a wrong one is answered 403 (withStatus).
  E_LAUNCH_REQUIRED: 401,
  E_TOKEN_INVALID: 403,
  // 401 without the admin token; a wrong one (a learner's token, the launch token) is answered 403 (withStatus).
  E_ADMIN_TOKEN: 401,
  // A page of another site (cross-site request or WebSocket).
  E_BAD_ORIGIN: 403,
  E_NOT_FOUND: 404,
  E_SESSION_NOT_FOUND: 404,
  E_UNKNOWN_LESSON: 404,
  E_UNKNOWN_EXERCISE: 404,
  E_METHOD_NOT_ALLOWED: 405,
  E_SESSION_NOT_READY: 409,
  // A check, exercise reset or recreate of this session is already running.
  E_SESSION_BUSY: 409,
  E_CLUSTER_GONE: 409,
  // The cluster vanished between our own look-ups: the same situation as E_CLUSTER_GONE.
  E_CLUSTER_NOT_FOUND: 409,
  E_ABORTED: 409,
  // A lesson that needs node access, on a workshop server.
  E_SELF_PACED_ONLY: 409,
  // The lab ended without its learner asking (time limit, idle timeout, the host): gone for good.
  E_SESSION_EXPIRED: 410,
  E_PAYLOAD_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  // A Host this server does not answer to (DNS rebinding, or a misconfigured KUBELAB_PUBLIC_HOST).
  E_BAD_HOST: 421,
  E_UPGRADE_REQUIRED: 426,
  E_CAPACITY_REACHED: 429,
  E_RATE_LIMITED: 429,
  E_TOO_MANY_STREAMS: 429,
  // Work the lab-runner asked of the cluster or of Docker failed: the learner's request was fine.
  E_SCRIPT_FAILED: 502,
  E_TOOLBOX_FAILED: 502,
  E_TOOLBOX_CONFLICT: 503,
  E_NO_ENGINE: 503,
  E_NOT_SET_UP: 503,
  // E_TLS_REQUIRED, like E_BAD_CONFIG, stops the server at startup: no request is ever answered with it.
};

const statusOverrides = new WeakMap<Error, number>();

/** The same code answered with another status than httpStatusOf's (E_LAUNCH_REQUIRED: 403 for a wrong token). */
export function withStatus<E extends Error>(error: E, status: number): E {
  statusOverrides.set(error, status);
  return error;
}

/** Fastify's own 4xx errors (parsing, limits) under our stable codes. */
const fastifyCodes: Record<string, { code: ErrorCode; hint?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'E_BAD_REQUEST', hint: 'Send a JSON object in the request body.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'E_BAD_REQUEST', hint: 'Send a JSON object in the request body.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'E_UNSUPPORTED_MEDIA_TYPE', hint: 'Send the body as application/json.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'E_PAYLOAD_TOO_LARGE' },
};

const defaultCodeFor = (status: number): ErrorCode =>
  status === 404 ? 'E_NOT_FOUND' : status === 405 ? 'E_METHOD_NOT_ALLOWED' : status === 413 ? 'E_PAYLOAD_TOO_LARGE' : status === 415 ? 'E_UNSUPPORTED_MEDIA_TYPE' : 'E_BAD_REQUEST';

/** Turns any error into the one error shape, `{ error: { code, message, hint? } }`, with a fitting status. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof KubelabError) {
    const status = statusOverrides.get(error) ?? httpStatusOf[error.code] ?? 500;
    return { status, body: { error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } } };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    return {
      status: 400,
      body: { error: { code: 'E_BAD_REQUEST', message: `invalid request: ${fastifyError.message}`, hint: 'See GET /openapi.json for what this route accepts.' } },
    };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const known = fastifyError.code ? fastifyCodes[fastifyError.code] : undefined;
    const code = known?.code ?? defaultCodeFor(status);
    return { status, body: { error: { code, message: fastifyError.message ?? 'bad request', ...(known?.hint ? { hint: known.hint } : {}) } } };
  }
  return {
    status: 500,
    body: { error: { code: 'E_INTERNAL', message: 'the lab server hit an unexpected error', hint: 'Try again; if it persists, the lab server log has the details.' } },
  };
}

/** The error and not-found handlers, installed on the root instance so every route (and the WebSocket upgrade) uses them. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorResponse(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.error.code, status }, body.error.message);
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      error: {
        code: 'E_NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0]}`,
        hint: 'GET /openapi.json lists every route.',
      },
    };
    return reply.code(404).send(body);
  });
}
