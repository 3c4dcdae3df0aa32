/**
 * `npm test`: every test, the way CI runs it. Sets up what is missing first (warm: seconds), type-checks, runs
 * the unit tests, then the integration tests against real kind clusters, one file at a time so two files never
 * compete for the machine's two cores.
 */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { setup } from './setup.ts';
import { formatError } from '@kubelab/kit/errors';
import { repoRoot } from '@kubelab/kit/paths';

function step(title: string, argv: string[]): boolean {
  process.stderr.write(`\n── ${title}\n`);
  const result = spawnSync(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: 'inherit' });
  return result.status === 0;
}

const files = (pattern: string) => globSync(pattern, { cwd: repoRoot, exclude: (name) => name.includes('node_modules') }).sort();

try {
  await setup();
} catch (error) {
  process.stderr.write(`\n${formatError(error)}\n`);
  process.exit(1);
}

const unit = files('{scripts,lab-runner,checkers,labs,site}/**/*.test.ts').filter((file) => !file.includes('.integration.'));
const integration = files('{scripts,lab-runner,checkers,labs}/**/*.integration.test.ts');
const only = process.argv.slice(2);

// One runner invocation, so the closing summary counts every test.
const ok =
  step('Type check (tsc --noEmit)', ['npx', 'tsc', '--noEmit', '-p', '.']) &&
  step('Course site build', [process.execPath, 'scripts/site-build.ts']) &&
  step('Type check the site (tsc --noEmit -p site)', ['npx', 'tsc', '--noEmit', '-p', 'site']) &&
  step(`Tests: ${unit.length} unit files, then ${integration.length} integration files against real clusters`, [
    process.execPath,
    '--test',
    '--test-concurrency=1',
    ...(only.length ? only : [...unit, ...integration]),
  ]) &&
  (only.length > 0 ||
    (step('labs:test: every exercise against a real cluster', [process.execPath, 'scripts/labs-test.ts', '--skip-setup']) &&
      step('e2e: the learner loop in chromium (Playwright)', ['npx', 'playwright', 'test', '-c', 'e2e/playwright.config.ts'])));
process.exit(ok ? 0 : 1);
