/**
 * `npm test`: every test, the way CI runs it, failing fast and printing the time of each stage. Sets up what is
 * missing first (warm: seconds); lints and type-checks (together: two cores); builds the site; runs the fast
 * tests (unit tests and the orchestrators against a fake provider: no cluster); then the integration tests
 * against real kind clusters, one file at a time so two files never compete for the machine's two cores; then
 * labs:test (every scenario as a self-paced learner, then every solution and variant as a workshop's learner) and
 * the browser e2e suite.
 *
 *   npm test                       everything
 *   npm test -- <file.test.ts>…    just those test files (after setup and the type check)
 */
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { runMain } from '@kubelab/kit/main';
import { repoRoot } from '@kubelab/kit/paths';
import { formatElapsed } from '@kubelab/kit/status';
import { setup } from './setup.ts';

interface Stage {
  title: string;
  argv: string[];
}

const stageTimes: [string, number, boolean][] = [];

function runArgv(argv: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: 'inherit' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/** Runs stages side by side; each one's time is recorded. Resolves true when all passed. */
async function stages(...list: Stage[]): Promise<boolean> {
  if (list.length > 1) process.stderr.write(`\n── ${list.map((s) => s.title).join(' ‖ ')} (side by side)\n`);
  const results = await Promise.all(
    list.map(async ({ title, argv }) => {
      if (list.length === 1) process.stderr.write(`\n── ${title}\n`);
      const began = performance.now();
      const ok = await runArgv(argv);
      const elapsed = performance.now() - began;
      stageTimes.push([title, elapsed, ok]);
      process.stderr.write(`── ${ok ? '✓' : '✗'} ${title} (${formatElapsed(elapsed)})\n`);
      return ok;
    }),
  );
  return results.every(Boolean);
}

const files = (pattern: string) => globSync(pattern, { cwd: repoRoot, exclude: (name) => name.includes('node_modules') }).sort();

await runMain(async () => {
  const began = performance.now();
  const setupBegan = performance.now();
  await setup();
  stageTimes.push(['Setup', performance.now() - setupBegan, true]);

  const fast = files('{scripts,lab-runner,checkers,labs,site}/**/*.test.ts').filter((file) => !file.includes('.integration.'));
  const integration = files('{scripts,lab-runner,checkers,labs}/**/*.integration.test.ts');
  const only = process.argv.slice(2);
  const node = process.execPath;

  const ok =
    (await stages(
      { title: 'Lint (eslint)', argv: ['npx', 'eslint', '.'] },
      { title: 'Type check (tsc --noEmit)', argv: ['npx', 'tsc', '--noEmit', '-p', '.'] },
    )) &&
    (only.length
      ? await stages({ title: `Tests: ${only.join(' ')}`, argv: [node, '--test', '--test-concurrency=1', ...only] })
      : (await stages({ title: 'Course site build', argv: [node, 'scripts/site-build.ts'] })) &&
        (await stages({ title: 'Type check the site (tsc --noEmit -p site)', argv: ['npx', 'tsc', '--noEmit', '-p', 'site'] })) &&
        (await stages({ title: `Fast tests: ${fast.length} files (unit, and the orchestrators on a fake provider; no cluster)`, argv: [node, '--test', ...fast] })) &&
        (await stages({ title: `Integration tests: ${integration.length} files against real kind clusters`, argv: [node, '--test', '--test-concurrency=1', ...integration] })) &&
        (await stages({ title: 'labs:test: every exercise against a real cluster', argv: [node, 'scripts/labs-test.ts', '--skip-setup'] })) &&
        (await stages({
          title: "labs:test --profile workshop --passing-only: every solution and variant as a workshop's learner",
          argv: [node, 'scripts/labs-test.ts', '--skip-setup', '--profile', 'workshop', '--passing-only'],
        })) &&
        (await stages({ title: 'e2e: the learner loop in chromium (Playwright)', argv: ['npx', 'playwright', 'test', '-c', 'e2e/playwright.config.ts'] })));

  process.stderr.write('\nStage times:\n');
  for (const [title, ms, passed] of stageTimes) process.stderr.write(`  ${passed ? '✓' : '✗'} ${formatElapsed(ms).padStart(8)}  ${title}\n`);
  process.stderr.write(`  ${formatElapsed(performance.now() - began).padStart(10)}  in all\n`);
  return ok ? 0 : 1;
});
