/**
 * The lab-runner process: loads the configuration (defaults, then the environment), builds the app and
 * listens. A signal closes it gracefully (close-with-grace, as the Fastify demo does): terminals are closed,
 * provisioning stops, warm pool clusters are deleted, the data directory's lock is released, and the clusters of
 * live sessions are kept for the next start. A second signal, or a close that hangs, exits at once.
 *
 *   node lab-runner/server.ts        (through scripts/node.sh on hosts whose Node is older than 22.12)
 */
import closeWithGrace from 'close-with-grace';
import { KubelabError } from '@kubelab/kit/errors';
import { runMain } from '@kubelab/kit/main';
import { buildApp } from './app.ts';
import { loadConfig, type Config } from './config.ts';

/** Deleting the warm clusters takes a few seconds each on a busy host; past this, exit anyway. */
const CLOSE_GRACE_MS = 60_000;

async function main(): Promise<void> {
  const config = loadConfig();
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

await runMain(main);
// A server that did not start must not let an importer (scripts/start.ts) go on as if it had.
if (process.exitCode) process.exit();
