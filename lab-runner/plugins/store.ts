import { join } from 'node:path';
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { DataDirLock } from '../store/lock.ts';
import { Store } from '../store/store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    store: Store;
  }
}

export interface StorePluginOptions {
  /** A store the caller opened (and closes); <dataDir>/lab-runner.sqlite otherwise. */
  store?: Store | undefined;
}

export const databaseFile = (config: Config): string => join(config.dataDir, 'lab-runner.sqlite');

/**
 * The store, behind the data directory's lock: a second server on the same directory fails here, before it
 * opens the database or touches a cluster. Registered first, so it closes last, after the pool has deleted its
 * clusters.
 */
export default fp<StorePluginOptions>(
  async function storePlugin(app, options) {
    const lock = DataDirLock.acquire(app.config.dataDir, app.config.port);
    let store: Store;
    try {
      store = options.store ?? new Store(databaseFile(app.config));
    } catch (error) {
      lock.release();
      throw error;
    }
    app.decorate('store', store);
    app.addHook('onListen', async () => {
      const address = app.server.address();
      if (address && typeof address === 'object') lock.setPort(address.port);
    });
    app.addHook('onClose', async () => {
      try {
        if (!options.store) store.close();
      } finally {
        lock.release();
      }
    });
  },
  { name: 'kubelab-store', fastify: '5.x' },
);
