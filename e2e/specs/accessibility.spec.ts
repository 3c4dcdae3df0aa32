import { expect, test } from '../fixtures/test.ts';
import { useTheme, violations } from '../fixtures/axe.ts';

/**
 * WCAG 2.1 AA, as axe-core reads it, in light and in dark mode: the course map here. A lesson page with a running
 * lab and its Notebook tab are scanned in notebook.spec.ts, on the lab that spec's learner has filled (a lab of
 * its own here cost a cluster and three minutes of a full run). Any violation fails with its rule, the elements it
 * found and axe's help.
 */
for (const theme of ['light', 'dark'] as const) {
  test(`the course map has no WCAG 2.1 AA violation (${theme})`, async ({ page }) => {
    await page.goto('/');
    await useTheme(page, theme);
    expect(await violations(page)).toEqual([]);
  });
}
