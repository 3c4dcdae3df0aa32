import type { ClusterProvider } from '../providers/provider.ts';

const SWEEP_WINDOW_MS = 10_000;
const SWEEP_EVERY_MS = 2_000;

/**
 * Removes what an aborted provider.create() may still leave behind. Aborting kills `kind create`, but a
 * `docker run` it had already started for a node goes on and creates its container after the provider's own
 * cleanup ran (seen in the sessions integration test). So for a short while, whatever appears under this name
 * is deleted again; the final delete also removes the cluster network that such a container kept in use.
 */
export async function sweepAbortedCreate(provider: ClusterProvider, name: string): Promise<void> {
  const until = Date.now() + SWEEP_WINDOW_MS;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, SWEEP_EVERY_MS));
    if ((await provider.list()).some((cluster) => cluster.name === name)) await provider.delete(name);
  }
  await provider.delete(name);
}
