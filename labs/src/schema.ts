import { z } from 'zod';
import type { CheckContext, Criterion } from '@kubelab/checkers';
import { courseModules } from '../course.ts';

export { courseModules, type CourseModule } from '../course.ts';
import { clusterAddons, profileNames } from './profiles.ts';

/**
 * The shapes of the course, declared once as zod schemas; every type of a lesson, an exercise or the catalog is
 * `z.output<>` of one of them. The site's content collection, defineExercise and the catalog validate with them.
 */

/** A zod failure as lines an author can act on: one per field, "  path.to.field: what is wrong". */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((issue) => `  ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('\n');
}

/** Lesson slugs, exercise ids and criterion ids: lowercase letters, digits and dashes, starting with a letter. */
export const slugPattern = /^[a-z][a-z0-9-]{1,39}$/;
const slugRule = 'lowercase letters, digits and dashes (2 to 40), starting with a letter';
const slug = z.string().regex(slugPattern, slugRule);

/** A lesson's folder: NN-slug. The number orders the course; the slug is the lesson's URL and API name. */
export const lessonDirPattern = /^(\d{2})-(.+)$/;

/** The order and slug a lesson folder name stands for, or undefined when it is not a valid NN-slug. */
export function parseLessonDir(dir: string): { order: number; slug: string } | undefined {
  const match = lessonDirPattern.exec(dir);
  if (!match || !slugPattern.test(match[2]!)) return undefined;
  return { order: Number(match[1]), slug: match[2]! };
}

/**
 * The frontmatter of a lesson page (labs/lessons/NN-slug/index.mdx). The site's content collection validates
 * every page with it, so a typo in a lesson fails the build with the field's name, not a blank page.
 */
export const lessonFrontmatter = z.object({
  /** The page title, also used in the course map. */
  title: z.string().min(3),
  /** One sentence: what the learner will be able to do afterwards. Shown under the title and in search. */
  description: z.string().min(10),
  /** The course module the lesson belongs to, one of labs/course.ts, for example "Workloads". */
  module: z.enum(courseModules, {
    error: (issue) => `unknown module ${JSON.stringify(issue.input)}: use one of ${courseModules.join(', ')}, or declare it in labs/course.ts`,
  }),
  /** The cluster each learner gets: "single" (1 node, the default) or "multi" (3 nodes). */
  cluster: z.enum(profileNames).default('single'),
  /** What the learner will be able to do; the page opens with them. */
  goals: z.array(z.string().min(3)).min(1),
  /** Usual time to complete, in minutes. */
  minutes: z.number().int().positive(),
  /**
   * The lesson needs the cluster's nodes themselves: static pods in /etc/kubernetes/manifests, `kubectl debug node`,
   * crictl, an etcd snapshot taken on the control plane, hostPath. A workshop server (its learners are not
   * cluster-admin, and Pod Security keeps them off the nodes) refuses its lab with 409 E_SELF_PACED_ONLY and its
   * lab panel says "self-paced only"; a self-paced server (the learner's own machine) runs it as any other.
   */
  nodeAccess: z.boolean().default(false),
  /**
   * The cluster add-ons the lesson's exercises use, beyond Kubernetes itself (labs/src/profiles.ts, clusterAddons):
   * `ingress` (Traefik, the Gateway API), `load-balancer` (MetalLB), `metrics` (metrics-server). A lab made for the
   * lesson installs only these; labs:test proves the lesson on such a cluster, so a missing one fails there.
   */
  addons: z.array(z.enum(clusterAddons)).default([]),
});

export type LessonFrontmatter = z.output<typeof lessonFrontmatter>;

/** A shell script, run with bash -euo pipefail, with kubectl and helm on PATH and KUBECONFIG set to the session's cluster. */
const script = z.string().min(1);

/** Reads the cluster (never writes to the learner's workloads) and says, criterion by criterion, what it found. */
export type CheckFunction = (cluster: CheckContext, signal: AbortSignal) => Promise<Criterion[]>;

/** A wrong answer a learner might plausibly give; labs:test proves the check fails on it, on `failsOn`. */
export const nearMissSchema = z.strictObject({
  /** Short name, shown in the labs:test table. */
  name: z.string().min(3),
  /** Applied after the exercise's setup, instead of the solution. It should wait until the cluster settles. */
  apply: script,
  /** The id of the criterion that must fail. */
  failsOn: slug,
});

/**
 * A correct answer in another style than the reference solution (hand-written YAML instead of `kubectl create`,
 * extra labels, the image written with its registry, a port by name): labs:test proves the check passes on it, so
 * the check judges the outcome the task asks for, not the route the solution took.
 */
export const variantSchema = z.strictObject({
  /** Short name, shown in the labs:test table. */
  name: z.string().min(3),
  /** Applied after the exercise's setup, instead of the solution. It should wait until the cluster settles. */
  apply: script,
});

/** What an exercise file declares (`export default defineExercise({ … })`). Its id is its file name. */
export const exerciseDefinitionSchema = z.strictObject({
  /** Optional: the file name (exercises/<id>.ts) is the id. If given, it must equal the file name. */
  id: slug.optional(),
  title: z.string().min(3),
  /** Revealed one at a time, least revealing first: at least two, so the first can nudge without telling. */
  hints: z.array(z.string().min(3)).min(2),
  /** The reference solution: shown behind "Show solution", and applied by labs:test. */
  solution: script,
  /** Puts the cluster in the exercise's starting state (after cleanup). */
  setup: script.optional(),
  /** Removes everything the exercise and the learner made; "Reset exercise" runs it, then setup. */
  cleanup: script,
  /** Wrong answers learners really give: at least two, each failing on the criterion that explains it. */
  nearMisses: z.array(nearMissSchema).min(2),
  /** Other correct answers: each must pass, as the solution does. */
  variants: z.array(variantSchema).min(1),
  /** The grading function; see defineExercise. */
  check: z.custom<CheckFunction>((value) => typeof value === 'function', 'check must be a function: async (cluster, signal) => [criteria]'),
  /** The check's deadline. */
  timeoutMs: z.number().int().positive().max(60_000).default(15_000),
});

/** An exercise of the catalog: a definition with its id. */
export const exerciseSchema = exerciseDefinitionSchema.extend({ id: slug });

export const lessonSchema = z.object({
  /** From the folder name NN-slug. */
  slug,
  /** From the page's `cluster:`. */
  profile: z.enum(profileNames),
  /** In the order of their <Exercise> cards on the page. */
  exercises: z.array(exerciseSchema).min(1),
});

/** A lesson as the catalog finds it in labs/lessons/NN-slug. */
export const catalogLessonSchema = lessonSchema.extend({
  /** The lesson's folder under labs/lessons, for example "03-pods". */
  dir: z.string(),
  /** Its position in the course: the NN of the folder name. */
  order: z.number().int().nonnegative(),
  /** The page's frontmatter. */
  page: lessonFrontmatter,
});

/** What the browser may see of an exercise: everything except the check itself and the scripts. */
export const publicExerciseSchema = exerciseSchema.pick({ id: true, title: true, hints: true, solution: true });

/** What the site builds its pages and exercise cards from (site/src/generated/catalog.json). */
export const publicLessonSchema = catalogLessonSchema.omit({ exercises: true }).extend({ exercises: z.array(publicExerciseSchema) });

export type NearMiss = z.output<typeof nearMissSchema>;
export type Variant = z.output<typeof variantSchema>;
export type ExerciseDefinition = z.output<typeof exerciseDefinitionSchema>;
export type Exercise = z.output<typeof exerciseSchema>;
export type Lesson = z.output<typeof lessonSchema>;
export type CatalogLesson = z.output<typeof catalogLessonSchema>;
export type PublicExercise = z.output<typeof publicExerciseSchema>;
export type PublicLesson = z.output<typeof publicLessonSchema>;
