/**
 * `npm start`: sets up what is missing, builds the course site if its sources changed, then runs the lab-runner,
 * which serves the site and the lab API on http://localhost:4321 (PORT overrides it), and prints the launch link
 * (http://localhost:4321/?launch=<token>): opening it lets that browser start labs. One warm cluster is kept ready
 * (KUBELAB_POOL_SIZE, default 1 here), so the first Start lab takes seconds, not a cluster's creation time.
 *
 *   npm start [-- --insecure]   (--insecure: a non-loopback HOST without TLS, on a network you trust)
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

// The server handles Ctrl-C itself (terminals closed, the warm cluster removed).
const { announcement, startServer } = await import('@kubelab/lab-runner/server');
let server: Awaited<ReturnType<typeof startServer>>;
try {
  server = await startServer({ argv: process.argv.slice(2) });
} catch (error) {
  process.stderr.write(`\n${formatError(error)}\n`);
  process.exit(1);
}

process.stderr.write(
  `\nKubelab is running.\n${announcement(server)}` +
    (process.env.KUBELAB_POOL_SIZE !== '0' ? 'A warm cluster is being prepared in the background, so your first lab starts quickly.\n' : '') +
    'Stop it with Ctrl-C. Labs you started keep their clusters; remove them with `npx kubelab cluster list` and `npx kubelab cluster delete <name>`.\n',
);
