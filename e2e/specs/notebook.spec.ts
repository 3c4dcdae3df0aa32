import { readFile } from 'node:fs/promises';
import type { Locator } from '@playwright/test';
import { expect, test } from '../fixtures/test.ts';
import type { LessonPage } from '../pages/lesson-page.ts';

// The lab notebook on the Pods lesson, one learner's loop in order: a cell run under its block, three commands in
// the terminal, a failing then a passing check, a note; after a reload the Notebook tab shows all of it in that
// order, and its Markdown export holds it. The steps build on each other, so the tests share the `learner` (one
// tab, one lab) and stop at the first failure. The notebook is per learner, not per lab, and other specs use the
// Pods lesson too: everything this spec looks for carries a marker of this run.
test.describe.configure({ mode: 'serial' });

const run = `nb${Date.now().toString(36)}`;
const commands = [`echo ${run}-one`, `ls /${run}-missing`, `printf '%s\\n' ${run}-three`];
const note = `Labels matter (${run}): the Service selects app=web, so the pod needs that label.`;

async function shot(learner: LessonPage, name: string): Promise<void> {
  const path = test.info().outputPath(`${name}.png`);
  await learner.page.screenshot({ path, fullPage: false });
  await test.info().attach(name, { path, contentType: 'image/png' });
}

function notebookTab(learner: LessonPage): Locator {
  return learner.labPanel.getByRole('tab', { name: 'Notebook' });
}

/** The timeline's own items (not the criteria lists inside them). */
function timelineItems(learner: LessonPage): Locator {
  return learner.labPanel.getByRole('list', { name: 'Timeline' }).locator(':scope > li');
}

test('Start lab on the Pods lesson', async ({ learner }) => {
  await learner.goto('pods');
  await learner.startLab.click();
  await learner.waitForPrompt();
});

test('Run as cell shows the output under the block, with its exit status and when it ran', async ({ learner }) => {
  const block = learner.codeBlock('kubectl get nodes');
  await block.root.getByRole('button', { name: 'Run as cell' }).click();
  const output = block.root.getByRole('group', { name: 'Cell output' });
  await expect(output).toContainText(/control-plane\s+Ready/, { timeout: 60_000 });
  await expect(output).toContainText('Exit status 0');
  await expect(output).toContainText(/Ran \d\d:\d\d/);
  await expect(block.root.locator('[data-note]')).toContainText('Cell ran: exit status 0');
  await output.scrollIntoViewIfNeeded();
  await shot(learner, '01-cell-output');
});

test('three commands typed in the terminal', async ({ learner }) => {
  await learner.typeCommand(commands[0]!);
  await learner.waitForTerminalText(new RegExp(`\\n${run}-one`));
  await learner.typeCommand(commands[1]!);
  await learner.waitForTerminalText(/No such file or directory/);
  await learner.typeCommand(commands[2]!);
  await learner.waitForTerminalText(new RegExp(`\\n${run}-three`));
});

test('Check fails, then passes after the fix; the card says Passed', async ({ learner }) => {
  const card = learner.exercise('first-pod');
  // A near-miss a learner makes: the right pod with the wrong label.
  await learner.typeCommand('kubectl run web --image=kubelab/web:1.0 --labels=app=webapp && kubectl wait --for=condition=Ready pod/web --timeout=120s');
  await learner.waitForTerminalText(/pod\/web condition met/, 150_000);
  await card.root.scrollIntoViewIfNeeded();
  await card.check.click();
  await expect(card.result).toContainText('Not yet');
  await expect(card.criterion(/app=web/)).toContainText('app=webapp');
  await learner.typeCommand('kubectl label pod web app=web --overwrite');
  await learner.waitForTerminalText(/pod\/web labeled/);
  await card.check.click();
  await expect(card.result).toContainText('✓ Passed');
  await expect(card.root.locator('[data-state-line]')).toContainText(/Passed/);
  await shot(learner, '02-check-passed');
});

