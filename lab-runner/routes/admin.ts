import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { adminSecurity, AdminSessionList, errorResponses, SessionParams } from '../schemas/api.ts';

/**
 * The host's routes: every lab that has not ended (with its cluster, its learner's last activity and when it
 * expires), and ending one. They need the admin token (401/403 E_ADMIN_TOKEN otherwise); `npx kubelab session
 * list|end` is their client. A learner's requests never reach them, and using them is not a learner's activity.
 */
const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['admin'];

  app.get(
    '/api/admin/sessions',
    {
      preValidation: app.admin.require,
      schema: {
        summary: 'Every lab that has not ended (for the host)',
        tags,
        security: adminSecurity,
        response: { 200: AdminSessionList, ...errorResponses(401, 403, 429) },
      },
    },
    async () => ({ profile: app.config.profile, capacity: app.config.maxSessions, sessions: await app.sessions.adminList() }),
  );

  app.delete(
    '/api/admin/sessions/:id',
    {
      config: { longRunning: true },
      preValidation: app.admin.require,
      schema: {
        summary: 'End a lab (for the host)',
        description:
          'Deletes its cluster and closes its terminal; its learner is told the host ended it (E_SESSION_EXPIRED), and its check history is kept. ' +
          'Ending an ended session is not an error; an unknown id is 404 E_SESSION_NOT_FOUND.',
        tags,
        security: adminSecurity,
        params: SessionParams,
        response: { 204: Type.Null({ description: 'Ended.' }), ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await app.sessions.endByHost(request.params.id);
      return reply.code(204).send(null);
    },
  );
};

export default adminRoutes;
