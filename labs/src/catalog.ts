import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Exercise, Lesson } from './define.ts';
import { formatIssues, lessonFrontmatter, type LessonFrontmatter } from './schema.ts';

export const lessonsDir = fileURLToPath(new URL('../lessons/', import.meta.url));

export interface CatalogLesson extends Lesson {
  /** The lesson's folder under labs/lessons, for example "01-pods". */
  dir: string;
  page: LessonFrontmatter;
}

/** What the browser may see of an exercise: everything except the check itself and the setup scripts. */
export interface PublicExercise {
  id: string;
  title: string;
  hints: string[];
  solution: string;
}

export interface PublicLesson {
  slug: string;
  dir: string;
  profile: Lesson['profile'];
  page: LessonFrontmatter;
  exercises: PublicExercise[];
}

function readFrontmatter(file: string): LessonFrontmatter {
  const text = readFileSync(file, 'utf8');
  const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  if (!match) throw new Error(`${file} has no frontmatter (a --- block at the top)`);
  const parsed = lessonFrontmatter.safeParse(parseYaml(match[1]!));
  if (!parsed.success) {
    throw new Error(`${file}: invalid frontmatter:\n${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

let cached: Promise<CatalogLesson[]> | undefined;

/** Every lesson under labs/lessons (folders named NN-slug holding lesson.ts and index.mdx), in course order. */
export function loadLessons(): Promise<CatalogLesson[]> {
  cached ??= (async () => {
    const dirs = readdirSync(lessonsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && /^\d{2}-/.test(entry.name))
      .map((entry) => entry.name)
      .sort();
    const lessons: CatalogLesson[] = [];
    for (const dir of dirs) {
      const module = (await import(pathToFileURL(join(lessonsDir, dir, 'lesson.ts')).href)) as { default: Lesson };
      const page = readFrontmatter(join(lessonsDir, dir, 'index.mdx'));
      lessons.push({ ...module.default, dir, page });
    }
    const slugs = new Set<string>();
    for (const lesson of lessons) {
      if (slugs.has(lesson.slug)) throw new Error(`two lessons use the slug "${lesson.slug}"`);
      slugs.add(lesson.slug);
    }
    return lessons.sort((a, b) => a.page.order - b.page.order);
  })();
  return cached;
}

export async function findLesson(slug: string): Promise<CatalogLesson | undefined> {
  return (await loadLessons()).find((lesson) => lesson.slug === slug);
}

export function findExercise(lesson: Lesson, id: string): Exercise | undefined {
  return lesson.exercises.find((exercise) => exercise.id === id);
}

export function publicLesson(lesson: CatalogLesson): PublicLesson {
  return {
    slug: lesson.slug,
    dir: lesson.dir,
    profile: lesson.profile,
    page: lesson.page,
    exercises: lesson.exercises.map(({ id, title, hints, solution }) => ({ id, title, hints, solution })),
  };
}

/** The whole course as JSON-safe data: what the site builds its pages and exercise cards from. */
export async function publicCatalog(): Promise<PublicLesson[]> {
  return (await loadLessons()).map(publicLesson);
}
