import { readFileSync } from 'node:fs';
import type { PublicLesson } from '@kubelab/labs/schema';
import { expect, test } from '../fixtures/test.ts';
import { learnerContext, launchToken } from '../fixtures/server.ts';
import { LessonPage } from '../pages/lesson-page.ts';

/**
 * Every lesson of the course, done the way a learner does one exercise: open the page, Start lab, type the answer
 * into the terminal, press Check, and see every criterion ✓. The answer typed is the exercise's reference solution
 * (the one "Show solution" reveals), so the test follows the course as it grows. Pods has its own, longer loop in
 * notebook.spec.ts. The site build writes the catalog this reads.
 */
const catalog = JSON.parse(readFileSync(new URL('../../site/src/generated/catalog.json', import.meta.url), 'utf8')) as PublicLesson[];
const lessons = catalog.filter((lesson) => lesson.slug !== 'pods');

/** The exercise typed: the lesson's one with the shortest solution, so the test spends its time in the lab, not typing. */
function exerciseToType(lesson: PublicLesson) {
  return [...lesson.exercises].sort((a, b) => a.solution.length - b.solution.length)[0]!;
}

for (const lesson of lessons) {
  const exercise = exerciseToType(lesson);
  test(`${lesson.page.title}: "${exercise.title}" typed into the terminal, and Check passes`, async ({ browser, labApi }) => {
    test.setTimeout(12 * 60_000);
    const context = await browser.newContext(learnerContext);
    const learner = new LessonPage(await context.newPage());
    try {
      await learner.openLaunchLink(launchToken);
      await learner.goto(lesson.slug);
      await expect(learner.labPanel.getByText(lesson.profile === 'multi' ? /3 nodes/ : /1 node/).first()).toBeVisible();
      await learner.startLab.click();
      await learner.waitForPrompt(8 * 60_000);
      await learner.typeScript(exercise.solution, 6 * 60_000);
      const card = learner.exercise(exercise.id);
      await card.check.click();
      await expect(card.result).toContainText('✓ Passed', { timeout: 60_000 });
      await expect(card.root).toHaveAttribute('data-passed', 'true');
      for (const item of await card.criteria.all()) await expect(item).toContainText('✓');
      const path = test.info().outputPath(`${lesson.slug}-${exercise.id}.png`);
      await learner.page.screenshot({ path });
      await test.info().attach(`${lesson.slug}-${exercise.id}`, { path, contentType: 'image/png' });
    } finally {
      const session = await learner.session().catch(() => undefined);
      await context.close();
      if (session) await labApi.endSession(session);
    }
  });
}
