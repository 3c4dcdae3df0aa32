import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCheck, type CheckContext } from '@kubelab/checkers';
import { loadLessons } from '@kubelab/labs/catalog';
import { parseCoverage } from '@kubelab/labs/coverage';
import { KubelabError } from '@kubelab/kit/errors';
import { newExercise, newLesson } from '../cli/scaffold.ts';

// Scaffolding into a throwaway lessons folder, then loading it through the catalog as the lab-runner would.
// The folder sits beside a link to the repository's node_modules, so its exercises import '@kubelab/labs'.
let root: string;
let lessonsDir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kubelab-scaffold-'));
  symlinkSync(fileURLToPath(new URL('../../node_modules', import.meta.url)), join(root, 'node_modules'), 'dir');
  lessonsDir = join(root, 'lessons');
  mkdirSync(lessonsDir);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const code = (error: unknown) => (error instanceof KubelabError ? error.code : String(error));

/** A cluster where pod "web" exists: enough for the scaffolded check to get past its first criterion. */
const clusterWithWeb = { core: { readNamespacedPod: async () => ({ metadata: { name: 'web' } }) } } as unknown as CheckContext;

test('a new lesson loads through the catalog, and its check fails until the author writes it', async () => {
  const first = newLesson({ slug: 'services', cluster: 'multi', module: 'workloads' }, { lessonsDir });
  assert.equal(first.dir, '01-services');
  assert.deepEqual(first.files.slice(0, 2).map((file) => file.slice(file.indexOf('01-services'))), ['01-services/index.mdx', '01-services/exercises/first-services.ts']);
  assert.equal(first.files[2], join(root, 'COVERAGE.md'));
  const second = newLesson({ slug: 'config-maps', exercise: 'mount-it' }, { lessonsDir });
  assert.equal(second.dir, '02-config-maps');

  const lessons = await loadLessons({ lessonsDir });
  assert.deepEqual(
    lessons.map((l) => [l.slug, l.order, l.profile, l.page.module, l.exercises.map((e) => e.id)]),
    [
      ['services', 1, 'multi', 'Workloads', ['first-services']],
      ['config-maps', 2, 'single', 'Workloads', ['mount-it']],
    ],
  );
  // Each new lesson has its COVERAGE.md section, naming its first exercise, so the coverage test holds.
  assert.deepEqual(
    parseCoverage(readFileSync(join(root, 'COVERAGE.md'), 'utf8')).map((s) => [s.lesson, s.rows.map((r) => r.exercises)]),
    [
      ['services', [['first-services']]],
      ['config-maps', [['mount-it']]],
    ],
  );
  const exercise = lessons[0]!.exercises[0]!;
  const result = await runCheck(exercise.id, (signal) => exercise.check(clusterWithWeb, signal));
  assert.equal(result.passed, false);
  assert.deepEqual(result.criteria.map((c) => [c.id, c.passed]), [['exists', true], ['write-this-check', false]]);
  assert.match(result.criteria[1]!.description, /^Write this check: .*01-services\/exercises\/first-services\.ts$/);
});

test('a new exercise is one file plus one <Exercise> card at the end of the page', async () => {
  newLesson({ slug: 'services' }, { lessonsDir });
  const added = newExercise('services', 'expose-web', { lessonsDir });
  assert.equal(added.files.length, 2);
  const page = readFileSync(join(lessonsDir, '01-services', 'index.mdx'), 'utf8');
  assert.match(page, /<\/Exercise>\n\n<Exercise id="expose-web">\nTODO The task, in a sentence or two\.\n<\/Exercise>\n$/);
  newExercise('01-services', 'scale-it', { lessonsDir });
  const [lesson] = await loadLessons({ lessonsDir });
  assert.deepEqual(lesson!.exercises.map((e) => e.id), ['first-services', 'expose-web', 'scale-it']);
});

test('nothing is overwritten, and bad names are refused with what to use instead', () => {
  newLesson({ slug: 'services' }, { lessonsDir });
  assert.throws(() => newLesson({ slug: 'services' }, { lessonsDir }), (e) => code(e) === 'E_SCAFFOLD_EXISTS' && /01-services already exists/.test((e as Error).message));
  assert.throws(() => newExercise('services', 'first-services', { lessonsDir }), (e) => code(e) === 'E_SCAFFOLD_EXISTS');
  assert.throws(
    () => newLesson({ slug: 'Network Policies' }, { lessonsDir }),
    (e) => code(e) === 'E_INVALID_NAME' && /"Network Policies" is not a valid lesson slug/.test((e as Error).message) && (e as KubelabError).hint === 'For example: network-policies',
  );
  assert.throws(() => newExercise('services', '1st', { lessonsDir }), (e) => code(e) === 'E_INVALID_NAME');
  assert.throws(() => newExercise('ingress', 'expose', { lessonsDir }), (e) => code(e) === 'E_UNKNOWN_LESSON' && /Lessons: services/.test((e as KubelabError).hint ?? ''));
  assert.throws(() => newLesson({ slug: 'volumes', module: 'Stroage' }, { lessonsDir }), (e) => code(e) === 'E_USAGE' && /Modules: Foundations, Workloads, Configuration, Scheduling, Networking, Security\./.test((e as KubelabError).hint ?? ''));
  assert.throws(() => newLesson({ slug: 'storage', cluster: 'huge' }, { lessonsDir }), (e) => code(e) === 'E_UNKNOWN_PROFILE');
});
