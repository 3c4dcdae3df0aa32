import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineExercise, type Exercise } from '../src/index.ts';
import { proveExercise } from '../src/harness.ts';

// The harness must catch a check that lies. These toy exercises need no cluster: their scripts are shell no-ops
// and their checks read a variable the scripts "set", so each scenario's outcome is known in advance.
const pem = (label: string) => Buffer.from(`-----BEGIN ${label}-----\nZmFrZQ==\n-----END ${label}-----\n`).toString('base64');
const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", certificate-authority-data: ${pem('CERTIFICATE')}}}]
users: [{name: u, user: {client-certificate-data: ${pem('CERTIFICATE')}, client-key-data: ${pem('PRIVATE KEY')}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;

function toyExercise(check: Exercise['check'], failsOn = 'done'): Exercise {
  const definition = defineExercise({
    title: 'Toy exercise',
    hints: ['none needed'],
    solution: 'true',
    cleanup: 'true',
    nearMisses: [{ name: 'almost', apply: 'true', failsOn }],
    check,
  });
  return { ...definition, id: 'toy' };
}

const lesson = { slug: 'toy' };

test('a check that always passes is caught on the pristine state and on the near-miss', async () => {
  const exercise = toyExercise(async () => [{ id: 'done', description: 'always', passed: true }]);
  const rows = await proveExercise(lesson, exercise, { kubeconfig });
  assert.deepEqual(
    rows.map((row) => [row.scenario, Boolean(row.surprise)]),
    [['pristine', true], ['solution', false], ['near-miss: almost', true]],
  );
  assert.match(rows[0]!.surprise!, /vacuous/);
});

test('a check that returns no criteria fails every scenario that expects a pass', async () => {
  const exercise = toyExercise(async () => []);
  const rows = await proveExercise(lesson, exercise, { kubeconfig });
  assert.match(rows.find((row) => row.scenario === 'solution')!.surprise!, /check-has-criteria failed/);
});

test('a near-miss that fails on another criterion than the one it declares is a surprise', async () => {
  const exercise = toyExercise(async () => [{ id: 'other', description: 'never', passed: false }], 'done');
  const rows = await proveExercise(lesson, exercise, { kubeconfig });
  assert.match(rows.at(-1)!.surprise!, /names criterion "done", which the check never reports/);
});

test('an exercise without hints or near-misses is refused when it is defined', () => {
  assert.throws(
    () => defineExercise({ title: 'Bad one', hints: [], solution: 'true', cleanup: 'true', nearMisses: [], check: async () => [] }),
    /hints[\s\S]*nearMisses/,
  );
});
