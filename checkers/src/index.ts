export { CheckResultSchema, CriterionSchema, type CheckResult, type Criterion } from './types.ts';
export { contextFromKubeconfig, getOrNull, type CheckContext } from './context.ts';
export { runCheck } from './check.ts';
export { canI, eventually, getThroughServiceProxy, serviceAccountUser } from './queries.ts';
export { describePodState, formatLabels, podExists, podLog, podRunningAndReady, readPod } from './pods.ts';
