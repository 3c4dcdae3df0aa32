import { expect, test } from '@playwright/test';
import { LessonPage } from '../pages/lesson-page.ts';

// One learner's whole loop, in order: each step builds on the cluster state of the one before.
test.describe.configure({ mode: 'serial' });

let lesson: LessonPage;
let session: { id: string; token: string } | undefined;

test.beforeAll(async ({ browser }) => {
  lesson = new LessonPage(await browser.newPage());
});

test.afterAll(async ({ request }) => {
  if (session) {
    const response = await request.delete(`/api/sessions/${session.id}`, { headers: { authorization: `Bearer ${session.token}` } });
    expect(response.status()).toBe(204);
  }
  await lesson.page.close();
});

const shot = async (name: string) => {
  await lesson.page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: false });
  await test.info().attach(name, { path: test.info().outputPath(`${name}.png`), contentType: 'image/png' });
};

test('the course map leads to the Pods lesson', async () => {
  const { page } = lesson;
  await page.goto('/');
  await page.getByRole('link', { name: /Pods/ }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Pods' })).toBeVisible();
  await expect(lesson.startLab).toBeVisible();
  await expect(page.getByText(/1 node/).first()).toBeVisible();
  await shot('01-lesson-before-start');
});

test('Start lab shows the provisioning steps, then a shell prompt', async () => {
  await lesson.startLab.click();
  await expect(lesson.steps).toBeVisible();
  await expect(lesson.steps.getByRole('listitem').first()).toBeVisible();
  await shot('02-provisioning');
  await lesson.waitForTerminalText(/kubelab:~[#$]/, 5 * 60_000);
  session = await lesson.session();
  expect(session, 'the page keeps its session').toBeDefined();
  await shot('03-prompt');
});

test('Run on a code block types kubectl get nodes into the terminal, which shows the node Ready', async () => {
  await lesson.runCodeBlock('kubectl get nodes');
  await lesson.waitForTerminalText(/control-plane\s+Ready\s+control-plane/);
  await shot('04-get-nodes');
});

test('Check explains the failing criterion, with its hint', async () => {
  const card = lesson.exercise('first-pod');
  // A near-miss a learner makes: the right pod with the wrong label.
  await lesson.typeCommand('kubectl run web --image=kubelab/web:1.0 --labels=app=webapp && kubectl wait --for=condition=Ready pod/web --timeout=120s');
  await lesson.waitForTerminalText(/pod\/web condition met/, 150_000);
  await card.check.click();
  const label = card.criterion(/app=web/);
  await expect(label).toContainText('✗');
  await expect(label).toContainText('app=webapp');
  await expect(label).toContainText('--show-labels');
  await expect(card.criterion(/Running/)).toContainText('✓');
  await label.scrollIntoViewIfNeeded();
  await shot('05-check-fails');
});

test('after the fix, Check passes', async () => {
  const card = lesson.exercise('first-pod');
  await lesson.typeCommand('kubectl label pod web app=web --overwrite');
  await lesson.waitForTerminalText(/pod\/web labeled/);
  await card.check.click();
  await expect(card.criteria).toHaveCount(4);
  for (const item of await card.criteria.all()) await expect(item).toContainText('✓');
  await shot('06-check-passes');
});

test('after a reload the terminal reconnects and shows its history', async () => {
  const { page } = lesson;
  await page.reload();
  await lesson.waitForTerminalText(/pod\/web labeled/, 60_000);
  await lesson.typeCommand('echo back-after-reload');
  await lesson.waitForTerminalText(/\nback-after-reload/);
  await shot('07-after-reload');
});
