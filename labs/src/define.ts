import type { CheckContext, Criterion } from '@kubelab/checkers';
import type { z } from 'zod';
import { exerciseDefinitionSchema, formatIssues, type ExerciseDefinition, type NearMiss } from './schema.ts';

/**
 * What an exercise file passes to defineExercise. `Id` is the union of the criterion ids its check can return,
 * inferred from the check; a near-miss's `failsOn` must be one of them, so a typo fails `tsc`, not a cluster run.
 */
export type ExerciseInput<Id extends string> = Omit<z.input<typeof exerciseDefinitionSchema>, 'check' | 'nearMisses'> & {
  /** Reads the cluster (never writes to the learner's workloads) and says, criterion by criterion, what it found. */
  check: (cluster: CheckContext, signal: AbortSignal) => Promise<Criterion<Id>[]>;
  nearMisses: (Omit<NearMiss, 'failsOn'> & { failsOn: NoInfer<Id> })[];
};

/**
 * Declares an exercise: `export default defineExercise({ … })` in labs/lessons/NN-slug/exercises/<id>.ts. Throws
 * at import time, naming the field, if the definition is incomplete. The catalog adds the id (the file name);
 * that each near-miss really fails on its criterion only labs:test can prove, on a cluster.
 */
export function defineExercise<const Id extends string>(exercise: ExerciseInput<Id>): ExerciseDefinition {
  const parsed = exerciseDefinitionSchema.safeParse(exercise);
  if (!parsed.success) {
    const what = typeof exercise.title === 'string' ? `exercise "${exercise.title}"` : 'an exercise';
    throw new Error(`${what} is invalid:\n${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}
