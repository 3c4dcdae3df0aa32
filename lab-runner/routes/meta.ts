import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { nodeViewIds, nodeViews, type NodeView } from '../providers/node-views.ts';
import { Health, LessonList, NodeViewList } from '../schemas/api.ts';
import { startsLabsFor } from '../sessions/manager.ts';

/** Health, the OpenAPI document and the course catalog: the routes that need no session. */
const metaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    { schema: { summary: 'Is the lab server up, and how full is it', tags: ['server'], response: { 200: Health } } },
    async () => ({ status: 'ok' as const, sessions: app.sessions.liveCount(), capacity: app.config.maxSessions }),
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/api/lessons',
    {
      schema: {
        summary: 'The course, in order, and which lessons this server starts labs for',
        description: 'A workshop server does not start labs for lessons that need node access (startable: false): they are self-paced only.',
        tags: ['lessons'],
        response: { 200: LessonList },
      },
    },
    async () =>
      (await app.lessons.all()).map((lesson) => ({
        slug: lesson.slug,
        title: lesson.page.title,
        profile: lesson.profile,
        exercises: lesson.exercises.map(({ id, title }) => ({ id, title })),
        nodeAccess: lesson.page.nodeAccess === true,
        startable: startsLabsFor(app.config.profile, lesson),
      })),
  );

  app.get(
    '/api/node-views',
    {
      schema: {
        summary: 'The read-only node views a lab offers',
        description:
          "Fixed commands the lab server runs in a node of the learner's own cluster (GET /api/sessions/{id}/nodes/{node}/views/{view}): a look inside a node for a learner who has no node shell, as in a workshop.",
        tags: ['lessons'],
        response: { 200: NodeViewList },
      },
    },
    async () =>
      nodeViewIds.map((id) => {
        const view: NodeView = nodeViews[id];
        return { id, title: view.title, description: view.description, controlPlaneOnly: view.controlPlaneOnly === true };
      }),
  );
};

export default metaRoutes;
