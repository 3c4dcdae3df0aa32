/**
 * Everything a lesson author imports, from one place: `import { defineExercise, readPod, podExists } from
 * '@kubelab/labs'`. The grading helpers are the checkers' own, re-exported.
 */
export * from '@kubelab/checkers';
export { defineExercise, defineLesson, type Exercise, type Lesson, type NearMiss } from './define.ts';
