/** labs:test's command line: a typo gets a usage error that says where the options are, not a stack trace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '@kubelab/kit/paths';

const labsTest = (...args: string[]) => spawnSync(process.execPath, ['scripts/labs-test.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });

test('--help lists every option and exits 0, before any setup or cluster', () => {
  const { status, stdout } = labsTest('--help');
  assert.equal(status, 0);
  for (const option of ['--lesson', '--cluster', '--profile', '--jobs', '--passing-only', '--solutions-only', '--with-workshop-solutions', '--skip-setup']) assert.ok(stdout.includes(option), `--help names ${option}`);
});

test('an unknown option or a missing value is a usage error (exit 2) naming it, with where to look', () => {
  for (const [args, named] of [[['--lesons', 'pods'], "'--lesons'"], [['--lesson'], "'--lesson <value>'"]] as const) {
    const { status, stderr } = labsTest(...args);
    assert.equal(status, 2, stderr);
    assert.match(stderr, /^error \[E_USAGE\]: /);
    assert.ok(stderr.includes(named), stderr);
    assert.match(stderr, /npm run labs:test -- --help lists the options/);
    assert.doesNotMatch(stderr, /at parseArgs|node:internal/);
  }
});

test('--with-workshop-solutions with a workshop profile or one existing cluster is a usage error that says what to do', () => {
  for (const [args, said, hint] of [
    [['--with-workshop-solutions', '--profile', 'workshop'], /follows a self-paced run/, /Leave out --profile/],
    [['--with-workshop-solutions', '--cluster', 'mine'], /needs clusters of both access modes/, /Leave out --cluster/],
  ] as const) {
    const { status, stderr } = labsTest(...args);
    assert.equal(status, 2, stderr);
    assert.match(stderr, /^error \[E_USAGE\]: /);
    assert.match(stderr, said);
    assert.match(stderr, hint);
  }
});
