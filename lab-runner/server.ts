/**
 * The lab-runner process: loads the configuration (defaults, then the environment), builds the app and
 * listens. SIGINT/SIGTERM close it gracefully: terminals are closed, provisioning stops, warm pool clusters are
 * deleted, and the clusters of live sessions are kept for the next start.
 *
 *   node lab-runner/server.ts        (through scripts/node.sh on hosts whose Node is older than 22.12)
 */
import { formatError } from '@kubelab/kit/errors';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`${formatError(error)}\n`);
  process.exit(2);
}

const app = await buildApp({ config });

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) {
      app.log.warn('second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  });
}

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'EADDRINUSE'
      ? `Port ${config.port} is taken: stop what uses it, or set PORT to another port.`
      : code === 'EADDRNOTAVAIL'
        ? `HOST=${config.host} is not an address of this machine.`
        : undefined;
  app.log.error({ err: error }, 'could not listen');
  process.stderr.write(`error: could not listen on ${config.host}:${config.port}: ${(error as Error).message}\n${hint ? `  → ${hint}\n` : ''}`);
  await app.close().catch(() => {});
  process.exit(1);
}
