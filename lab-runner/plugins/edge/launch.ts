import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashToken, tokenMatches } from '../../sessions/ids.ts';
import { bearerToken } from '../auth.ts';
import { edgeErrors } from './errors.ts';

/** Cookies live a month; the launch token changes at every start anyway, which ends them sooner. */
const COOKIE_MAX_AGE_S = 30 * 24 * 3600;

/**
 * The launch token, as Jupyter does it: starting a lab needs it, so neither a web page nor another local user
 * can start one (each lab is a root shell on a cluster). The link the server prints carries it once
 * (`/?launch=<token>`); the server answers with an HttpOnly, SameSite=Strict cookie and sends the browser to the
 * same address without it. API clients send it as a bearer token. Compared in constant time; never logged.
 */
export class LaunchGate {
  readonly #hash: string;
  readonly #secure: boolean;
  readonly #port: () => number;

  constructor(token: string, options: { secure: boolean; port: () => number }) {
    this.#hash = hashToken(token);
    this.#secure = options.secure;
    this.#port = options.port;
  }

  matches(token: string): boolean {
    return tokenMatches(token, this.#hash);
  }

  /**
   * Named per port, as cookies are shared by every port of a host (two lab servers on one machine keep theirs
   * apart); __Host- under TLS, which a browser keeps to this host, HTTPS and Path=/.
   */
  get cookieName(): string {
    return `${this.#secure ? '__Host-' : ''}kubelab-launch-${this.#port()}`;
  }

  setCookie(token: string): string {
    return `${this.cookieName}=${token}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Strict${this.#secure ? '; Secure' : ''}`;
  }

  /**
   * A GET of a launch link: sets the cookie if the token is right (a stale link from an earlier start sets
   * nothing), and redirects (303) to the same address without the token, so it leaves the address bar and the
   * history. Returns false for every other request.
   */
  handleLink(request: FastifyRequest, reply: FastifyReply): boolean {
    if (request.method !== 'GET') return false;
    const queryAt = request.url.indexOf('?');
    if (queryAt < 0) return false;
    const params = new URLSearchParams(request.url.slice(queryAt + 1));
    if (!params.has('launch')) return false;
    const given = params.get('launch') ?? '';
    params.delete('launch');
    // Only a path of this server: "//evil.example/" would make the redirect leave it.
    const path = `/${request.url.slice(0, queryAt).replace(/^[/\\]+/, '')}`;
    const rest = params.toString();
    reply.header('cache-control', 'no-store');
    if (this.matches(given)) reply.header('set-cookie', this.setCookie(given));
    else request.log.info('a launch link with a token that is not this server’s (from an earlier start?)');
    void reply.redirect(rest ? `${path}?${rest}` : path, 303);
    return true;
  }

  /** preValidation of the routes that start labs: the cookie, or `Authorization: Bearer <launch token>`. */
  require = async (request: FastifyRequest): Promise<void> => {
    const candidates = [bearerToken(request), cookie(request, this.cookieName)].filter((value): value is string => Boolean(value));
    if (candidates.length === 0) throw edgeErrors.launchRequired(false);
    if (!candidates.some((token) => this.matches(token))) throw edgeErrors.launchRequired(true);
  };
}

/** The value of cookie `name`, from the Cookie header. */
export function cookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
