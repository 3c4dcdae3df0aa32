import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { sessionAuth, sessionOf } from '../plugins/auth.ts';
import { LIMITS } from '../plugins/edge.ts';
import { errorResponses, ExerciseParams, querySecurity, SessionParams, TokenQuery } from '../schemas/api.ts';
import { errors } from '../sessions/errors.ts';
import type { Session, SessionEvent } from '../sessions/session.ts';
import { watchClusterChanges } from '../sessions/cluster-changes.ts';
import { KubelabError } from '@kubelab/kit/errors';

const KEEPALIVE_MS = 15_000;

/**
 * The learner-facing provisioning stream (Server-Sent Events). It first replays the steps so far, then streams
 * live: `step` (a Step), then `ready` (the session summary) or `failed` ({code, message, hint}), and ends. A
 * client should close its EventSource on ready/failed (EventSource otherwise reconnects and gets the replay).
 * A session holds at most LIMITS.streamsPerSession streams at once; one more is refused (429 E_TOO_MANY_STREAMS).
 */
/** Streams open per session (provisioning and auto-check alike), against LIMITS.streamsPerSession. */
const open = new WeakMap<Session, number>();

/** Counts a new stream of the session until its response closes; E_TOO_MANY_STREAMS past the limit. */
function countStream(session: Session, response: { once(event: 'close', listener: () => void): unknown }): void {
  const streams = open.get(session) ?? 0;
  if (streams >= LIMITS.streamsPerSession) throw errors.tooManyStreams(LIMITS.streamsPerSession);
  open.set(session, streams + 1);
  response.once('close', () => open.set(session, (open.get(session) ?? 1) - 1));
}

/**
 * Takes over the reply as a Server-Sent Events stream of the session (counted against its limit): the edge's
 * headers (security, rate limit) first, as a hijacked reply writes its own, then `send` writes one event.
 */
function openEventStream(session: Session, reply: FastifyReply): { response: FastifyReply['raw']; send: (event: string, data: unknown) => void } {
  countStream(session, reply.raw);
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string | number | string[]>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = (event: string, data: unknown): void => {
    if (!response.writableEnded) response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  return { response, send };
}

const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
      const { response, send } = openEventStream(session, reply);

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

/** How long an auto-check stream lives at most: a forgotten tab stops watching. */
export const AUTO_CHECK_MAX_MS = 30 * 60_000;

/**
 * Auto-check, as Server-Sent Events: while the stream is open, the exercise is checked at once and again each time
 * the cluster changes (watches, not polling; sessions/cluster-changes.ts), and each result is sent. It ends after
 * the first pass, when the lab stops being ready, or after AUTO_CHECK_MAX_MS. Closing the stream turns it off.
 */
export const autoCheckRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/sessions/:id/exercises/:exercise/auto-check',
    {
      config: { longRunning: true },
      preValidation: sessionAuth('query'),
      preHandler: app.edge.perSession,
      schema: {
        summary: 'Auto-check an exercise whenever the cluster changes, as Server-Sent Events',
        description:
          'text/event-stream. `event: check` (data: CheckResult) at once and after each change of the cluster; after the first pass, `event: passed` and the end. ' +
          '`event: failed` (data: {code, message, hint}) when the lab cannot be checked (its cluster is gone, it ended). Close the stream to stop.',
        tags: ['sessions'],
        security: querySecurity,
        params: ExerciseParams,
        querystring: TokenQuery,
        response: {
          200: { description: 'An event stream.', content: { 'text/event-stream': { schema: Type.String() } } },
          ...errorResponses(401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const exercise = app.sessions.exercises.find(session, request.params.exercise);
      const env = session.requireEnvironment();
      const context = await env.checkContext();
      const { response, send } = openEventStream(session, reply);
      let finished = false;
      let checking = false;
      let again = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        changes.stop();
        clearInterval(keepalive);
        clearTimeout(lifetime);
        unsubscribe();
        if (!response.writableEnded) response.end();
      };
      const check = async (): Promise<void> => {
        if (finished) return;
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        try {
          const result = await app.sessions.exercises.check(session, exercise.id, { journal: 'if-changed' });
          send('check', result);
          if (result.passed) {
            send('passed', { exercise: exercise.id });
            finish();
          }
        } catch (error) {
          const detail = error instanceof KubelabError ? error : undefined;
          if (detail?.code === 'E_SESSION_BUSY') {
            again = true; // a check or reset of the learner's own is running: look again after it
            await new Promise((resolve) => setTimeout(resolve, 1000));
          } else {
            send('failed', detail ? { code: detail.code, message: detail.message, ...(detail.hint ? { hint: detail.hint } : {}) } : { code: 'E_INTERNAL', message: 'the auto-check stopped' });
            finish();
          }
        } finally {
          checking = false;
        }
        if (again && !finished) {
          again = false;
          void check();
        }
      };
      const changes = watchClusterChanges(context.kubeConfig, () => void check(), {
        onError: (path, error) => request.log.debug({ path, err: error }, 'auto-check watch ended with an error'),
      });
      const keepalive = setInterval(() => {
        if (!response.writableEnded) response.write(': keepalive\n\n');
      }, KEEPALIVE_MS);
      const lifetime = setTimeout(finish, AUTO_CHECK_MAX_MS);
      // The lab going away (ended, recreated, the server closing) ends the stream too.
      const unsubscribe = session.subscribe((event: SessionEvent) => {
        if (event.type === 'ended' || event.type === 'shutdown' || session.environment !== env) finish();
      });
      response.on('close', finish);
      void check();
    },
  );
};

export default eventRoutes;
