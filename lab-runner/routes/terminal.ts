import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { KubelabError } from '@kubelab/kit/errors';
import { sessionAuth, sessionOf } from '../plugins/auth.ts';
import { isUpgrade } from '../plugins/edge.ts';
import { errorResponses, querySecurity, SessionParams, TokenQuery } from '../schemas/api.ts';
import type { TerminalSession } from '../terminal/bridge.ts';
import { ClientOp } from '../terminal/protocol.ts';

declare module 'fastify' {
  interface FastifyRequest {
    labTerminal: TerminalSession | null;
  }
}

/**
 * The session's terminal over WebSocket (binary frames, see terminal/protocol.ts). Everything that can refuse
 * the connection (Host and Origin, token, rate limits, session state, a cluster that is gone) runs in hooks, before
 * the upgrade, so a refused client gets an ordinary HTTP error response.
 */
const terminalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.decorateRequest('labTerminal', null);
  app.route({
    method: 'GET',
    url: '/api/sessions/:id/terminal',
    preValidation: sessionAuth('query'),
    preHandler: [
      app.edge.perSession,
      app.edge.terminalUpgrades,
      async (request) => {
        if (!isUpgrade(request)) return;
        request.labTerminal = await app.sessions.terminal(sessionOf(request), request.log);
      },
    ],
    schema: {
      summary: "The session's terminal (WebSocket)",
      description:
        'Upgrade to a WebSocket; frames are binary, as in lab-runner/terminal/protocol.ts. A refused connection gets an ordinary HTTP error before the upgrade: ' +
        '401/403/404, 403 E_BAD_ORIGIN for a page of another site, 409 when the session is not ready or its cluster is gone, 429 E_RATE_LIMITED past the upgrades a session may make in a minute.',
      tags: ['sessions'],
      security: querySecurity,
      params: SessionParams,
      querystring: TokenQuery,
      response: {
        101: { description: 'Switching to the WebSocket protocol.', type: 'null' },
        ...errorResponses(401, 403, 404, 409, 426, 429, 502, 503),
      },
    },
    handler: async () => {
      throw new KubelabError('E_UPGRADE_REQUIRED', 'the terminal is a WebSocket endpoint', {
        hint: 'Connect with a WebSocket client (new WebSocket(url)), with the session token as ?token=.',
      });
    },
    wsHandler: (socket, request) => {
      const session = sessionOf(request);
      // Keystrokes are the learner's activity (resizes and acks are the browser's): the idle timeout starts again.
      socket.on('message', (data: unknown) => {
        if (firstByte(data) === ClientOp.input) session.touch();
      });
      request.labTerminal!.attach(socket);
    },
  });
};

/** The opcode of a WebSocket message (a Buffer, an ArrayBuffer or fragments), or undefined for an empty one. */
function firstByte(data: unknown): number | undefined {
  if (Array.isArray(data)) return firstByte(data[0]);
  if (data instanceof ArrayBuffer) return data.byteLength > 0 ? new Uint8Array(data)[0] : undefined;
  return data instanceof Uint8Array ? data[0] : undefined;
}

export default terminalRoutes;
