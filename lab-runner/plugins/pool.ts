import fp from 'fastify-plugin';
import { WarmPool } from '../sessions/pool.ts';

declare module 'fastify' {
  interface FastifyInstance {
    pool: WarmPool;
  }
}

/**
 * The warm pool. It adopts what this server's previous run left (the store's lock makes those rows ours) and
 * starts filling once the app is ready; on close it deletes its clusters, before the store closes. It also says
 * which access mode this server's clusters get (learner for a workshop, admin for self-paced).
 */
export default fp(
  async function poolPlugin(app) {
    const pool = new WarmPool({
      provider: app.provider,
      store: app.store,
      size: app.config.poolSize,
      log: app.log.child({ component: 'pool' }),
      // A workshop's learner is not cluster-admin: every cluster this server makes, warm or not, is learner-mode.
      access: app.config.profile === 'workshop' ? 'learner' : 'admin',
    });
    app.decorate('pool', pool);
    app.addHook('onReady', async () => {
      if (pool.size === 0) return;
      await pool.restore().catch((error: unknown) => app.log.warn({ err: error }, 'could not restore the warm pool'));
      pool.fill();
    });
    // Before the sessions' preClose, which stops the labs still starting.
    app.addHook('preClose', async () => {
      pool.stop();
    });
    app.addHook('onClose', async () => {
      await pool.close();
    });
  },
  { name: 'kubelab-pool', fastify: '5.x', dependencies: ['kubelab-store', 'kubelab-provider'] },
);
