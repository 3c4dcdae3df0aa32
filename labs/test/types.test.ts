/**
 * Type-level tests: `tsc --noEmit -p .` (npm run typecheck) compiles this file, and each `@ts-expect-error` line
 * must really be an error, or tsc fails with "Unused '@ts-expect-error' directive". At run time the file only
 * checks that the well-typed definitions are valid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineExercise, deletes, pod } from '../src/index.ts';

const base = { title: 'Typed near-misses', hints: ['a hint', 'another hint'], solution: 'true', cleanup: deletes('pod/web'), variants: [{ name: 'another way', apply: 'true' }] };

const check = async () => {
  const web = pod.exists(null, 'web');
  return [web, pod.hasLabel(null, 'app', 'web'), pod.image(null, 'kubelab/web:1.0', { id: 'web-image' })];
};

test('a near-miss may name any criterion id the check returns, the builders’ defaults and overrides alike', () => {
  const exercise = defineExercise({
    ...base,
    nearMisses: [
      { name: 'wrong label', apply: 'true', failsOn: 'label' },
      { name: 'wrong image', apply: 'true', failsOn: 'web-image' },
      { name: 'no pod', apply: 'true', failsOn: 'exists' },
    ],
    check,
  });
  assert.equal(exercise.nearMisses.length, 3);
});

test('a near-miss naming a criterion the check never returns does not compile', () => {
  const typo = defineExercise({
    ...base,
    // @ts-expect-error 'lable' is not one of 'exists' | 'label' | 'web-image'
    nearMisses: [{ name: 'typo', apply: 'true', failsOn: 'lable' }, { name: 'fine', apply: 'true', failsOn: 'label' }],
    check,
  });
  const overridden = defineExercise({
    ...base,
    // @ts-expect-error an overridden id replaces the default: 'image' is no longer reported
    nearMisses: [{ name: 'default id', apply: 'true', failsOn: 'image' }, { name: 'fine', apply: 'true', failsOn: 'label' }],
    check,
  });
  const literal = defineExercise({
    ...base,
    // @ts-expect-error hand-written criteria count too: only 'ready' is reported
    nearMisses: [{ name: 'literal', apply: 'true', failsOn: 'running' }, { name: 'fine', apply: 'true', failsOn: 'ready' }],
    check: async (cluster) => {
      const web = await pod.read(cluster, 'web');
      return [{ id: 'ready', description: 'The pod is ready', passed: web !== null }];
    },
  });
  // The runtime cannot tell (only labs:test on a cluster could): the compiler is what catches these.
  assert.ok(typo && overridden && literal);
});

test('an unknown field does not compile, and is refused at run time', () => {
  assert.throws(
    () =>
      defineExercise({
        ...base,
        nearMisses: [{ name: 'wrong label', apply: 'true', failsOn: 'label' }],
        check,
        // @ts-expect-error there is no `order` (the folder name orders lessons; the page orders exercises)
        order: 1,
      }),
    /Unrecognized key: "order"/,
  );
});
