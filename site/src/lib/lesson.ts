import catalogJson from '../generated/catalog.json' with { type: 'json' };
import type { CatalogLesson } from './catalog.ts';

export const catalog = catalogJson as CatalogLesson[];

/** The catalog entry of a Starlight route, when the route is a lesson page (id lessons/<slug>). */
export function lessonForEntry(entryId: string): CatalogLesson | undefined {
  if (!entryId.startsWith('lessons/')) return undefined;
  const slug = entryId.slice('lessons/'.length);
  return catalog.find((lesson) => lesson.slug === slug);
}
