import swagger from '@fastify/swagger';
import fp from 'fastify-plugin';

/** The OpenAPI document, built from the routes' schemas (served at /openapi.json by routes/meta.ts). */
export default fp(
  async function swaggerPlugin(app) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Kubelab lab-runner',
          version: '0.1.0',
          description:
            'Sessions, provisioning events, checks and the terminal of Kubelab labs. Starting a lab needs the launch token the server ' +
            'prints at start: the cookie its launch link (/?launch=<token>) sets, or "Authorization: Bearer <launch token>". ' +
            'Each session then has an id and a secret token: send it as "Authorization: Bearer <token>", or as ?token= for the event ' +
            'stream and the terminal WebSocket.',
        },
        components: {
          securitySchemes: {
            sessionToken: { type: 'http', scheme: 'bearer', description: 'The token returned by POST /api/sessions.' },
            sessionTokenQuery: { type: 'apiKey', in: 'query', name: 'token', description: 'The same token, for EventSource and WebSocket.' },
            launchToken: { type: 'http', scheme: 'bearer', description: 'The launch token the lab server printed at start (POST /api/sessions only).' },
            launchCookie: {
              type: 'apiKey',
              in: 'cookie',
              name: 'kubelab-launch-<port>',
              description: 'Set by opening the launch link (/?launch=<token>); __Host-kubelab-launch-<port> over HTTPS.',
            },
            adminToken: {
              type: 'http',
              scheme: 'bearer',
              description: "The host's admin token (/api/admin only): made at each start, kept 0600 in the data directory as admin-token; `npx kubelab session` uses it.",
            },
          },
        },
      },
      // Shared schemas keep their $id as their component name.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });
  },
  { name: 'kubelab-swagger', fastify: '5.x' },
);
