import type { CheckContext, Criterion } from '@kubelab/checkers';
import { exerciseSchema, formatIssues, lessonSchema } from './schema.ts';

export interface NearMiss {
  name: string;
  apply: string;
  failsOn: string;
}

export interface Exercise {
  id: string;
  title: string;
  hints: string[];
  solution: string;
  setup?: string;
  cleanup: string;
  nearMisses: NearMiss[];
  /** Reads the cluster (never writes to the learner's workloads) and says, criterion by criterion, what it found. */
  check: (k: CheckContext, signal: AbortSignal) => Promise<Criterion[]>;
  timeoutMs: number;
}

export interface Lesson {
  slug: string;
  profile: 'single' | 'multi';
  exercises: Exercise[];
}

/** Declares an exercise; throws at import time, naming the field, if the definition is incomplete. */
export function defineExercise(exercise: Omit<Exercise, 'timeoutMs'> & { timeoutMs?: number }): Exercise {
  const parsed = exerciseSchema.safeParse(exercise);
  if (!parsed.success) throw new Error(`exercise "${exercise.id}" is invalid:\n${formatIssues(parsed.error.issues)}`);
  return { ...exercise, timeoutMs: parsed.data.timeoutMs };
}

/** Declares a lesson; also checks that exercise ids are unique and every near-miss names a criterion id. */
export function defineLesson(lesson: Lesson): Lesson {
  const parsed = lessonSchema.safeParse(lesson);
  if (!parsed.success) throw new Error(`lesson "${lesson.slug}" is invalid:\n${formatIssues(parsed.error.issues)}`);
  const seen = new Set<string>();
  for (const exercise of lesson.exercises) {
    if (seen.has(exercise.id)) throw new Error(`lesson "${lesson.slug}" declares exercise "${exercise.id}" twice`);
    seen.add(exercise.id);
  }
  return lesson;
}
