/**
 * The lab-runner process: loads the configuration (defaults, then the environment, then --insecure), builds the
 * app and listens, then prints the launch link: the address with the launch token, which lets a browser start
 * labs. A signal closes it gracefully (close-with-grace, as the Fastify demo does): terminals are closed,
 * provisioning stops, warm pool clusters are deleted, the data directory's lock is released, and the clusters of
 * live sessions are kept for the next start. A second signal, or a close that hangs, exits at once.
 *
 *   node lab-runner/server.ts [--insecure]   (through scripts/node.sh on hosts whose Node is older than 22.12)
 *
 * scripts/start.ts (npm start) calls startServer() and prints its own welcome around the same link.
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { KubelabError } from '@kubelab/kit/errors';
import { runMain } from '@kubelab/kit/main';
import { buildApp } from './app.ts';
import { isLoopbackHost, loadConfig, type Config } from './config.ts';

/** Deleting the warm clusters takes a few seconds each on a busy host; past this, exit anyway. */
const CLOSE_GRACE_MS = 60_000;

export interface RunningServer {
  app: FastifyInstance;
  config: Config;
  /** Where learners open the course: http://localhost:4321, or the public name. */
  url: string;
  /** The same, with the launch token: opening it lets that browser start labs. */
  launchUrl: string;
}

/** `argv`: the command line's options (--insecure), process.argv's by default. */
export async function startServer(options: { argv?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<RunningServer> {
  const insecure = parseOptions(options.argv ?? process.argv.slice(2));
  const config = loadConfig(options.env ?? process.env, insecure ? { insecure } : {});
  const app = await buildApp({ config });
  closeWithGrace({ delay: CLOSE_GRACE_MS, logger: { error: (message: string) => app.log.error(message) } }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an unexpected error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close().catch(() => {});
    throw listenError(error, config);
  }
  const url = app.edge.origin();
  // The token is printed, never logged: the log may go where the terminal does not.
  return { app, config, url, launchUrl: `${url}/?launch=${config.launchToken}` };
}

/** What the server says once it listens: the launch link, and for a server others reach, how they trust it. */
export function announcement(server: RunningServer): string {
  const { config, app } = server;
  const tls = app.tlsCertificate;
  const lines = [`Open ${server.launchUrl}`];
  if (isLoopbackHost(config.host)) {
    lines.push('  That link lets a browser start labs on this machine: keep it to yourself.');
  } else {
    lines.push(`  That link lets a browser start labs (${config.profile} profile): give it to the learners in the room, and no one else.`);
    const port = (app.server.address() as AddressInfo).port;
    if (!config.publicHost) lines.push(`  Set KUBELAB_PUBLIC_HOST to the name or address learners open (and port ${port}); until then only localhost is answered.`);
  }
  if (tls) {
    lines.push(`  TLS certificate (${tls.source === 'generated' ? 'self-signed, `npx kubelab tls`' : 'KUBELAB_TLS_CERT'}) SHA-256 fingerprint:`, `    ${tls.fingerprint}`);
    if (tls.source === 'generated') lines.push('  Browsers will warn about it: learners compare that fingerprint with the one the certificate shows, then proceed.');
  } else if (!isLoopbackHost(config.host)) {
    lines.push('  WARNING: plain HTTP (--insecure): anyone on this network can read session tokens and keystrokes.');
  }
  return lines.join('\n') + '\n';
}

function parseOptions(argv: string[]): boolean {
  try {
    return parseArgs({ args: argv, options: { insecure: { type: 'boolean', default: false } }, allowPositionals: false, strict: true }).values.insecure;
  } catch (error) {
    throw new KubelabError('E_USAGE', `the lab server does not understand its arguments: ${(error as Error).message}`, {
      hint: 'Its one option is --insecure (listen on a non-loopback address without TLS); everything else is set through the environment (README, "The lab-runner").',
    });
  }
}

function listenError(error: unknown, config: Config): KubelabError {
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'EADDRINUSE'
      ? `Port ${config.port} is taken: stop what uses it, or set PORT to another port.`
      : code === 'EADDRNOTAVAIL'
        ? `HOST=${config.host} is not an address of this machine.`
        : undefined;
  return new KubelabError('E_LISTEN_FAILED', `could not listen on ${config.host}:${config.port}: ${(error as Error).message}`, { ...(hint ? { hint } : {}), cause: error });
}

if (import.meta.main) {
  await runMain(async () => {
    const server = await startServer();
    process.stderr.write(`\nKubelab lab server is listening.\n${announcement(server)}\n`);
  });
  // A server that did not start must not linger.
  if (process.exitCode) process.exit();
}
