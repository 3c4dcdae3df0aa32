/**
 * The course's modules, declared once, in course order. A lesson names its module in its frontmatter
 * (`module: Workloads`); a name not listed here fails validation, with this list, so a typo cannot start a new
 * module by accident. The course map and the sidebar place a module where its first lesson is. Add a module
 * here before writing its first lesson.
 */
export const courseModules = ['Foundations', 'Workloads', 'Configuration', 'Scheduling', 'Networking', 'Security'] as const;

export type CourseModule = (typeof courseModules)[number];
