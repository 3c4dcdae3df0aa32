/**
 * Everything a lesson author imports, from one place:
 *
 *   import { defineExercise, apply, deletes, pod } from '@kubelab/labs';
 *
 * The grading helpers (criterion builders such as `pod.hasLabel`, reads such as `pod.read`, `eventually`, `canI`)
 * are the checkers' own, re-exported.
 */
export * from '@kubelab/checkers';
export { defineExercise, type ExerciseInput } from './define.ts';
export { apply, deletes } from './manifests.ts';
export type { Exercise, ExerciseDefinition, Lesson, NearMiss, Variant } from './schema.ts';
