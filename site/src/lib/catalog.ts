/**
 * The course catalog as the site sees it: written by scripts/write-catalog.ts from labs' publicCatalog()
 * into src/generated/catalog.json. Only JSON-safe data: titles, hints and reference solutions, never checks.
 * The shapes are labs' own (`PublicLesson` is `z.output<>` of its schema), imported as types.
 */
import type { PublicExercise, PublicLesson } from '@kubelab/labs/catalog';
import type { LessonFrontmatter } from '@kubelab/labs/schema';
import type { Profile } from '@kubelab/labs/profiles';

/** A lesson of the catalog: slug (its URL, /lessons/<slug>/), folder, order, profile, page and exercises. */
export type CatalogLesson = PublicLesson;
export type CatalogExercise = PublicExercise;
export type LessonPage = LessonFrontmatter;

export interface CourseModule {
  /** The module's name, one of labs/course.ts. */
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

/** Groups lessons by module, in course order (a module sits where its first lesson does). */
export function courseModules(catalog: readonly CatalogLesson[]): CourseModule[] {
  const modules: CourseModule[] = [];
  for (const lesson of [...catalog].sort((a, b) => a.order - b.order)) {
    let module = modules.find((m) => m.name === lesson.page.module);
    if (!module) {
      module = { name: lesson.page.module, lessons: [] };
      modules.push(module);
    }
    module.lessons.push(lesson);
  }
  return modules;
}

/** The usual create-to-ready time (README benchmarks: about 36 s single, 53 s multi), said plainly. */
export const PROFILE_START_TIME: Record<Profile, string> = {
  single: 'about 40 seconds',
  multi: 'about a minute',
};
