import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  catalogLessonSchema,
  exerciseSchema,
  formatIssues,
  lessonFrontmatter,
  parseLessonDir,
  slugPattern,
  type CatalogLesson,
  type Exercise,
  type Lesson,
  type LessonFrontmatter,
  type PublicLesson,
} from './schema.ts';

export type { CatalogLesson, PublicExercise, PublicLesson } from './schema.ts';

/**
 * The course, found by convention in labs/lessons:
 *
 *   NN-slug/index.mdx          the page; NN orders the course, slug names the lesson; its frontmatter says the
 *                              module and the cluster profile
 *   NN-slug/exercises/<id>.ts  one exercise each (the file name is the id), in the order of the page's
 *                              <Exercise id> cards; a card without a file, or a file without a card, is an error
 */
export const lessonsDir = fileURLToPath(new URL('../lessons/', import.meta.url));

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A path as an author finds it: relative to the repository when it is inside. */
function shown(path: string): string {
  const inRepo = relative(repoRoot, path);
  return inRepo.startsWith('..') ? path : inRepo;
}

export interface CatalogOptions {
  /** Another lessons folder (tests, scaffolding); labs/lessons by default. */
  lessonsDir?: string;
}

function readFrontmatter(file: string, text: string): LessonFrontmatter {
  const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  if (!match) throw new Error(`${shown(file)} has no frontmatter (a --- block at the top)`);
  const parsed = lessonFrontmatter.safeParse(parseYaml(match[1]!));
  if (!parsed.success) throw new Error(`${shown(file)}: invalid frontmatter:\n${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** The ids of the page's <Exercise id="…"> cards, in page order (code blocks and {/* comments *\/} left out). */
export function exerciseTags(page: string): string[] {
  const prose = page.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/\{\/\*[\s\S]*?\*\/\}/g, '');
  return [...prose.matchAll(/<Exercise\b([^>]*)>/g)].map((tag) => /\bid\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(tag[1]!)?.slice(1).find((id) => id !== undefined) ?? '');
}

async function importExercise(file: string, id: string): Promise<Exercise> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new Error(`${shown(file)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const definition = module.default;
  if (typeof definition !== 'object' || definition === null) {
    throw new Error(`${shown(file)} has no exercise: it should \`export default defineExercise({ … })\``);
  }
  const declared = (definition as { id?: unknown }).id;
  if (declared !== undefined && declared !== id) {
    throw new Error(`${shown(file)} declares id ${JSON.stringify(declared)}, but its file name makes it "${id}": drop the id, or rename the file`);
  }
  const parsed = exerciseSchema.safeParse({ ...definition, id });
  if (!parsed.success) throw new Error(`${shown(file)}: invalid exercise:\n${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

async function readLesson(root: string, dir: string, order: number, slug: string): Promise<CatalogLesson> {
  const folder = join(root, dir);
  const pageFile = join(folder, 'index.mdx');
  const exercisesDir = join(folder, 'exercises');
  if (!existsSync(pageFile)) throw new Error(`${shown(folder)} has no index.mdx (the lesson page)`);
  if (existsSync(join(folder, 'lesson.ts'))) {
    throw new Error(
      `${shown(join(folder, 'lesson.ts'))} is no longer read: the slug comes from the folder name, the cluster from the page's ` +
        '`cluster:` and the exercises from exercises/*.ts. Delete it.',
    );
  }
  const text = readFileSync(pageFile, 'utf8');
  const page = readFrontmatter(pageFile, text);
  const tags = exerciseTags(text);
  const files = existsSync(exercisesDir)
    ? readdirSync(exercisesDir).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts')).map((name) => name.slice(0, -'.ts'.length))
    : [];

  const problems: string[] = [];
  const file = (id: string) => shown(join(exercisesDir, `${id}.ts`));
  for (const id of files) {
    if (!slugPattern.test(id)) problems.push(`${file(id)}: the file name is the exercise id, so it must be lowercase letters, digits and dashes, starting with a letter`);
    else if (!tags.includes(id)) problems.push(`${file(id)} is not shown on ${shown(pageFile)}: add <Exercise id="${id}">…</Exercise> where the learner should do it`);
  }
  const seen = new Set<string>();
  for (const id of tags) {
    if (id === '') problems.push(`${shown(pageFile)}: an <Exercise> card has no id, for example <Exercise id="${files[0] ?? 'first-pod'}">`);
    else if (seen.has(id)) problems.push(`${shown(pageFile)} shows <Exercise id="${id}"> twice`);
    else if (!files.includes(id)) problems.push(`${shown(pageFile)} shows <Exercise id="${id}">, but ${file(id)} does not exist (npx kubelab new exercise ${slug} ${id})`);
    seen.add(id);
  }
  if (tags.length === 0 && files.length === 0) problems.push(`${shown(pageFile)} shows no <Exercise> card, and ${shown(exercisesDir)} holds none: a lesson has at least one exercise`);
  if (problems.length) throw new Error(problems.join('\n'));

  const exercises: Exercise[] = [];
  for (const id of tags) exercises.push(await importExercise(join(exercisesDir, `${id}.ts`), id));
  return catalogLessonSchema.parse({ slug, dir, order, profile: page.cluster, page, exercises });
}

async function readCourse(root: string): Promise<CatalogLesson[]> {
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  const named: { dir: string; order: number; slug: string }[] = [];
  for (const dir of dirs) {
    const name = parseLessonDir(dir);
    if (!name) throw new Error(`${shown(join(root, dir))}: name a lesson folder NN-slug (two digits, a dash, then lowercase letters, digits and dashes), for example 02-services`);
    const clash = named.find((other) => other.order === name.order || other.slug === name.slug);
    if (clash) throw new Error(`${shown(join(root, dir))} and ${shown(join(root, clash.dir))} share ${clash.slug === name.slug ? `the slug "${name.slug}"` : `the number ${dir.slice(0, 2)}`}`);
    named.push({ dir, ...name });
  }
  const lessons: CatalogLesson[] = [];
  for (const { dir, order, slug } of named) lessons.push(await readLesson(root, dir, order, slug));
  return lessons;
}

const cache = new Map<string, Promise<CatalogLesson[]>>();

/** Every lesson under labs/lessons (or `options.lessonsDir`), in course order. Read once per process. */
export function loadLessons(options: CatalogOptions = {}): Promise<CatalogLesson[]> {
  const root = resolve(options.lessonsDir ?? lessonsDir);
  let lessons = cache.get(root);
  if (!lessons) {
    lessons = readCourse(root);
    cache.set(root, lessons);
    lessons.catch(() => cache.delete(root));
  }
  return lessons;
}

export async function findLesson(slug: string, options: CatalogOptions = {}): Promise<CatalogLesson | undefined> {
  return (await loadLessons(options)).find((lesson) => lesson.slug === slug);
}

export function findExercise(lesson: Lesson, id: string): Exercise | undefined {
  return lesson.exercises.find((exercise) => exercise.id === id);
}

export function publicLesson(lesson: CatalogLesson): PublicLesson {
  return {
    slug: lesson.slug,
    dir: lesson.dir,
    order: lesson.order,
    profile: lesson.profile,
    page: lesson.page,
    exercises: lesson.exercises.map(({ id, title, hints, solution }) => ({ id, title, hints, solution })),
  };
}

/** The whole course as JSON-safe data: what the site builds its pages and exercise cards from. */
export async function publicCatalog(options: CatalogOptions = {}): Promise<PublicLesson[]> {
  return (await loadLessons(options)).map(publicLesson);
}
