import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KubelabError } from '@kubelab/kit/errors';
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
 * The data directory holds token hashes, check history, the clusters' kubeconfigs and the launch token: only this
 * user may enter it. A directory someone else owns is refused rather than silently shared.
 */
function privateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { uid, mode } = statSync(dir);
  if (typeof process.getuid === 'function' && uid !== process.getuid()) {
    throw new KubelabError('E_BAD_CONFIG', `the data directory ${dir} belongs to another user (uid ${uid})`, {
      hint: 'Give this lab server a data directory of its own: KUBELAB_DATA_DIR=<a directory you own>.',
    });
  }
  if ((mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** SQLite creates its files with the process umask: make them this user's alone. */
function privateFile(path: string): void {
  if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
}

/**
 * The store, behind the data directory's lock: a second server on the same directory fails here, before it
 * opens the database or touches a cluster. Registered first, so it closes last, after the pool has deleted its
 * clusters.
 */
export default fp<StorePluginOptions>(
  async function storePlugin(app, options) {
    privateDirectory(app.config.dataDir);
    const lock = DataDirLock.acquire(app.config.dataDir, app.config.port);
    let store: Store;
    try {
      store = options.store ?? new Store(databaseFile(app.config));
      if (!options.store) for (const suffix of ['', '-wal', '-shm']) privateFile(`${databaseFile(app.config)}${suffix}`);
    } catch (error) {
      lock.release();
      throw error;
    }
    app.decorate('store', store);
    app.addHook('onListen', async () => {
      const address = app.server.address();
      if (!address || typeof address !== 'object') return;
      // What a client on this machine opens (`npx kubelab session` finds the server through the lock).
      const local = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
      const tls = app.hasDecorator('tlsCertificate') ? app.tlsCertificate : null;
      lock.setListening({ port: address.port, address: local, tlsFingerprint: tls?.fingerprint });
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
