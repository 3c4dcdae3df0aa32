import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { satteri } from '@astrojs/markdown-satteri';
import { courseModules, lessonHref, type CatalogLesson } from './src/lib/catalog.ts';
import { kubelabMdastPlugin } from './src/mdx/mdast-plugin.ts';
import { lessonsDir } from './src/lib/paths.ts';

const catalogFile = fileURLToPath(new URL('./src/generated/catalog.json', import.meta.url));
if (!existsSync(catalogFile)) {
  throw new Error(
    'site/src/generated/catalog.json is missing: run `npm run catalog -w site` (node scripts/write-catalog.ts) before astro',
  );
}
const catalog = JSON.parse(readFileSync(catalogFile, 'utf8')) as CatalogLesson[];

/** Where `astro dev` sends /api (HTTP, SSE and the terminal WebSocket): a running lab-runner. */
const api = process.env['KUBELAB_API'] ?? 'http://127.0.0.1:4321';

export default defineConfig({
  site: 'http://localhost:4321',
  trailingSlash: 'ignore',
  server: { port: 4322, host: '127.0.0.1' },
  markdown: {
    processor: satteri({ mdastPlugins: [kubelabMdastPlugin({ catalog, lessonsDir })] }),
  },
  vite: {
    // Starlight imports js-yaml 4's default export; the workspace hoists js-yaml 5 (no default export) to the
    // root, so bundle it from Starlight's own copy instead of leaving the bare import to the hoisted one.
    ssr: { noExternal: ['js-yaml'] },
    environments: { prerender: { resolve: { noExternal: ['js-yaml'] } } },
    server: {
      proxy: { '/api': { target: api, changeOrigin: true, ws: true } },
      fs: { allow: ['..'] },
    },
  },
  integrations: [
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
      sidebar: [
        { label: 'Course map', link: '/' },
        ...courseModules(catalog).map((module) => ({
          label: module.name,
          items: module.lessons.map((lesson) => ({ label: lesson.page.title, link: lessonHref(lesson.slug) })),
        })),
      ],
      lastUpdated: false,
      pagination: true,
    }),
  ],
});
