import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Health, LessonList } from '../schemas/api.ts';

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
    { schema: { summary: 'The lessons this server can start labs for, in course order', tags: ['lessons'], response: { 200: LessonList } } },
    async () =>
      (await app.lessons.all()).map((lesson) => ({
        slug: lesson.slug,
        title: lesson.page.title,
        profile: lesson.profile,
        exercises: lesson.exercises.map(({ id, title }) => ({ id, title })),
      })),
  );
};

export default metaRoutes;
