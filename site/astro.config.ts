import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'astro/config';
import type { AstroIntegration } from 'astro';
import starlight from '@astrojs/starlight';
import { satteri } from '@astrojs/markdown-satteri';
import { courseModules, lessonHref, type CatalogLesson } from './src/lib/catalog.ts';
import { kubelabMdastPlugin } from './src/mdx/mdast-plugin.ts';
import { lessonsDir } from './src/lib/paths.ts';
import { dataDirOf, launchTokenFile } from '@kubelab/kit/paths';

const siteRoot = fileURLToPath(new URL('./', import.meta.url));
const catalogFile = fileURLToPath(new URL('./src/generated/catalog.json', import.meta.url));
const writeCatalog = fileURLToPath(new URL('./scripts/write-catalog.ts', import.meta.url));

let lastRead: { mtimeMs: number; lessons: CatalogLesson[] } | undefined;

/** The catalog as scripts/write-catalog.ts last wrote it; read again whenever the file has changed. */
function readCatalog(): CatalogLesson[] {
  if (!existsSync(catalogFile)) {
    throw new Error('site/src/generated/catalog.json is missing: run `npm run catalog -w site` (node scripts/write-catalog.ts) before astro');
  }
  const { mtimeMs } = statSync(catalogFile);
  if (lastRead?.mtimeMs !== mtimeMs) lastRead = { mtimeMs, lessons: JSON.parse(readFileSync(catalogFile, 'utf8')) as CatalogLesson[] };
  return lastRead.lessons;
}

/** The sidebar: the course map, module by module. */
function sidebarOf(lessons: readonly CatalogLesson[]) {
  return courseModules(lessons).map((module) => ({
    label: module.name,
    items: module.lessons.map((lesson) => ({ label: lesson.page.title, link: lessonHref(lesson.slug) })),
  }));
}

const sidebar = sidebarOf(readCatalog());

/**
 * The dev loop for authors: while `astro dev` runs, a change under labs/lessons (an exercise's hints, a new
 * exercise file, a page's frontmatter) reruns write-catalog.ts in a child process, so lesson check code never
 * enters Vite. A new catalog.json reloads the open page (lib/lesson.ts imports it, and Astro reloads the browser
 * when a server-only module changes), and the mdast plugin reads it afresh. A broken lesson shows its error in
 * the browser's overlay and in the terminal, and the last good catalog stays.
 *
 * The sidebar (Starlight's previous/next links) is computed once per start. The dev server is not restarted
 * when it changes: Astro 7.3's in-place restart leaves the content layer on the old file watcher, after which
 * no page's frontmatter reloads any more (the bug of withastro/astro#12976, back again). A notice says so.
 */
function courseCatalogDevLoop(): AstroIntegration {
  return {
    name: 'kubelab-course-catalog',
    hooks: {
      'astro:server:setup': ({ server, logger }) => {
        if (process.env['KUBELAB_CATALOG']) return; // a fixture catalog, not one made from labs/lessons
        const root = lessonsDir.endsWith(sep) ? lessonsDir : lessonsDir + sep;
        let timer: NodeJS.Timeout | undefined;
        let running = false;
        let again = false;
        let sidebarNoticeShown = false;
        const regenerated = (code: number | null, output: string) => {
          if (code !== 0) {
            logger.error(output);
            server.environments.client.hot.send({ type: 'error', err: { message: output, stack: '' } });
            return;
          }
          logger.info(output);
          try {
            if (!sidebarNoticeShown && JSON.stringify(sidebarOf(readCatalog())) !== JSON.stringify(sidebar)) {
              sidebarNoticeShown = true;
              logger.warn('a lesson was added, removed, renamed or moved: the previous/next links follow when `npm run dev` starts again');
            }
          } catch (error) {
            // Never take the dev server down over a notice.
            logger.error(`could not compare the sidebar with the new catalog: ${error instanceof Error ? error.message : String(error)}`);
          }
        };
        const regenerate = () => {
          if (running) {
            again = true;
            return;
          }
          running = true;
          const child = spawn(process.execPath, [writeCatalog, '--readme'], { cwd: siteRoot, stdio: ['ignore', 'pipe', 'pipe'] });
          let output = '';
          child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
          child.on('error', (error) => (output += `could not run write-catalog.ts: ${error.message}`));
          child.on('close', (code) => {
            running = false;
            regenerated(code, output.trim());
            if (again) {
              again = false;
              regenerate();
            }
          });
        };
        server.watcher.add(lessonsDir);
        server.watcher.on('all', (event, path) => {
          if (!path.startsWith(root)) return;
          if (!/\.(ts|mdx)$/.test(path) && event !== 'addDir' && event !== 'unlinkDir') return;
          clearTimeout(timer);
          timer = setTimeout(regenerate, 150);
        });
        server.httpServer?.once('close', () => clearTimeout(timer));
      },
    },
  };
}

