import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { siteIsBuilt } from '../config.ts';

/**
 * The built course site at /, or a page at / saying it is not built yet and how to build it. Registered last: its
 * wildcard route yields to every API route.
 */
const sitePlugin: FastifyPluginAsync = async (app) => {
  const { config } = app;
  if (siteIsBuilt(config)) {
    await app.register(fastifyStatic, { root: config.siteDir, prefix: '/' });
    app.log.info({ siteDir: config.siteDir }, 'serving the course site');
    return;
  }
  app.log.info({ siteDir: config.siteDir }, 'the course site is not built; / explains how to build it');
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><meta charset="utf-8"><title>Kubelab</title>' +
          '<h1>Kubelab lab-runner</h1>' +
          `<p>The lab server is running, but the course site is not built: there is no <code>${escapeHtml(config.siteDir)}/index.html</code>.</p>` +
          '<p>Build it with <code>npm run build --workspace site</code>, then reload this page ' +
          '(or point <code>KUBELAB_SITE_DIR</code> at a built site).</p>' +
          '<p>The API is at <a href="/openapi.json">/openapi.json</a>; <a href="/healthz">/healthz</a> says how many labs run.</p>',
      ),
  );
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export default sitePlugin;
