/**
 * The lab-runner as a Fastify plugin (server.ts only listens). Layered like the Fastify demo: the HTTP edge
 * (Host, Origin, the launch token, security headers, rate limits) before anything else, external plugins
 * (OpenAPI, WebSocket), then one plugin per service (store, provider, pool, the admin token, the reaper, sessions;
 * each names what it depends on), then routes, then the site. Tests build it with buildApp() and use app.inject, or listen on port 0 for
 * real HTTP and WebSocket clients.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { loadConfig, type Config } from './config.ts';
import { installErrorHandlers } from './plugins/errors.ts';
import edgePlugin, { TIMEOUTS, type Timeouts } from './plugins/edge.ts';
import { resolveTls, type TlsMaterial } from './plugins/edge/tls.ts';
import swaggerPlugin from './plugins/external/swagger.ts';
import websocketPlugin from './plugins/external/websocket.ts';
import storePlugin from './plugins/store.ts';
import providerPlugin from './plugins/provider.ts';
import poolPlugin from './plugins/pool.ts';
import sessionsPlugin from './plugins/sessions.ts';
import notebookPlugin from './plugins/notebook.ts';
import learnerPlugin from './plugins/learner.ts';
import notebookRoutes from './routes/notebook.ts';
import reaperPlugin from './plugins/reaper.ts';
import adminPlugin from './plugins/admin.ts';
import sitePlugin from './plugins/site.ts';
import type { ClusterProvider } from './providers/provider.ts';
import type { Lessons } from './sessions/manager.ts';
import type { Store } from './store/store.ts';
import { sharedSchemas } from './schemas/api.ts';
import metaRoutes from './routes/meta.ts';
import sessionRoutes from './routes/sessions.ts';
import eventRoutes, { autoCheckRoutes } from './routes/events.ts';
import terminalRoutes from './routes/terminal.ts';
import adminRoutes from './routes/admin.ts';
import type { Clock } from './sessions/lifetime.ts';

export interface AppOptions {
  /** The configuration; loadConfig() (defaults + environment) if not given. */
  config?: Config;
  /** The cluster provider; the kind provider if not given. */
  provider?: ClusterProvider;
  /** The store; <dataDir>/lab-runner.sqlite if not given (a given store is not closed with the app). */
  store?: Store;
  /** Where sessions find lessons; the course under labs/lessons if not given. */
  lessons?: Lessons;
  /** The clock session lifetimes are measured with; the system's if not given (tests). */
  clock?: Clock;
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

    // The WebSocket plugin's own onRequest hook only marks upgrade requests (so a refused one's socket is closed
    // after its answer); the edge's hooks come next, before anything acts on a request.
    await app.register(websocketPlugin);
    await app.register(edgePlugin);
    await app.register(swaggerPlugin);

    await app.register(learnerPlugin);
    await app.register(storePlugin, { store: options.store });
    await app.register(notebookPlugin);
    await app.register(providerPlugin, { provider: options.provider });
    await app.register(poolPlugin);
    await app.register(adminPlugin);
    await app.register(reaperPlugin);
    await app.register(sessionsPlugin, { lessons: options.lessons, clock: options.clock });

    await app.register(metaRoutes);
    await app.register(sessionRoutes);
    await app.register(eventRoutes);
    await app.register(autoCheckRoutes);
    await app.register(terminalRoutes);
    await app.register(notebookRoutes);
    await app.register(adminRoutes);
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

/** Query parameters that carry secrets: the session token (event stream, terminal) and the launch token. */
const SECRET_PARAMETER = /token|launch/i;

/**
 * The URL as logged: the path, then the query as the server parsed it, with the value of every secret parameter
 * replaced. Parsing first catches what a pattern over the raw text misses: encoded names (`%74oken=`), and a
 * secret smuggled into another parameter (`?a=1;token=…`) or into a name (`?token%3D…`).
 */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return url;
  const parts: string[] = [];
  for (const [name, value] of new URLSearchParams(url.slice(queryAt + 1).split('#')[0])) {
    if (/^(token|launch)$/i.test(name)) parts.push(`${name.toLowerCase()}=[REDACTED]`);
    else if (SECRET_PARAMETER.test(name) || SECRET_PARAMETER.test(value)) parts.push('[REDACTED]');
    else parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  return `${url.slice(0, queryAt)}?${parts.join('&')}`;
}

export interface ServerExtras {
  /** `false` silences the log. */
  logger?: boolean | undefined;
  /** Where the JSON log lines go (tests). */
  logStream?: NodeJS.WritableStream | undefined;
  /** HTTPS with this certificate. */
  tls?: TlsMaterial | undefined;
  /** Other timeouts than TIMEOUTS (tests). */
  timeouts?: Partial<Timeouts> | undefined;
}

/**
 * Fastify's server options: pino logging with the session and launch tokens redacted from URLs and headers,
 * the edge's timeouts, and HTTPS when there is a certificate.
 */
export function serverOptions(config: Config, extras: ServerExtras = {}): FastifyServerOptions {
  const { logger = true, logStream, tls } = extras;
  const timeouts: Timeouts = { ...TIMEOUTS, ...extras.timeouts };
  // Node's own: the headers' deadline, and how often it looks for requests past it.
  const node = { headersTimeout: timeouts.headersTimeout, connectionsCheckingInterval: timeouts.connectionsCheckingInterval };
  return {
    ...(tls ? { https: { cert: tls.cert, key: tls.key, ...node } } : { http: node }),
    connectionTimeout: timeouts.connectionTimeout,
    requestTimeout: timeouts.requestTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeout,
    maxRequestsPerSocket: timeouts.maxRequestsPerSocket,
    // Each plugin's start and onReady hook, Fastify's default 10 s included: restoring the labs and the warm pool
    // asks Docker for every cluster, and on a host busy with other clusters (a load average near 90 in a full test
    // run) that took longer than 10 s, so a restarted lab server refused to start.
    pluginTimeout: 120_000,
    logger: logger
      ? {
          level: config.logLevel,
          ...(logStream ? { stream: logStream } : {}),
          redact: { paths: ['req.headers.authorization', 'headers.authorization', 'req.headers.cookie', 'headers.cookie'], censor: '[REDACTED]' },
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

declare module 'fastify' {
  interface FastifyInstance {
    /** The certificate the server speaks HTTPS with (buildApp's), or null for plain HTTP. */
    tlsCertificate: TlsMaterial | null;
  }
}

/**
 * Builds a ready-to-listen lab-runner. `logger: false` silences it; `logStream` sends the JSON log lines elsewhere
 * (tests). It speaks HTTPS when a certificate is configured, or found in the data directory for a server other
 * machines reach; such a server without one is refused (E_TLS_REQUIRED) unless insecure is set. Rejects with
 * E_SERVER_RUNNING when another server holds the data directory.
 */
export async function buildApp(options: AppOptions & Omit<ServerExtras, 'tls'> = {}): Promise<FastifyInstance> {
  const config = options.config ?? loadConfig();
  const tls = resolveTls(config);
  const { logger, logStream, timeouts, ...appOptions } = options;
  const app = Fastify(serverOptions(config, { logger, logStream, tls, timeouts })).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('tlsCertificate', tls ?? null);
  try {
    await app.register(kubelabApp, { ...appOptions, config });
  } catch (error) {
    // Releases whatever the plugins that did load hold (the data directory's lock).
    await app.close().catch(() => {});
    throw error;
  }
  return app;
}
