/**
 * The lab-runner as a Fastify plugin (server.ts only listens). Layered like the Fastify demo: external plugins
 * (OpenAPI, WebSocket), then one plugin per service (store, provider, pool, sessions; each names what it depends
 * on), then routes, then the site. Tests build it with buildApp() and use app.inject, or listen on port 0 for
 * real HTTP and WebSocket clients.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { loadConfig, type Config } from './config.ts';
import { installErrorHandlers } from './plugins/errors.ts';
import swaggerPlugin from './plugins/external/swagger.ts';
import websocketPlugin from './plugins/external/websocket.ts';
import storePlugin from './plugins/store.ts';
import providerPlugin from './plugins/provider.ts';
import poolPlugin from './plugins/pool.ts';
import sessionsPlugin from './plugins/sessions.ts';
import sitePlugin from './plugins/site.ts';
import type { ClusterProvider } from './providers/provider.ts';
import type { Lessons } from './sessions/manager.ts';
import type { Store } from './store/store.ts';
import { sharedSchemas } from './schemas/api.ts';
import metaRoutes from './routes/meta.ts';
import sessionRoutes from './routes/sessions.ts';
import eventRoutes from './routes/events.ts';
import terminalRoutes from './routes/terminal.ts';

export interface AppOptions {
  /** The configuration; loadConfig() (defaults + environment) if not given. */
  config?: Config;
  /** The cluster provider; the kind provider if not given. */
  provider?: ClusterProvider;
  /** The store; <dataDir>/lab-runner.sqlite if not given (a given store is not closed with the app). */
  store?: Store;
  /** Where sessions find lessons; the course under labs/lessons if not given. */
  lessons?: Lessons;
}

/** The whole lab-runner, as a plugin. It is not encapsulated: its decorators and handlers land on the instance that registers it. */
export const kubelabApp = fp<AppOptions>(
  async function kubelabApp(app, options) {
    app.decorate('config', options.config ?? loadConfig());
    // TypeBox's validator: no type coercion of JSON bodies ({"lesson": 5} is a 400, not lesson "5").
    app.setValidatorCompiler(TypeBoxValidatorCompiler);
    installErrorHandlers(app);
    acceptEmptyJsonBodies(app);
    for (const schema of sharedSchemas) app.addSchema(schema);
    app.decorateRequest('labSession', null);

    await app.register(swaggerPlugin);
    await app.register(websocketPlugin);

    await app.register(storePlugin, { store: options.store });
    await app.register(providerPlugin, { provider: options.provider });
    await app.register(poolPlugin);
    await app.register(sessionsPlugin, { lessons: options.lessons });

    await app.register(metaRoutes);
    await app.register(sessionRoutes);
    await app.register(eventRoutes);
    await app.register(terminalRoutes);
    await app.register(sitePlugin);
  },
  { name: 'kubelab-app', fastify: '5.x' },
);

export default kubelabApp;

/**
 * POST routes without a body (check, reset) must work even when a client sends Content-Type: application/json
 * with nothing after it; Fastify's own parser (prototype-poisoning safe) handles every non-empty body.
 */
function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    parseJson(request, body as string, done);
  });
}

/** Replaces the value of `token` query parameters, so session secrets never reach the logs. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[REDACTED]');
}

/** Fastify's server options: pino logging with the session token redacted from URLs and headers. */
export function serverOptions(config: Config, logger: boolean | undefined = true, logStream?: NodeJS.WritableStream): FastifyServerOptions {
  return {
    logger: logger
      ? {
          level: config.logLevel,
          ...(logStream ? { stream: logStream } : {}),
          redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[REDACTED]' },
          serializers: {
            req: (request: { method: string; url: string; hostname?: string; ip?: string; headers?: Record<string, unknown> }) => ({
              method: request.method,
              url: redactUrl(request.url),
              host: request.hostname,
              remoteAddress: request.ip,
            }),
          },
        }
      : false,
    // Rejected upgrades and SSE streams are ordinary requests; keep-alive sockets must not hold up close().
    forceCloseConnections: 'idle',
  };
}

/**
 * Builds a ready-to-listen lab-runner. `logger: false` silences it; `logStream` sends the JSON log lines elsewhere
 * (tests). Rejects with E_SERVER_RUNNING when another server holds the data directory.
 */
export async function buildApp(options: AppOptions & { logger?: boolean; logStream?: NodeJS.WritableStream } = {}): Promise<FastifyInstance> {
  const config = options.config ?? loadConfig();
  const app = Fastify(serverOptions(config, options.logger, options.logStream)).withTypeProvider<TypeBoxTypeProvider>();
  const { logger: _logger, logStream: _logStream, ...appOptions } = options;
  try {
    await app.register(kubelabApp, { ...appOptions, config });
  } catch (error) {
    // Releases whatever the plugins that did load hold (the data directory's lock).
    await app.close().catch(() => {});
    throw error;
  }
  return app;
}
