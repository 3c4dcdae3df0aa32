/**
 * `npm start`: sets up what is missing, builds the course site if its sources changed, then runs the lab-runner,
 * which serves the site and the lab API on http://localhost:4321 (PORT overrides it). One warm cluster is kept
 * ready (KUBELAB_POOL_SIZE, default 1 here), so the first Start lab takes seconds, not a cluster's creation time.
 */
import { setup } from './setup.ts';
import { formatError } from '@kubelab/kit/errors';
import { consoleStatus } from '@kubelab/kit/status';
import { ensureSiteBuilt } from './site-build.ts';

try {
  await setup();
  await ensureSiteBuilt(consoleStatus());
} catch (error) {
  process.stderr.write(`\n${formatError(error)}\n`);
  process.exit(1);
}

process.env.KUBELAB_POOL_SIZE ??= '1';
process.env.KUBELAB_LOG_LEVEL ??= 'warn';
const port = process.env.PORT ?? '4321';
const host = process.env.HOST ?? '127.0.0.1';

// The server module listens, and handles Ctrl-C itself (terminals closed, the warm cluster removed).
await import('@kubelab/lab-runner/server');

const url = `http://${host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host}:${port}`;
process.stderr.write(
  `\nKubelab is running: open ${url}\n` +
    (process.env.KUBELAB_POOL_SIZE !== '0' ? 'A warm cluster is being prepared in the background, so your first lab starts quickly.\n' : '') +
    'Stop it with Ctrl-C. Labs you started keep their clusters; remove them with `npx kubelab cluster list` and `npx kubelab cluster delete <name>`.\n',
);
