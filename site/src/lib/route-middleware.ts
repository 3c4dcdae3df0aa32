import { defineRouteMiddleware } from '@astrojs/starlight/route-data';
import { lessonForEntry } from './lesson.ts';

/**
 * Lesson pages are two panes: the lesson, and the lab panel where Starlight's table of contents would be. The
 * lab needs the width, so lesson pages drop Starlight's left sidebar too; the page title carries a breadcrumb to
 * the course map, and the foot of the page links the previous and next lessons.
 */
export const onRequest = defineRouteMiddleware((context) => {
  const route = context.locals.starlightRoute;
  if (!lessonForEntry(route.entry.id)) return;
  route.toc = undefined;
  route.hasSidebar = false;
});
