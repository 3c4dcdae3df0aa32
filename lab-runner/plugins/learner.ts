import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isLoopbackHost } from '../config.ts';
import { cookie } from './edge/launch.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Whose notebook and labs this request is about: 'local' on a personal machine, else the browser's learner id. */
    learner: string;
  }
}

/** The one learner of a lab server that only its own machine can reach. */
export const LOCAL_LEARNER = 'local';

const COOKIE_MAX_AGE_S = 365 * 24 * 3600;

/**
 * Who is learning. On a personal machine (HOST a loopback address) there is one learner, implicit. On a server
 * other machines reach (a workshop), every browser gets its own learner id in an HttpOnly, SameSite=Strict cookie
 * the first time it calls the API, so the learners of one server never see each other's notebooks, progress or
 * labs. The cookie is a random secret; what the database keeps is a hash of it, so reading the database does not
 * give a learner's cookie. Named per port, as the launch cookie is, and __Host- under TLS.
 */
export default fp(
  async function learnerPlugin(app) {
    const personal = isLoopbackHost(app.config.host);
    app.decorateRequest('learner', LOCAL_LEARNER);
    if (personal) return;
    const cookieName = (): string => {
      const address = app.server.address();
      const port = address && typeof address === 'object' ? address.port : app.config.port;
      return `${app.edge.secure ? '__Host-' : ''}kubelab-learner-${port}`;
    };
    app.addHook('onRequest', async (request: FastifyRequest, reply) => {
      if (!request.url.startsWith('/api/')) return;
      const name = cookieName();
      let secret = cookie(request, name);
      if (!secret || !/^[0-9a-f]{32}$/.test(secret)) {
        secret = randomBytes(16).toString('hex');
        reply.header('set-cookie', `${name}=${secret}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Strict${app.edge.secure ? '; Secure' : ''}`);
      }
      request.learner = learnerId(secret);
    });
  },
  { name: 'kubelab-learner', fastify: '5.x', dependencies: ['kubelab-edge'] },
);

/** The id a learner cookie stands for in the database. */
export const learnerId = (secret: string): string => `l-${createHash('sha256').update(secret).digest('hex').slice(0, 32)}`;
