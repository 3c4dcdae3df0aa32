import { expect, test } from '../fixtures/test.ts';
import type { LessonPage } from '../pages/lesson-page.ts';

// One learner's whole loop, in order: each step builds on the cluster state of the one before, so the tests share
// the `learner` fixture (one tab, one lab) and stop at the first failure.
test.describe.configure({ mode: 'serial' });

async function shot(learner: LessonPage, name: string): Promise<void> {
  const path = test.info().outputPath(`${name}.png`);
  await learner.page.screenshot({ path, fullPage: false });
  await test.info().attach(name, { path, contentType: 'image/png' });
}

test('the course map leads to the Pods lesson', async ({ learner }) => {
  const { page } = learner;
  await page.goto('/');
  await page.getByRole('link', { name: /Pods/ }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Pods' })).toBeVisible();
  await expect(learner.startLab).toBeVisible();
  await expect(learner.labPanel.getByText(/1 node/).first()).toBeVisible();
  await shot(learner, '01-lesson-before-start');
});

test('Start lab shows the provisioning steps, then a shell prompt', async ({ learner, labApi }) => {
  await learner.startLab.click();
  await expect(learner.steps).toBeVisible();
  await expect(learner.steps.getByRole('listitem').first()).toBeVisible();
  await shot(learner, '02-provisioning');
  await learner.waitForTerminalText(/kubelab:~[#$]/, 5 * 60_000);
  const session = await learner.session();
  expect(session, 'the page keeps its session').toBeDefined();
  await expect(labApi.session(session!)).resolves.toMatchObject({ state: 'ready', lesson: 'pods' });
  await shot(learner, '03-prompt');
});

test('Run on a code block types kubectl get nodes into the terminal, which shows the node Ready', async ({ learner }) => {
  const block = learner.codeBlock('kubectl get nodes');
  await expect(block.copy, 'Expressive Code keeps its own copy button beside Run').toHaveCount(1);
  await block.run.click();
  await learner.waitForTerminalText(/control-plane\s+Ready\s+control-plane/);
  await shot(learner, '04-get-nodes');
});

test('Check explains the failing criterion, with its hint', async ({ learner }) => {
  const card = learner.exercise('first-pod');
  // A near-miss a learner makes: the right pod with the wrong label.
  await learner.typeCommand('kubectl run web --image=kubelab/web:1.0 --labels=app=webapp && kubectl wait --for=condition=Ready pod/web --timeout=120s');
  await learner.waitForTerminalText(/pod\/web condition met/, 150_000);
  await card.check.click();
  await expect(card.result).toBeFocused();
  await expect(card.result).toContainText('Not yet');
  const label = card.criterion(/app=web/);
  await expect(label).toContainText('✗');
  await expect(label).toContainText('app=webapp');
  await expect(label).toContainText('--show-labels');
  await expect(card.criterion(/Running/)).toContainText('✓');
  await label.scrollIntoViewIfNeeded();
  await shot(learner, '05-check-fails');
});

test('after the fix, Check passes', async ({ learner }) => {
  const card = learner.exercise('first-pod');
  await learner.typeCommand('kubectl label pod web app=web --overwrite');
  await learner.waitForTerminalText(/pod\/web labeled/);
  await card.check.click();
  await expect(card.criteria).toHaveCount(4);
  for (const item of await card.criteria.all()) await expect(item).toContainText('✓');
  await expect(card.root).toHaveAttribute('data-passed', 'true');
  await shot(learner, '06-check-passes');
});

test('after a reload the terminal reconnects and shows its history', async ({ learner }) => {
  await learner.reload();
  await learner.waitForTerminalText(/pod\/web labeled/, 60_000);
  await learner.typeCommand('echo back-after-reload');
  await learner.waitForTerminalText(/\nback-after-reload/);
  await shot(learner, '07-after-reload');
});
