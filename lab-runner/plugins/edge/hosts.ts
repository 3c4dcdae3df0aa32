import { isIP } from 'node:net';
import { isLoopbackHost, type Config } from '../../config.ts';

/**
 * Which names this lab server answers to, and which pages may drive it. A DNS-rebinding page (attacker.example
 * resolving to 127.0.0.1) reaches the server with its own name in Host, so only the server's own names are
 * answered: the loopback names on the port it listens on, the address it listens on when that is one address,
 * and KUBELAB_PUBLIC_HOST.
 */

/** A Host header or an origin's host: the name in lower case (IPv6 in brackets) and the port, if written. */
export function splitHost(value: string): { name: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!match) return undefined;
  return { name: match[1]!.toLowerCase(), port: match[3] === undefined ? undefined : Number(match[3]) };
}

const defaultPort = (scheme: 'http' | 'https'): number => (scheme === 'https' ? 443 : 80);

const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

export class HostPolicy {
  readonly #config: Config;
  readonly #port: () => number;
  readonly #public: { name: string; port: number | undefined } | undefined;
  /** HOST itself, when it is one address (not 0.0.0.0 or ::, which mean every address). */
  readonly #listenAddress: string | undefined;

  /** `port`: the port the server listens on (the real one once it listens, so port 0 works). */
  constructor(config: Config, port: () => number) {
    this.#config = config;
    this.#port = port;
    this.#public = config.publicHost ? splitHost(config.publicHost) : undefined;
    const family = isIP(config.host);
    this.#listenAddress =
      family === 4 && config.host !== '0.0.0.0' ? config.host : family === 6 && config.host !== '::' ? `[${config.host.toLowerCase()}]` : undefined;
  }

  /** Whether a request whose Host header is `host`, arriving over `scheme`, is for this server. */
  allowsHost(host: string | undefined, scheme: 'http' | 'https'): boolean {
    const parsed = host === undefined ? undefined : splitHost(host);
    return parsed !== undefined && this.#allows(parsed.name, parsed.port ?? defaultPort(scheme));
  }

  /** Whether `origin` (an Origin header: scheme://host[:port], or "null") is one of this server's own pages. */
  allowsOrigin(origin: string): boolean {
    const match = /^(https?):\/\/([^/?#@]+)$/i.exec(origin.trim());
    if (!match) return false;
    const parsed = splitHost(match[2]!);
    return parsed !== undefined && this.#allows(parsed.name, parsed.port ?? defaultPort(match[1]!.toLowerCase() as 'http' | 'https'));
  }

  #allows(name: string, port: number): boolean {
    const listening = this.#port();
    if ((LOOPBACK_NAMES.includes(name) || name === this.#listenAddress) && port === listening) return true;
    const own = this.#public;
    if (!own || own.name !== name) return false;
    // A public name with a port is reached on that port (a reverse proxy's); without one, on the port the server
    // listens on, or on the scheme's own port in front of it.
    return own.port !== undefined ? port === own.port : port === listening || port === 80 || port === 443;
  }

  /** The address a learner opens, for messages and the launch link. */
  origin(scheme: 'http' | 'https'): string {
    const port = this.#port();
    if (this.#public) {
      const shownPort = this.#public.port ?? port;
      return `${scheme}://${this.#public.name}${shownPort === defaultPort(scheme) ? '' : `:${shownPort}`}`;
    }
    const name = isLoopbackHost(this.#config.host) ? 'localhost' : (this.#listenAddress ?? 'localhost');
    return `${scheme}://${name}${port === defaultPort(scheme) ? '' : `:${port}`}`;
  }

  /** Whether `host` (a valid Host header) is a loopback name: HSTS is never sent for those. */
  static isLoopbackName(host: string): boolean {
    const parsed = splitHost(host);
    return parsed !== undefined && (LOOPBACK_NAMES.includes(parsed.name) || /^127\./.test(parsed.name));
  }
}
