import websocket from '@fastify/websocket';
import fp from 'fastify-plugin';
import { WS_MAX_PAYLOAD_BYTES } from '../../terminal/bridge.ts';

/** Close code for "the server is going away": the browser's terminal reconnects (with backoff) when it comes back. */
const GOING_AWAY = 1001;

export default fp(
  async function websocketPlugin(app) {
    await app.register(websocket, {
      // Above the protocol's frame limit, so the bridge can answer an oversized paste with an ERROR frame.
      options: { maxPayload: WS_MAX_PAYLOAD_BYTES },
      preClose(done) {
        for (const client of this.websocketServer.clients) client.close(GOING_AWAY, 'the lab server is restarting');
        this.websocketServer.close();
        done();
      },
    });
  },
  { name: 'kubelab-websocket', fastify: '5.x' },
);
