import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { baseURL, dataDir, launchToken, port } from './fixtures/server.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The learner's loop in Debian's chromium (headless), against the real lab-runner serving the built site and
 * provisioning real kind clusters, with its real HTTP edge: Host and Origin checks, the launch token (fixed for the
 * run, so the fixtures can open the launch link), the security headers (the fixtures fail a test on any CSP
 * violation). Playwright cannot download browsers here, so it drives /usr/bin/chromium.
 */
export default defineConfig({
  testDir: './specs',
  outputDir: '../test-results/e2e',
  timeout: 8 * 60_000,
  expect: { timeout: 20_000 },
  workers: 1,
  retries: 0,
  reporter: [['list'], ['html', { outputFolder: '../playwright-report', open: 'never' }]],
  globalTeardown: './fixtures/global-teardown.ts',
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    // A failed test keeps its trace: the DOM before and after every action, the network and the console. Not the
    // screencast: chromium would encode a frame on every paint of every test (the failure screenshot is kept).
    trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true, sources: true },
    viewport: { width: 1440, height: 900 },
    reducedMotion: 'reduce',
    launchOptions: {
      executablePath: process.env['KUBELAB_CHROMIUM'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    // Under a supervisor that can restart it (fixtures/supervisor.ts): the notebook spec restarts the lab-runner.
    command: `node e2e/fixtures/supervisor.ts`,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    cwd: repoRoot,
    url: `${baseURL}/healthz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      KUBELAB_DATA_DIR: dataDir,
      // No warm cluster: in a saturated full run one saved e2e no time (53m29s against 52m38s: README, Tests) and
      // cost an idle cluster's CPU throughout. sessions.integration.test.ts proves the pool on real clusters.
      KUBELAB_POOL_SIZE: '0',
      KUBELAB_MAX_SESSIONS: '2',
      KUBELAB_LAUNCH_TOKEN: launchToken,
    },
  },
});
