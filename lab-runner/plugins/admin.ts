import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { KubelabError } from '@kubelab/kit/errors';
import { hashToken, newToken, tokenMatches } from '../sessions/ids.ts';
import { bearerToken } from './auth.ts';
import { withStatus } from './errors.ts';

/** Where the running server keeps its admin token: 0600 in the data directory, gone when it stops. */
export const adminTokenFile = (dataDir: string): string => join(dataDir, 'admin-token');

declare module 'fastify' {
  interface FastifyInstance {
    admin: AdminGate;
  }
}

export interface AdminGate {
  /** preValidation of the admin routes: `Authorization: Bearer <admin token>`, compared in constant time. */
  require(request: FastifyRequest): Promise<void>;
}

const adminHint =
  'Admin routes are for the host of this lab server: `npx kubelab session list|end` (with KUBELAB_DATA_DIR set to its data directory) ' +
  'sends the admin token, which the server writes to <data dir>/admin-token at each start.';

/**
 * The host's credential: a token made at each start (never configured, never printed, never logged), kept where
 * only the server's user can read it, so `npx kubelab session` run by that user can list and end labs. A learner's
 * session token and the launch token are not it.
 */
export default fp(
  async function adminPlugin(app) {
    const token = newToken();
    const hash = hashToken(token);
    const file = adminTokenFile(app.config.dataDir);
    let wrote = false;
    // Like the launch token's file: a server refused by the data directory's lock never listens, so it never
    // touches the running one's.
    app.addHook('onListen', async () => {
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
      wrote = true;
    });
    app.addHook('onClose', async () => {
      if (wrote) rmSync(file, { force: true });
    });
    app.decorate('admin', {
      require: async (request: FastifyRequest) => {
        const given = bearerToken(request);
        if (!given) throw withStatus(new KubelabError('E_ADMIN_TOKEN', 'this route needs the admin token', { hint: adminHint }), 401);
        if (!tokenMatches(given, hash)) throw withStatus(new KubelabError('E_ADMIN_TOKEN', 'that is not this lab server’s admin token', { hint: adminHint }), 403);
      },
    } satisfies AdminGate);
  },
  { name: 'kubelab-admin', fastify: '5.x', dependencies: ['kubelab-store'] },
);
