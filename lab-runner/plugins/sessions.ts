import fp from 'fastify-plugin';
import type { Clock } from '../sessions/lifetime.ts';
import { courseLessons, SessionManager, type Lessons } from '../sessions/manager.ts';

declare module 'fastify' {
  interface FastifyInstance {
    lessons: Lessons;
    sessions: SessionManager;
  }
}

export interface SessionsPluginOptions {
  /** The course under labs/lessons if not given. */
  lessons?: Lessons | undefined;
  /** The clock session lifetimes are measured with; the system's if not given (tests give their own). */
  clock?: Clock | undefined;
}

/**
 * Learner sessions. On ready they restore the labs of the previous run; on close (preClose,
 * before the server stops accepting) provisioning stops, terminals close and event streams end. Clusters of live
 * sessions are kept: they come back after a restart. The server's profile and limits decide which lessons start
 * and how long labs live (plugins/reaper.ts ends them).
 */
export default fp<SessionsPluginOptions>(
  async function sessionsPlugin(app, options) {
    const lessons = options.lessons ?? courseLessons;
    const sessions = new SessionManager({
      store: app.store,
      provider: app.provider,
      pool: app.pool,
      maxSessions: app.config.maxSessions,
      log: app.log.child({ component: 'sessions' }),
      lessons,
      serverProfile: app.config.profile,
      limits: app.config,
      notebook: app.notebook,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    app.decorate('lessons', lessons);
    app.decorate('sessions', sessions);
    app.addHook('onReady', async () => {
      await sessions.restore();
    });
    app.addHook('preClose', async () => {
      await sessions.close();
    });
  },
  { name: 'kubelab-sessions', fastify: '5.x', dependencies: ['kubelab-store', 'kubelab-notebook', 'kubelab-provider', 'kubelab-pool'] },
);
