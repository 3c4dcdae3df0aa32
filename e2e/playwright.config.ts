import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

// The config is evaluated again in every worker: settle the port and data dir once, in the environment the
// workers inherit, so they all talk to the one server Playwright started.
process.env['KUBELAB_E2E_PORT'] ??= String(4400 + Math.floor(Math.random() * 500));
process.env['KUBELAB_E2E_DATA_DIR'] ??= mkdtempSync(join(tmpdir(), 'kubelab-e2e-'));
const port = Number(process.env['KUBELAB_E2E_PORT']);

/**
 * The learner's loop in Debian's chromium (headless), against the real lab-runner serving the built site and
 * provisioning real kind clusters. Playwright cannot download browsers here, so it drives /usr/bin/chromium.
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
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env['KUBELAB_CHROMIUM'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: `node lab-runner/server.ts`,
    cwd: repoRoot,
    url: `http://127.0.0.1:${port}/healthz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      KUBELAB_DATA_DIR: process.env['KUBELAB_E2E_DATA_DIR'],
      KUBELAB_POOL_SIZE: '0',
      KUBELAB_MAX_SESSIONS: '2',
    },
  },
});
