/**
 * Writes site/src/generated/catalog.json: what the site knows about the course (lessons, their cluster
 * profile and exercises with titles, hints and reference solutions), from labs' publicCatalog(). Run it with
 * Node 24 before `astro dev` and `astro build`; it keeps the lab check code out of the browser bundle. While
 * `astro dev` runs, astro.config.ts reruns it on every change under labs/lessons. The file is rewritten only
 * when its content changes, so an edit to check code alone does not restart the dev server.
 *
 *   node scripts/write-catalog.ts            # from labs/lessons
 *   node scripts/write-catalog.ts --readme   # and the README's course table (what `npm run dev` runs)
 *   KUBELAB_CATALOG=fixture.json node scripts/write-catalog.ts   # from a JSON file (fixture sites, tests)
 *
 * `--readme` is for the author's loop only: a build never rewrites the README, so its test still catches a table
 * that nobody refreshed.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = fileURLToPath(new URL('../src/generated/catalog.json', import.meta.url));

async function load(): Promise<unknown[]> {
  const from = process.env['KUBELAB_CATALOG'];
  if (from) {
    try {
      return JSON.parse(readFileSync(from, 'utf8')) as unknown[];
    } catch (error) {
      throw new Error(`could not read the catalog from KUBELAB_CATALOG=${from}`, { cause: error });
    }
  }
  const { publicCatalog } = await import('@kubelab/labs/catalog');
  return publicCatalog();
}

try {
  const catalog = await load();
  if (!Array.isArray(catalog)) throw new Error('the catalog is not a list of lessons');
  const text = `${JSON.stringify(catalog, null, 2)}\n`;
  const exercises = catalog.reduce((n: number, lesson) => n + ((lesson as { exercises?: unknown[] }).exercises?.length ?? 0), 0);
  const counts = `${catalog.length} lesson(s) and ${exercises} exercise(s)`;
  if (existsSync(out) && readFileSync(out, 'utf8') === text) {
    console.log(`kubelab site: the course catalog is up to date (${counts})`);
  } else {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, out);
    console.log(`kubelab site: wrote ${counts} to src/generated/catalog.json`);
  }
  if (process.argv.includes('--readme') && !process.env['KUBELAB_CATALOG']) {
    const { refreshReadmeCourseTable } = await import('@kubelab/labs/course-table');
    if ((await refreshReadmeCourseTable()) === 'updated') console.log("kubelab site: updated the course table in the repository's README.md");
  }
} catch (error) {
  console.error(`kubelab site: could not write the course catalog: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof Error && error.cause) console.error(error.cause);
  process.exit(1);
}
