import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sessionAuth, sessionOf } from '../plugins/auth.ts';
import { LIMITS } from '../plugins/edge.ts';
import {
  bearerSecurity,
  CreatedSession,
  CreateSessionBody,
  EnvironmentReset,
  errorResponses,
  RecreateBody,
  ExerciseParams,
  ExerciseReset,
  NodeViewParams,
  NodeViewResult,
  SessionParams,
} from '../schemas/api.ts';
import { LIFETIME } from '../sessions/lifetime.ts';

/** Starting a lab: the launch cookie, or the launch token as a bearer token (OpenAPI: either one). */
const launchSecurity: Record<string, string[]>[] = [{ launchCookie: [] }, { launchToken: [] }];

/**
 * Sessions: start, read, check and reset exercises, recreate the environment, end. Starting a lab needs the
 * launch token; every other route needs the session's token, then counts against the session's own rate limit.
 */
const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const auth = sessionAuth('header');
  const { perSession } = app.edge;
  const tags = ['sessions'];

  app.post(
    '/api/sessions',
    {
      preValidation: app.edge.launch.require,
      config: { rateLimit: LIMITS.createsPerAddress },
      schema: {
        summary: 'Start a lab for a lesson',
        description:
          'Returns at once; the environment is provisioned in the background (follow GET /api/sessions/{id}/events). Needs the launch token: ' +
          'the cookie the launch link (/?launch=<token>) sets, or "Authorization: Bearer <launch token>". ' +
          '409 E_SELF_PACED_ONLY: the lesson needs node access, which a workshop server does not give (GET /api/lessons says which).',
        tags,
        security: launchSecurity,
        body: CreateSessionBody,
        response: { 201: CreatedSession, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { session, token } = await app.sessions.create(request.body.lesson, request.learner);
      return reply.code(201).send({ id: session.id, token, lesson: session.lessonSlug, state: session.state });
    },
  );

  app.get(
    '/api/sessions/:id',
    {
      preValidation: auth,
      preHandler: perSession,
      schema: {
        summary: 'The session: state, nodes, provisioning steps, latest result of each exercise',
        tags,
        security: bearerSecurity,
        params: SessionParams,
        response: { 200: Type.Ref('SessionSummary'), ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request) => sessionOf(request).summary(),
  );

  app.post(
    '/api/sessions/:id/exercises/:exercise/check',
    {
      config: { longRunning: true },
      preValidation: auth,
      preHandler: perSession,
      schema: {
        summary: "Check an exercise against the session's cluster",
        description:
          'The result is also kept in the check history. 409 E_CLUSTER_GONE means the cluster was deleted: recreate it with POST /api/sessions/{id}/reset. ' +
          '409 E_SESSION_BUSY: a check, exercise reset or recreate of this session is already running.',
        tags,
        security: bearerSecurity,
        params: ExerciseParams,
        response: { 200: Type.Ref('CheckResult'), ...errorResponses(401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => app.sessions.exercises.check(sessionOf(request), request.params.exercise),
  );

  app.post(
    '/api/sessions/:id/exercises/:exercise/reset',
    {
      config: { longRunning: true },
      preValidation: auth,
      preHandler: perSession,
      schema: {
        summary: "Put the cluster back to the exercise's starting state",
        description: "Runs the exercise's cleanup script, then its setup script. 409 E_SESSION_BUSY: a check, exercise reset or recreate of this session is already running.",
        tags,
        security: bearerSecurity,
        params: ExerciseParams,
        response: { 200: ExerciseReset, ...errorResponses(401, 403, 404, 409, 429, 502, 503) },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const exercise = app.sessions.exercises.find(session, request.params.exercise);
      await app.sessions.exercises.reset(session, exercise.id);
      return { exercise: exercise.id, reset: true as const };
    },
  );

  app.post(
    '/api/sessions/:id/reset',
    {
      // A recreate without a body is a plain one (the body came later, with restore).
      preValidation: [auth, async (request) => void (request.body ??= {})],
      preHandler: perSession,
      schema: {
        summary: 'Recreate the environment',
        description:
          'Deletes the cluster and provisions a new one; the steps stream on GET /api/sessions/{id}/events again. Check history is kept. ' +
          '{"restore": true} also replays the exercises the learner had passed, one step each.',
        tags,
        security: bearerSecurity,
        params: SessionParams,
        body: RecreateBody,
        response: { 202: EnvironmentReset, ...errorResponses(401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { restoring } = await app.sessions.recreate(sessionOf(request), { restore: request.body.restore === true });
      return reply.code(202).send({ state: 'provisioning' as const, restoring });
    },
  );

  app.get(
    '/api/sessions/:id/nodes/:node/views/:view',
    {
      config: { longRunning: true },
      preValidation: auth,
      preHandler: perSession,
      schema: {
        summary: "Look inside a node of the session's cluster, read-only",
        description:
          'Runs the view\'s fixed command in the node (GET /api/node-views lists them); nothing of the request reaches a command line but the choice of view and of one of the cluster\'s own nodes. ' +
          'Bounded in size and time. 404 E_NOT_FOUND: the cluster has no such node (or a control-plane view was asked of a worker). 409 E_SESSION_BUSY: another view, a check or a reset is running.',
        tags,
        security: bearerSecurity,
        params: NodeViewParams,
        response: { 200: NodeViewResult, ...errorResponses(401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const { node, view } = request.params;
      return { view, node, ...(await app.sessions.nodeView(sessionOf(request), node, view)) };
    },
  );

  app.post(
    '/api/sessions/:id/extend',
    {
      preValidation: auth,
      preHandler: perSession,
      schema: {
        summary: "Extend the lab's time limit",
        description:
          `Adds ${LIFETIME.extendMinutes} minutes (at most the limit itself) to a lab on a server with a time limit (a workshop), at most ${LIFETIME.maxExtensions} times per lab; ` +
          'the answer is the lab\'s new lifetime. 400 E_BAD_REQUEST: the server sets no time limit, or the lab has had every extension. ' +
          'The idle timeout starts again with any request, this one included.',
        tags,
        security: bearerSecurity,
        params: SessionParams,
        response: { 200: Type.Ref('Lifetime'), ...errorResponses(400, 401, 403, 404, 410, 429) },
      },
    },
    async (request) => app.sessions.extend(sessionOf(request)),
  );

  app.delete(
    '/api/sessions/:id',
    {
      config: { longRunning: true },
      preValidation: auth,
      preHandler: perSession,
      schema: {
        summary: 'End the session',
        description: 'Deletes its cluster and toolbox and closes its terminal. Ending an ended session is not an error.',
        tags,
        security: bearerSecurity,
        params: SessionParams,
        response: { 204: Type.Null({ description: 'Ended.' }), ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await app.sessions.end(sessionOf(request));
      return reply.code(204).send(null);
    },
  );
};

export default sessionRoutes;
