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

/** The cluster provider: the only service that touches the container engine. */
export default fp<ProviderPluginOptions>(
  async function providerPlugin(app, options) {
    app.decorate('provider', options.provider ?? new KindProvider());
  },
  { name: 'kubelab-provider', fastify: '5.x' },
);
