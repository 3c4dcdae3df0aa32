import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sessionAuth, sessionOf } from '../plugins/auth.ts';
import { LIMITS } from '../plugins/edge.ts';
import { errorResponses, querySecurity, SessionParams, TokenQuery } from '../schemas/api.ts';
import { errors } from '../sessions/errors.ts';
import type { Session, SessionEvent } from '../sessions/session.ts';

const KEEPALIVE_MS = 15_000;

/**
 * The learner-facing provisioning stream (Server-Sent Events). It first replays the steps so far, then streams
 * live: `step` (a Step), then `ready` (the session summary) or `failed` ({code, message, hint}), and ends. A
 * client should close its EventSource on ready/failed (EventSource otherwise reconnects and gets the replay).
 * A session holds at most LIMITS.streamsPerSession streams at once; one more is refused (429 E_TOO_MANY_STREAMS).
 */
const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const open = new WeakMap<Session, number>();
  app.get(
    '/api/sessions/:id/events',
    {
      // A stream is idle between keepalives, and lives as long as provisioning: no idle-socket timeout.
      config: { longRunning: true },
      preValidation: sessionAuth('query'),
      preHandler: app.edge.perSession,
      schema: {
        summary: 'Provisioning progress, as Server-Sent Events',
        description:
          'text/event-stream. Replays the steps so far, then live `event: step` (data: Step), then `event: ready` (data: the session summary) or `event: failed` (data: {code, message, hint}), and ends.',
        tags: ['sessions'],
        security: querySecurity,
        params: SessionParams,
        querystring: TokenQuery,
        response: {
          200: { description: 'An event stream.', content: { 'text/event-stream': { schema: Type.String() } } },
          ...errorResponses(401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const streams = open.get(session) ?? 0;
      if (streams >= LIMITS.streamsPerSession) throw errors.tooManyStreams(LIMITS.streamsPerSession);
      open.set(session, streams + 1);
      reply.hijack();
      const response = reply.raw;
      response.once('close', () => open.set(session, (open.get(session) ?? 1) - 1));
      response.writeHead(200, {
        // The edge's headers (security, rate limit): a hijacked reply writes its own.
        ...(reply.getHeaders() as Record<string, string | number | string[]>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const send = (event: string, data: unknown): void => {
        if (!response.writableEnded) response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };

      // Snapshot and subscribe with nothing awaited in between, so no event is missed or sent twice.
      for (const step of session.steps.snapshot()) send('step', step);
      if (session.state === 'ready') {
        send('ready', session.summary());
        response.end();
        return;
      }
      if (session.state !== 'provisioning') {
        const { code, message, hint } = session.state === 'failed' && session.error ? session.error : errors.notReady(session.id, session.state);
        send('failed', { code, message, ...(hint ? { hint } : {}) });
        response.end();
        return;
      }

      const keepalive = setInterval(() => {
        if (!response.writableEnded) response.write(': keepalive\n\n');
      }, KEEPALIVE_MS);
      const stop = (): void => {
        clearInterval(keepalive);
        unsubscribe();
        if (!response.writableEnded) response.end();
      };
      const unsubscribe = session.subscribe((event: SessionEvent) => {
        switch (event.type) {
          case 'step':
            send('step', event.step);
            break;
          case 'ready':
            send('ready', event.summary);
            stop();
            break;
          case 'failed':
            send('failed', event.error);
            stop();
            break;
          case 'ended': {
            const { code, message, hint } = event.error ?? errors.notReady(session.id, 'ended');
            send('failed', { code, message, ...(hint ? { hint } : {}) });
            stop();
            break;
          }
          case 'shutdown':
            stop();
            break;
          case 'expiring':
            break;
        }
      });
      // The response's close: the client went away (or we ended it).
      response.on('close', stop);
    },
  );
};

export default eventRoutes;
