import { rmSync, writeFileSync } from 'node:fs';
import { Server as TlsServer } from 'node:tls';
import { launchTokenFile } from '@kubelab/kit/paths';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isLoopbackHost, siteIsBuilt } from '../config.ts';
import { sessionOf } from './auth.ts';
import { contentSecurityPolicy, inlineScriptHashes } from './edge/csp.ts';
import { edgeErrors } from './edge/errors.ts';
import { HostPolicy } from './edge/hosts.ts';
import { LaunchGate } from './edge/launch.ts';

declare module 'fastify' {
  interface FastifyInstance {
    edge: Edge;
  }
  interface FastifyContextConfig {
    /**
     * The route's work may outlast the idle-socket timeout (a check, an exercise reset, the event stream): its
     * socket's timeout is lifted once the request is authenticated and valid. Its own timeouts bound it.
     */
    longRunning?: boolean;
  }
}

/**
 * The limits, per minute unless said otherwise. None bothers a learner, whose page polls nothing: a lesson page
 * loads about 40 files, a Check is a button press, the terminal reconnects with backoff (at most about 10 times
 * a minute while the network is down), and the event stream is one connection per tab. The end-to-end suite and
 * the integration tests, which drive the API faster than any person, stay well inside them.
 */
export const LIMITS = {
  /** Every request of one client address (IPv6 by /64): 20 a second, sustained, or 30 page loads a minute. */
  perAddress: { max: 1200, timeWindow: 60_000 },
  /** Starting labs (each makes a cluster), per client address: a room behind one NAT still starts 30 a minute. */
  createsPerAddress: { max: 30, timeWindow: 60_000 },
  /** Requests one lab session makes once authenticated: 4 a second, sustained. */
  perSession: { max: 240, timeWindow: 60_000 },
  /** Terminal WebSocket upgrades of one session. */
  upgradesPerSession: { max: 30, timeWindow: 60_000 },
  /** Event streams one session may hold open at once (one per tab). */
  streamsPerSession: 4,
} as const;

/**
 * Timeouts of the HTTP server. The idle timeout does not reach the terminal (Node lifts it at the WebSocket
 * upgrade) and is lifted by the routes marked longRunning (the event stream, which sends a keepalive every 15 s,
 * checks and exercise resets, which their own timeouts bound); the request timeouts bound only the receipt of a
 * request, never a response, so they reach neither.
 */
export const TIMEOUTS = {
  /** A socket idle this long (nothing sent either way) is closed: a client that stopped reading. */
  connectionTimeout: 60_000,
  /** The whole request (headers and body; bodies here are a few bytes) must arrive within this. */
  requestTimeout: 30_000,
  /** Headers must arrive within this (slowloris). Node checks every connectionsCheckingInterval. */
  headersTimeout: 10_000,
  connectionsCheckingInterval: 5_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeout: 10_000,
  /** Requests one keep-alive connection may carry before it is closed (a browser opens another). */
  maxRequestsPerSocket: 1000,
} as const;

export type Timeouts = Record<keyof typeof TIMEOUTS, number>;

