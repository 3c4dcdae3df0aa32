import { expect, test } from '../fixtures/test.ts';
import { LessonPage } from '../pages/lesson-page.ts';

// The site under the lab-runner's real headers, in a fresh browser (each test's own `page`, with no launch
// cookie): the fixtures fail a test on any Content-Security-Policy violation.

test('pages come with the CSP, and the site runs under it: its inline scripts, the theme, the sidebar', async ({ page }) => {
  const response = await page.goto('/lessons/pods/');
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval'( 'sha256-[A-Za-z0-9+/=]+')+;/);
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(response?.headers()['x-content-type-options']).toBe('nosniff');
  // Starlight's inline theme script ran: it is allowed by its hash.
  expect(await page.evaluate(() => typeof (globalThis as { StarlightThemeProvider?: object }).StarlightThemeProvider)).toBe('object');
  await expect(page.getByRole('heading', { level: 1, name: 'Pods' })).toBeVisible();
});

test('site search (Pagefind: a web worker and WebAssembly) finds the Pods lesson', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Search' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByPlaceholder(/Search/).fill('kubectl');
  await expect(dialog.getByRole('link', { name: /Pods/ }).first()).toBeVisible({ timeout: 20_000 });
});

test('a browser that has not opened the launch link is told how to start labs, and no lab starts', async ({ page, labApi }) => {
  const before = (await labApi.health()).sessions;
  const lesson = new LessonPage(page);
  await lesson.goto('pods');
  await lesson.startLab.click();
  await expect(lesson.labPanel.getByRole('heading', { name: 'This browser cannot start labs yet' })).toBeVisible();
  await expect(lesson.labPanel.getByText(/Open the link npm start printed in its terminal/)).toBeVisible();
  await expect(lesson.labPanel.getByText('Error code: E_LAUNCH_REQUIRED')).toBeVisible();
  expect((await labApi.health()).sessions).toBe(before);
});
