/**
 * The course's modules, declared once. A lesson names its module by id in its frontmatter (`module: workloads`);
 * an id not listed here fails validation, with this list. The course map and the sidebar show the title, and
 * place a module where its first lesson is. Add a module here before writing its first lesson.
 */
export const courseModules = {
  workloads: { title: 'Workloads' },
} as const satisfies Record<string, { title: string }>;

export type ModuleId = keyof typeof courseModules;

export const moduleIds = Object.keys(courseModules) as [ModuleId, ...ModuleId[]];

/** The title of a module, for the course map and the sidebar. */
export function moduleTitle(id: ModuleId): string {
  return courseModules[id].title;
}