export interface Edge {
  hosts: HostPolicy;
  launch: LaunchGate;
  /** Whether the server speaks HTTPS. */
  secure: boolean;
  /** The address learners open (http(s)://localhost:4321, or the public name): for messages and the launch link. */
  origin(): string;
  /** preHandler of session routes: a session's own requests per minute. */
  perSession(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** preHandler of the terminal: WebSocket upgrades per session per minute. */
  terminalUpgrades(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export function isUpgrade(request: FastifyRequest): boolean {
  return String(request.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/**
 * The HTTP edge, registered before any route: every request (the site's files included) is checked for its Host,
 * then, if it changes something or opens a WebSocket, for its Origin; it gets the security headers; and a launch
 * link sets the launch cookie. Rate limits per client address apply to every route, and per session to the
 * session routes.
 */
export default fp(
  async function edgePlugin(app: FastifyInstance) {
    const { config } = app;
    const secure = app.server instanceof TlsServer;
    const scheme = secure ? 'https' : 'http';
    const port = (): number => {
      const address = app.server.address();
      return address && typeof address === 'object' ? address.port : config.port;
    };
    const hosts = new HostPolicy(config, port);
    const launch = new LaunchGate(config.launchToken, { secure, port });
    const scriptHashes = siteIsBuilt(config) ? inlineScriptHashes(config.siteDir) : [];

    if (!secure && !isLoopbackHost(config.host)) {
      app.log.warn(
        `INSECURE: HOST=${config.host} lets other machines reach this lab server over plain HTTP (--insecure): anyone on the network can read ` +
          'session tokens and every keystroke. Use it only on a network you trust; `npx kubelab tls` makes a certificate.',
      );
    }
    if (!isLoopbackHost(config.host) && !config.publicHost) {
      app.log.warn('KUBELAB_PUBLIC_HOST is not set: only requests for localhost are answered, so learners on other machines get 421 E_BAD_HOST. Set it to the name or address they open.');
    }

    app.addHook('onRequest', async (request, reply) => {
      const host = request.headers.host;
      const hostAllowed = hosts.allowsHost(host, scheme);
      reply.headers({
        'content-security-policy': contentSecurityPolicy(scriptHashes, hostAllowed ? `${secure ? 'wss' : 'ws'}://${host}` : undefined),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        ...(request.url.startsWith('/api/') ? { 'cache-control': 'no-store' } : {}),
        // Not for loopback names: HSTS would hold for every port of localhost, other local servers included.
        ...(secure && hostAllowed && !HostPolicy.isLoopbackName(host!) ? { 'strict-transport-security': 'max-age=31536000' } : {}),
      });
      if (!hostAllowed) throw edgeErrors.badHost(host, hosts.origin(scheme));
      // Browsers send Origin with every WebSocket handshake and every request that is not a GET or HEAD (fetch
      // and forms alike), so a page of another site can neither open a terminal nor change anything without
      // saying where it comes from. A request without Origin comes from a client that is not a browser (curl,
      // the tests, the bench): it holds no learner's ambient credentials (cookies), only what it sends itself.
      const origin = request.headers.origin;
      if (origin !== undefined && (isUpgrade(request) || !SAFE_METHODS.has(request.method)) && !hosts.allowsOrigin(origin)) {
        throw edgeErrors.badOrigin(origin, hosts.origin(scheme));
      }
      if (launch.handleLink(request, reply)) return reply;
    });

    app.addHook('preHandler', async (request) => {
      if (request.routeOptions.config.longRunning) request.raw.socket?.setTimeout?.(0);
    });

    await app.register(rateLimit, {
      global: true,
      ...LIMITS.perAddress,
      errorResponseBuilder: (_request, context) => edgeErrors.rateLimited(Math.ceil(context.ttl / 1000), 'requests from this address in a minute'),
    });

    const limiter = (limit: { max: number; timeWindow: number }, what: string, counts: (request: FastifyRequest) => boolean = () => true) => {
      const check = app.createRateLimit({ ...limit, keyGenerator: (request) => sessionOf(request).id });
      return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
        if (!counts(request)) return;
        const result = await check(request);
        if (result.isAllowed || !result.isExceeded) return;
        reply.header('retry-after', String(result.ttlInSeconds));
        throw edgeErrors.rateLimited(result.ttlInSeconds, what);
      };
    };

    // The token, where only this user can read it, for the author's dev server (site/astro.config.ts) to start
    // labs through; gone when this server stops, as the token itself is.
    // A server refused by the data directory's lock never listens, so it never touches the running one's file.
    const tokenFile = launchTokenFile(config.dataDir);
    let wroteTokenFile = false;
    app.addHook('onListen', async () => {
      writeFileSync(tokenFile, `${config.launchToken}\n`, { mode: 0o600 });
      wroteTokenFile = true;
    });
    app.addHook('onClose', async () => {
      if (wroteTokenFile) rmSync(tokenFile, { force: true });
    });

    app.decorate('edge', {
      hosts,
      launch,
      secure,
      origin: () => hosts.origin(scheme),
      perSession: limiter(LIMITS.perSession, 'requests for this lab session in a minute'),
      terminalUpgrades: limiter(LIMITS.upgradesPerSession, 'terminal connections for this lab session in a minute', isUpgrade),
    } satisfies Edge);
  },
  { name: 'kubelab-edge', fastify: '5.x' },
);
