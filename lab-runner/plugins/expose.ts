import type { FastifyPluginAsync } from 'fastify';

/**
 * Marks a plugin as not encapsulated, so the decorators and hooks it adds belong to the instance that registers
 * it (what the fastify-plugin module does; see "Handle the scope" in Fastify's plugin docs). Used for the service
 * and external layers, whose decorators the routes need.
 */
export function expose<Options extends Record<string, unknown>>(plugin: FastifyPluginAsync<Options>, name: string): FastifyPluginAsync<Options> {
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: name,
  });
  return plugin;
}
