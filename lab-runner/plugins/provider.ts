import { join } from 'node:path';
import fp from 'fastify-plugin';
import { KindProvider } from '../providers/kind/provider.ts';
import type { ClusterProvider } from '../providers/provider.ts';

declare module 'fastify' {
  interface FastifyInstance {
    provider: ClusterProvider;
  }
}

export interface ProviderPluginOptions {
  /** The kind provider if not given (tests give a fake one). */
  provider?: ClusterProvider | undefined;
}

/**
 * The cluster provider: the only service that touches the container engine. The kind provider keeps each
 * cluster's kubeconfigs in <dataDir>/clusters, where `npx kubelab cluster kubeconfig` finds them too when
 * KUBELAB_DATA_DIR names the same directory, and limits every node container as the configuration says
 * (KUBELAB_NODE_MEMORY_MIB, _CPUS, _PIDS: a workshop's defaults, none for self-paced).
 */
export default fp<ProviderPluginOptions>(
  async function providerPlugin(app, options) {
    const { dataDir, nodeMemoryMiB, nodeCpus, nodePids } = app.config;
    app.decorate(
      'provider',
      options.provider ?? new KindProvider({ stateDir: join(dataDir, 'clusters'), nodeLimits: { memoryMiB: nodeMemoryMiB, cpus: nodeCpus, pids: nodePids } }),
    );
  },
  { name: 'kubelab-provider', fastify: '5.x' },
);
