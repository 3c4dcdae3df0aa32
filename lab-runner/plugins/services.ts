import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.ts';
import { KindProvider } from '../providers/kind/provider.ts';
import { SessionManager } from '../sessions/manager.ts';
import type { ClusterProvider } from '../providers/provider.ts';
import { WarmPool } from '../sessions/pool.ts';
import { Store } from '../store/store.ts';
import { expose } from './expose.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    store: Store;
    provider: ClusterProvider;
    pool: WarmPool;
    sessions: SessionManager;
  }
}

export interface ServicesOptions extends Record<string, unknown> {
  config: Config;
  /** Defaults to the kind provider. */
  provider?: ClusterProvider;
  /** Defaults to <dataDir>/lab-runner.sqlite. */
  store?: Store;
}

export const databaseFile = (config: Config): string => join(config.dataDir, 'lab-runner.sqlite');

/**
 * The services layer: config, store, provider, warm pool and sessions, as decorators on the app. On start it
 * restores the sessions of a previous run and fills the pool; on close it stops provisioning and disposes
 * terminals first (preClose, before the server stops accepting), then deletes the pool's clusters and closes the
 * store. Clusters of live sessions are kept: they come back after a restart.
 */
export default expose<ServicesOptions>(async function services(app, options) {
  const { config } = options;
  const store = options.store ?? new Store(databaseFile(config));
  const ownsStore = !options.store;
  const provider: ClusterProvider = options.provider ?? new KindProvider();
  const pool = new WarmPool({ provider, store, size: config.poolSize, log: app.log.child({ component: 'pool' }) });
  const sessions = new SessionManager({ store, provider, pool, maxSessions: config.maxSessions, log: app.log.child({ component: 'sessions' }) });

  app.decorate('config', config);
  app.decorate('store', store);
  app.decorate('provider', provider);
  app.decorate('pool', pool);
  app.decorate('sessions', sessions);

  app.addHook('onReady', async () => {
    await sessions.restore();
    if (config.poolSize > 0) {
      await pool.restore().catch((error: unknown) => app.log.warn({ err: error }, 'could not restore the warm pool'));
      pool.fill();
    }
  });
  app.addHook('preClose', async () => {
    await sessions.close();
  });
  app.addHook('onClose', async () => {
    await pool.close();
    if (ownsStore) store.close();
  });
}, 'kubelab-services');
