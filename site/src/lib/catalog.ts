/**
 * The course catalog as the site sees it: written by scripts/write-catalog.ts from labs' publicCatalog()
 * into src/generated/catalog.json. Only JSON-safe data: titles, hints and reference solutions, never checks.
 */

/** Mirrors lessonFrontmatter in labs/src/schema.ts. */
export interface LessonPage {
  title: string;
  description: string;
  module: string;
  order: number;
  goals: string[];
  minutes: number;
}

export interface CatalogExercise {
  id: string;
  title: string;
  hints: string[];
  solution: string;
}

export interface CatalogLesson {
  /** The lesson's slug: the lab-runner's name for it, and its URL (/lessons/<slug>/). */
  slug: string;
  /** Its folder under labs/lessons, for example "01-pods". */
  dir: string;
  profile: 'single' | 'multi';
  page: LessonPage;
  exercises: CatalogExercise[];
}

export interface CourseModule {
  name: string;
  lessons: CatalogLesson[];
}

/** The URL path of a lesson page. */
export function lessonHref(slug: string): string {
  return `/lessons/${slug}/`;
}

/** The content-collection id of a lesson page (Starlight routes it to /<id>/). */
export function lessonEntryId(slug: string): string {
  return `lessons/${slug}`;
}

/** The lesson slug for a folder name, when the catalog does not list the folder: "01-pods" → "pods". */
export function slugFromDir(dir: string): string {
  return dir.replace(/^\d+-/, '');
}

/** Groups lessons by module, in course order (a module sits where its first lesson does). */
export function courseModules(catalog: readonly CatalogLesson[]): CourseModule[] {
  const modules: CourseModule[] = [];
  for (const lesson of [...catalog].sort((a, b) => a.page.order - b.page.order)) {
    let module = modules.find((m) => m.name === lesson.page.module);
    if (!module) {
      module = { name: lesson.page.module, lessons: [] };
      modules.push(module);
    }
    module.lessons.push(lesson);
  }
  return modules;
}

export const PROFILE_LABEL: Record<CatalogLesson['profile'], string> = { single: '1 node', multi: '3 nodes' };

/** The usual create-to-ready time (README benchmarks: about 36 s single, 53 s multi), said plainly. */
export const PROFILE_START_TIME: Record<CatalogLesson['profile'], string> = {
  single: 'about 40 seconds',
  multi: 'about a minute',
};