test('a note written in the Notebook tab is saved as it is typed', async ({ learner }) => {
  await notebookTab(learner).click();
  await learner.labPanel.getByRole('button', { name: 'Add a note' }).click();
  const editor = learner.labPanel.getByRole('textbox', { name: /Your new note/ });
  await expect(editor).toBeFocused();
  await learner.page.keyboard.type(note, { delay: 5 });
  const item = timelineItems(learner).filter({ has: learner.page.locator('textarea') }).last();
  await expect(item.getByText('Saved', { exact: true })).toBeVisible({ timeout: 20_000 });
  await shot(learner, '03-note-saved');
});

test('after a reload the Notebook tab shows everything, in order, and the cell output is still under its block', async ({ learner }) => {
  await learner.page.reload();
  const output = learner.codeBlock('kubectl get nodes').root.getByRole('group', { name: 'Cell output' });
  await expect(output).toContainText(/control-plane\s+Ready/);
  await notebookTab(learner).click();
  const items = timelineItems(learner);
  await expect(items.filter({ hasText: `${run}-three` })).toHaveCount(1);
  await expect(learner.labPanel.locator('textarea').last()).toHaveValue(note);

  const texts = await items.evaluateAll((elements) =>
    elements.map((element) => ({
      kind: element.getAttribute('data-kind'),
      text: element.textContent ?? '',
      note: (element.querySelector('textarea') as { value: string } | null)?.value ?? '',
    })),
  );
  const position = (what: string, match: (item: (typeof texts)[number]) => boolean): number => {
    const index = texts.findIndex(match);
    expect(index, `${what} is in the timeline`).toBeGreaterThanOrEqual(0);
    return index;
  };
  const cell = position('the cell', (item) => item.kind === 'cell' && item.text.includes('kubectl get nodes'));
  const [one, two, three] = commands.map((command) => position(command, (item) => item.kind === 'command' && item.text.includes(command)));
  const failed = texts.findIndex((item, index) => index > three! && item.kind === 'check' && item.text.includes('Not yet'));
  const passed = texts.findIndex((item, index) => index > failed && item.kind === 'check' && item.text.includes('Passed'));
  const written = position('the note', (item) => item.kind === 'note' && item.note === note);
  expect([cell, one, two, three, failed, passed, written], 'cell, three commands, failed check, passed check, note: in this order').toEqual(
    [cell, one, two, three, failed, passed, written].toSorted((a, b) => a! - b!),
  );
  expect(failed, 'a failing check after the commands').toBeGreaterThan(three!);
  expect(passed, 'a passing check after it').toBeGreaterThan(failed);

  const failedCheck = items.nth(failed);
  await expect(failedCheck).toContainText('✗');
  const label = failedCheck.getByRole('list', { name: 'Criteria' }).getByRole('listitem').filter({ hasText: 'app=webapp' });
  await expect(label).toContainText('✗');
  await expect(label).toContainText('Expected');
  await expect(label).toContainText('Found');
  await expect(items.nth(two!)).toContainText('exit 2');
  await expect(items.nth(one!)).toContainText('exit 0');
  await items.nth(three!).scrollIntoViewIfNeeded();
  await shot(learner, '04-notebook-after-reload');
});

test('Export downloads the Markdown of the lesson, with the commands, the checks and the note', async ({ learner }) => {
  const [download] = await Promise.all([
    learner.page.waitForEvent('download'),
    learner.labPanel.getByRole('link', { name: 'Export', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('kubelab-pods.md');
  const markdown = await readFile(await download.path(), 'utf8');
  for (const command of commands) expect(markdown).toContain(`$ ${command}`);
  expect(markdown).toContain(`${run}-one`);
  expect(markdown).toContain('No such file or directory');
  expect(markdown).toContain('Exit status 2');
  expect(markdown).toMatch(/check · .*: ✗ not yet/);
  expect(markdown).toMatch(/check · .*: ✓ passed/);
  expect(markdown).toMatch(/^- ✗ .+ — .*app=webapp/m);
  expect(markdown).toMatch(/^- ✓ /m);
  expect(markdown).toContain(note);
  expect(markdown.indexOf(`$ ${commands[0]}`), 'the commands before the note').toBeLessThan(markdown.indexOf(note));
});
