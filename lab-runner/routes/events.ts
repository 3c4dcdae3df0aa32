import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sessionAuth, sessionOf } from '../plugins/auth.ts';
import { errorResponses, querySecurity, SessionParams, TokenQuery } from '../schemas/api.ts';
import { errors } from '../sessions/errors.ts';
import type { SessionEvent } from '../sessions/session.ts';

const KEEPALIVE_MS = 15_000;

/**
 * The learner-facing provisioning stream (Server-Sent Events). It first replays the steps so far, then streams
 * live: `step` (a Step), then `ready` (the session summary) or `failed` ({code, message, hint}), and ends. A
 * client should close its EventSource on ready/failed (EventSource otherwise reconnects and gets the replay).
 */
const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/sessions/:id/events',
    {
      preValidation: sessionAuth('query'),
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
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
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
          case 'shutdown':
            stop();
            break;
        }
      });
      // The response's close: the client went away (or we ended it).
      response.on('close', stop);
    },
  );
};

export default eventRoutes;
