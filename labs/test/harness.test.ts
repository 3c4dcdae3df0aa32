import { test } from 'node:test';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    hints: ['none needed', 'still none'],
    solution: 'true',
    cleanup: 'true',
    variants: [{ name: 'another way', apply: 'true' }],
    nearMisses: [
      { name: 'almost', apply: 'true', failsOn },
      { name: 'nearly', apply: 'true', failsOn },
    ],
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
    [['pristine', true], ['solution', false], ['variant: another way', false], ['near-miss: almost', true], ['near-miss: nearly', true]],
  );
  assert.match(rows[0]!.surprise!, /vacuous/);
});

test('a check that returns no criteria fails every scenario that expects a pass', async () => {
  const exercise = toyExercise(async () => []);
  const rows = await proveExercise(lesson, exercise, { kubeconfig });
  assert.match(rows.find((row) => row.scenario === 'solution')!.surprise!, /check-has-criteria \(found: no criteria\) failed/);
});

test('a near-miss that fails on another criterion than the one it declares is a surprise', async () => {
  const exercise = toyExercise(async () => [{ id: 'other', description: 'never', passed: false }], 'done');
  const rows = await proveExercise(lesson, exercise, { kubeconfig });
  assert.match(rows.at(-1)!.surprise!, /names criterion "done", which the check never reports/);
});

test('an exercise without hints, near-misses or variants is refused when it is defined', () => {
  assert.throws(
    () => defineExercise({ title: 'Bad one', hints: [], solution: 'true', cleanup: 'true', nearMisses: [], variants: [], check: async () => [] }),
    /hints[\s\S]*nearMisses[\s\S]*variants/,
  );
});

test('one hint or one near-miss is too few: the first hint nudges, and two wrong answers show what the check tells apart', () => {
  const one = { name: 'almost', apply: 'true', failsOn: 'done' };
  assert.throws(
    () => defineExercise({ title: 'Thin one', hints: ['only'], solution: 'true', cleanup: 'true', nearMisses: [one], variants: [{ name: 'v', apply: 'true' }], check: async () => [] }),
    /hints: Too small[\s\S]*nearMisses: Too small/,
  );
});

test('a variant the check rejects is a surprise: the check judges the route, not the outcome', async () => {
  const marker = join(await mkdtemp(join(tmpdir(), 'kubelab-harness-')), 'answer');
  const write = (what: string) => `echo ${what} > ${marker}`;
  const definition = defineExercise({
    title: 'Route-bound',
    hints: ['one', 'two'],
    solution: write('solution'),
    cleanup: `rm -f ${marker}`,
    variants: [{ name: 'another way', apply: write('variant') }],
    nearMisses: [
      { name: 'almost', apply: write('almost'), failsOn: 'done' },
      { name: 'nearly', apply: write('nearly'), failsOn: 'done' },
    ],
    // A check bound to the solution's route: only the solution's exact answer passes.
    check: async () => [{ id: 'done', description: 'the answer is the solution', passed: (await readFile(marker, 'utf8').catch(() => '')).trim() === 'solution' }],
  });
  const rows = await proveExercise(lesson, { ...definition, id: 'toy' }, { kubeconfig });
  assert.deepEqual(
    rows.map((row) => [row.scenario, Boolean(row.surprise)]),
    [['pristine', false], ['solution', false], ['variant: another way', true], ['near-miss: almost', false], ['near-miss: nearly', false]],
  );
  assert.match(rows[2]!.surprise!, /expected a pass, but done failed/);
});

test("scenarios 'passing' runs only the solution and the variants", async () => {
  const exercise = toyExercise(async () => [{ id: 'done', description: 'always', passed: true }]);
  const rows = await proveExercise(lesson, exercise, { kubeconfig, scenarios: 'passing' });
  assert.deepEqual(rows.map((row) => [row.scenario, Boolean(row.surprise)]), [['solution', false], ['variant: another way', false]]);
});

test("scenarios 'solutions' runs only the reference solution, from cleanup + setup", async () => {
  const exercise = toyExercise(async () => [{ id: 'done', description: 'always', passed: true }]);
  const rows = await proveExercise(lesson, exercise, { kubeconfig, scenarios: 'solutions' });
  assert.deepEqual(rows.map((row) => [row.scenario, Boolean(row.surprise)]), [['solution', false]]);
  const failing = toyExercise(async () => [{ id: 'done', description: 'never', passed: false }]);
  const [row] = await proveExercise(lesson, failing, { kubeconfig, scenarios: 'solutions' });
  assert.match(row!.surprise!, /expected a pass, but done failed/);
  // A check that throws: the surprise quotes what it threw, so a failure seen once in a full run can be explained.
  const throwing = toyExercise(async () => {
    throw new Error('pods "probe" is forbidden:\n  namespace is being terminated');
  });
  const [thrown] = await proveExercise(lesson, throwing, { kubeconfig, scenarios: 'solutions' });
  assert.match(thrown!.surprise!, /expected a pass, but check-ran \(found: pods "probe" is forbidden: namespace is being terminated\) failed/);
});

test('every scenario but the one after the pristine check starts from cleanup + setup, and cleanup runs last', async () => {
  const log = join(await mkdtemp(join(tmpdir(), 'kubelab-harness-')), 'log');
  const note = (what: string) => `echo ${what} >> ${log}`;
  const definition = defineExercise({
    title: 'Logged',
    hints: ['one', 'two'],
    setup: note('setup'),
    solution: note('solution'),
    cleanup: note('cleanup'),
    variants: [{ name: 'another way', apply: note('variant') }],
    nearMisses: [
      { name: 'almost', apply: note('almost'), failsOn: 'done' },
      { name: 'nearly', apply: note('nearly'), failsOn: 'done' },
    ],
    // Passes only on a state the solution or the variant made since the last cleanup.
    check: async () => {
      const since = (await readFile(log, 'utf8')).trim().split('\n').reverse();
      const last = since.slice(0, since.indexOf('cleanup'));
      return [{ id: 'done', description: 'solved since the last cleanup', passed: last.includes('solution') || last.includes('variant') }];
    },
  });
  const rows = await proveExercise(lesson, { ...definition, id: 'toy' }, { kubeconfig });
  assert.deepEqual(rows.filter((row) => row.surprise), []);
  assert.deepEqual((await readFile(log, 'utf8')).trim().split('\n'), [
    'cleanup', 'setup', // pristine, checked as it is; the solution goes on top of it
    'solution',
    'cleanup', 'setup', 'variant',
    'cleanup', 'setup', 'almost',
    'cleanup', 'setup', 'nearly',
    'cleanup',
  ]);
});
