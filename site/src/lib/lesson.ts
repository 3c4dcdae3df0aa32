import catalogJson from '../generated/catalog.json' with { type: 'json' };
import { lessonEntryId, type CatalogLesson } from './catalog.ts';

export const catalog = catalogJson as CatalogLesson[];

/** The catalog entry of a Starlight route, when the route is a lesson page (id lessons/<slug>). */
export function lessonForEntry(entryId: string): CatalogLesson | undefined {
  return catalog.find((lesson) => lessonEntryId(lesson.slug) === entryId);
}
