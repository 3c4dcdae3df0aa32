import type { FastifyReply, FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import type { Session } from '../sessions/session.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session this request proved it owns (set by the auth hooks). */
    labSession: Session | null;
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function queryToken(request: FastifyRequest): string | undefined {
  const token = (request.query as Record<string, unknown> | undefined)?.token;
  return typeof token === 'string' && token ? token : undefined;
}

/**
 * preValidation hooks that authenticate a session route before anything else runs (for the terminal, before the
 * WebSocket upgrade). HTTP routes take the token from `Authorization: Bearer`; the event stream and the
 * terminal take it from `?token=`, because EventSource and WebSocket cannot set headers. An authenticated request
 * is the learner's activity: the idle timeout starts again (the site never polls, so an open tab alone does not).
 */
export function sessionAuth(where: 'header' | 'query'): preValidationAsyncHookHandler {
  return async function authenticate(this, request: FastifyRequest, _reply: FastifyReply) {
    const { id } = request.params as { id?: string };
    const token = where === 'header' ? bearerToken(request) : queryToken(request);
    const session = await this.sessions.authenticate(String(id ?? ''), token, where);
    session.touch();
    request.labSession = session;
  };
}

/** The session the auth hook found; the hook runs first on every session route, so it is always set there. */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.labSession) throw new Error(`route ${request.routeOptions.url} has no session auth hook`);
  return request.labSession;
}