/** Where `astro dev` sends /api (HTTP, SSE and the terminal WebSocket): a running lab-runner. */
const api = process.env['KUBELAB_API'] ?? 'http://127.0.0.1:4321';

/**
 * The dev page (port 4322) talks to the lab-runner through this proxy, so to the lab-runner it is another origin,
 * and it has no launch cookie. The proxy speaks for the author: it sends the lab-runner's own origin, and, to start
 * a lab, the launch token the running lab-runner keeps in its data directory (0600, readable by this user only;
 * KUBELAB_DATA_DIR as for that server).
 */
function asTheLabRunner(proxy: { on(event: string, listener: (request: ProxyRequest, incoming: { method?: string; url?: string }) => void): void }): void {
  const origin = new URL(api).origin;
  proxy.on('proxyReq', (request, incoming) => {
    if (request.getHeader('origin') !== undefined) request.setHeader('origin', origin);
    if (incoming.method === 'POST' && incoming.url?.split('?')[0] === '/api/sessions' && request.getHeader('authorization') === undefined) {
      const file = launchTokenFile(dataDirOf());
      if (existsSync(file)) request.setHeader('authorization', `Bearer ${readFileSync(file, 'utf8').trim()}`);
    }
  });
  proxy.on('proxyReqWs', (request) => {
    request.setHeader('origin', origin);
  });
}

interface ProxyRequest {
  getHeader(name: string): unknown;
  setHeader(name: string, value: string): void;
}

export default defineConfig({
  site: 'http://localhost:4321',
  trailingSlash: 'ignore',
  server: { port: 4322, host: '127.0.0.1' },
  markdown: {
    processor: satteri({ mdastPlugins: [kubelabMdastPlugin({ catalog: readCatalog, lessonsDir })] }),
  },
  vite: {
    // Starlight imports js-yaml 4's default export; the workspace hoists js-yaml 5 (no default export) to the
    // root, so bundle it from Starlight's own copy instead of leaving the bare import to the hoisted one.
    ssr: { noExternal: ['js-yaml'] },
    environments: { prerender: { resolve: { noExternal: ['js-yaml'] } } },
    server: {
      proxy: { '/api': { target: api, changeOrigin: true, ws: true, configure: asTheLabRunner } },
      fs: { allow: ['..'] },
    },
  },
  integrations: [
    courseCatalogDevLoop(),
    starlight({
      title: 'Kubelab',
      description: 'An open-source interactive Kubernetes course: every lesson has a real terminal on your own kind cluster.',
      customCss: ['./src/styles/kubelab.css'],
      markdown: { processedDirs: [lessonsDir] },
      routeMiddleware: './src/lib/route-middleware.ts',
      components: {
        TwoColumnContent: './src/components/TwoColumnContent.astro',
        PageTitle: './src/components/PageTitle.astro',
      },
      sidebar: [{ label: 'Course map', link: '/' }, ...sidebar],
      lastUpdated: false,
      pagination: true,
    }),
  ],
});
