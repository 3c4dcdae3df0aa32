import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from '../fixtures/test.ts';
import { learnerContext, launchToken } from '../fixtures/server.ts';
import { LessonPage } from '../pages/lesson-page.ts';

/**
 * WCAG 2.1 AA, as axe-core reads it, in light and in dark mode: the course map, a lesson page with a running lab
 * (terminal open), and its Notebook tab. Any violation fails with its rule, the elements it found and axe's help.
 */
const wcag21aa = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function violations(page: Page): Promise<string[]> {
  // The terminal's own rows are xterm's canvas-like DOM (colours the learner's programs chose); the panel around it is scanned.
  const results = await new AxeBuilder({ page }).withTags(wcag21aa).exclude('.xterm-rows').exclude('.xterm-helper-textarea').analyze();
  return results.violations.map(
    (violation) => `${violation.id} (${violation.impact}): ${violation.help}\n    ${violation.nodes.map((node) => `${node.target.join(' ')} — ${node.failureSummary?.split('\n').slice(1).join(' ').trim()}`).join('\n    ')}`,
  );
}

async function useTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme: theme });
  // Starlight keeps an explicit choice in localStorage; the test follows the system's (emulated) one.
  await page.evaluate((chosen) => {
    const browser = globalThis as unknown as { localStorage: { setItem(k: string, v: string): void }; document: { documentElement: { dataset: Record<string, string> } } };
    browser.localStorage.setItem('starlight-theme', chosen);
    browser.document.documentElement.dataset['theme'] = chosen;
  }, theme);
}

for (const theme of ['light', 'dark'] as const) {
  test(`the course map has no WCAG 2.1 AA violation (${theme})`, async ({ page }) => {
    await page.goto('/');
    await useTheme(page, theme);
    expect(await violations(page)).toEqual([]);
  });
}

test('a lesson page with a running lab, and its Notebook tab, have no WCAG 2.1 AA violation (light and dark)', async ({ browser, labApi, csp }) => {
  test.setTimeout(10 * 60_000);
  // A browser of its own, not the shared learner's: the lab it starts is ended here, and the specs after this one
  // find the Pods lesson with no lab running.
  const context = await browser.newContext(learnerContext);
  await csp.watch(context);
  const learner = new LessonPage(await context.newPage());
  try {
    await learner.openLaunchLink(launchToken);
    await learner.goto('pods');
    await learner.startLab.click();
    await learner.waitForPrompt();
    await learner.typeCommand('kubectl get nodes');
    await learner.waitForTerminalText(/control-plane/);
    const page = learner.page;
    for (const theme of ['light', 'dark'] as const) {
      await useTheme(page, theme);
      await learner.labPanel.getByRole('tab', { name: 'Terminal' }).click();
      expect(await violations(page), `lesson page, ${theme}`).toEqual([]);
      await learner.labPanel.getByRole('tab', { name: 'Notebook' }).click();
      await expect(learner.labPanel.getByRole('tabpanel', { name: 'Notebook' })).toBeVisible();
      expect(await violations(page), `Notebook tab, ${theme}`).toEqual([]);
    }
  } finally {
    const session = await learner.session().catch(() => undefined);
    await context.close();
    if (session) await labApi.endSession(session);
  }
});
