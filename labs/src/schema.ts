import { z } from 'zod';

/** A zod failure as lines an author can act on: one per field, "  path.to.field: what is wrong". */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((issue) => `  ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('\n');
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
  /** The course module the lesson belongs to, for example "Workloads". */
  module: z.string().min(2),
  /** Position in the course: lessons sort by it. */
  order: z.number().int().positive(),
  /** What the learner will be able to do; the page opens with them. */
  goals: z.array(z.string().min(3)).min(1),
  /** Usual time to complete, in minutes. */
  minutes: z.number().int().positive(),
});

export type LessonFrontmatter = z.infer<typeof lessonFrontmatter>;

const slug = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'lowercase letters, digits and dashes, starting with a letter');
/** A shell script, run with bash -euo pipefail, with kubectl and helm on PATH and KUBECONFIG set to the session's cluster. */
const script = z.string().min(1);

/** A wrong answer a learner might plausibly give; labs:test proves the check fails on it, on `failsOn`. */
export const nearMissSchema = z.object({
  /** Short name, shown in the labs:test table. */
  name: z.string().min(3),
  /** Applied after the exercise's setup, instead of the solution. It should wait until the cluster settles. */
  apply: script,
  /** The id of the criterion that must fail. */
  failsOn: slug,
});

export const exerciseSchema = z.object({
  id: slug,
  title: z.string().min(3),
  /** Revealed one at a time, least revealing first. */
  hints: z.array(z.string().min(3)).min(1),
  /** The reference solution: shown behind "Show solution", and applied by labs:test. */
  solution: script,
  /** Puts the cluster in the exercise's starting state (after cleanup). */
  setup: script.optional(),
  /** Removes everything the exercise and the learner made; "Reset exercise" runs it, then setup. */
  cleanup: script,
  nearMisses: z.array(nearMissSchema).min(1),
  /** The grading function; see defineExercise. */
  check: z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'check must be a function'),
  /** The check's deadline. */
  timeoutMs: z.number().int().positive().max(60_000).default(15_000),
});

export const lessonSchema = z.object({
  slug,
  /** The cluster each learner gets: "single" (1 node) or "multi" (3 nodes). */
  profile: z.enum(['single', 'multi']),
  exercises: z.array(exerciseSchema).min(1),
});
