import { readFile } from 'node:fs/promises';
import type { Locator } from '@playwright/test';
import { clusterOfSession, deleteClusterOfSession } from '../fixtures/clusters.ts';
import { restartLabRunner } from '../fixtures/lab-runner-restart.ts';
import { expect, testWithOwnLearner as test } from '../fixtures/test.ts';
import type { LessonPage } from '../pages/lesson-page.ts';
import { useTheme, violations } from '../fixtures/axe.ts';

// The Pods lesson and its lab notebook, one learner's loop in order: from the course map to the lesson, Start lab
// with its provisioning steps, a block run in the terminal and another as a cell under its block, three commands in
// the terminal, a failing check (with the criterion's hint) then a passing one, a note; after a reload the Notebook tab shows all of it in that
// order, and its Markdown export holds it; the page and its Notebook tab pass an axe-core scan (WCAG 2.1 AA, light
// and dark). Then what the notebook is for when things go wrong: the lab-runner
// restarts (the terminal comes back, and a reload shows the same timeline); the cluster is deleted behind the lab's
// back (Check says it is gone, and Recreate with restore replays the passed exercise, which passes again); and
// auto-check passes an exercise with no Check pressed. The steps build on each other, so the tests share the
// `learner` (one tab, one lab) and stop at the first failure. The notebook is per learner, not per lab, and other
// specs use the Pods lesson too: everything this spec looks for carries a marker of this run. Its learner is its own
// (a worker of its own), so the Pods lab it leaves running is not the next spec's.
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

function terminalTab(learner: LessonPage): Locator {
  return learner.labPanel.getByRole('tab', { name: 'Terminal' });
}

/** The timeline's own items (not the criteria lists inside them). */
function timelineItems(learner: LessonPage): Locator {
  return learner.labPanel.getByRole('list', { name: 'Timeline' }).locator(':scope > li');
}

test('the course map leads to the Pods lesson; Start lab shows the provisioning steps, then a shell prompt', async ({ learner, labApi }) => {
  const { page } = learner;
  await page.goto('/');
  await page.getByRole('link', { name: /Pods/ }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Pods' })).toBeVisible();
  await expect(learner.startLab).toBeVisible();
  await expect(learner.labPanel.getByText(/1 node/).first()).toBeVisible();
  await shot(learner, '00-lesson-before-start');
  await learner.startLab.click();
  await expect(learner.steps.getByRole('listitem').first()).toBeVisible();
  await shot(learner, '00-provisioning');
  await learner.waitForPrompt();
  const session = await learner.session();
  expect(session, 'the page keeps its session').toBeDefined();
  await expect(labApi.session(session!)).resolves.toMatchObject({ state: 'ready', lesson: 'pods' });
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

test('Run on a code block types it into the terminal; then three commands typed there', async ({ learner }) => {
  const block = learner.codeBlock('kubectl get nodes');
  await expect(block.copy, 'Expressive Code keeps its own copy button beside Run').toHaveCount(1);
  await block.run.click();
  await learner.waitForTerminalText(/control-plane\s+Ready\s+control-plane/);
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
  await expect(card.result).toBeFocused();
  await expect(card.result).toContainText('Not yet');
  const label = card.criterion(/app=web/);
  await expect(label).toContainText('✗');
  await expect(label).toContainText('app=webapp');
  await expect(label, 'with its hint').toContainText('--show-labels');
  await expect(card.criterion(/Running/)).toContainText('✓');
  await learner.typeCommand('kubectl label pod web app=web --overwrite');
  await learner.waitForTerminalText(/pod\/web labeled/);
  await card.check.click();
  await expect(card.result).toContainText('✓ Passed');
  await expect(card.criteria).toHaveCount(4);
  for (const item of await card.criteria.all()) await expect(item).toContainText('✓');
  await expect(card.root).toHaveAttribute('data-passed', 'true');
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
  await learner.reload();
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

test('the lesson page with its running lab, and its Notebook tab, have no WCAG 2.1 AA violation (light and dark)', async ({ learner }) => {
  const page = learner.page;
  for (const theme of ['light', 'dark'] as const) {
    await useTheme(page, theme);
    await terminalTab(learner).click();
    expect(await violations(page), `lesson page, ${theme}`).toEqual([]);
    await notebookTab(learner).click();
    await expect(learner.labPanel.getByRole('tabpanel', { name: 'Notebook' })).toBeVisible();
    expect(await violations(page), `Notebook tab, ${theme}`).toEqual([]);
  }
  await useTheme(page, 'light');
});

test('after a restart of the lab-runner the terminal reconnects, and a reload shows the same timeline', async ({ learner }) => {
  await terminalTab(learner).click();
  const terminal = learner.labPanel.locator('kubelab-terminal');
  await expect(terminal).toHaveAttribute('data-state', 'connected');
  // Every state the terminal goes through from now on, to see it lose the server and find it again.
  await terminal.evaluate((element) => {
    // Page code: this package is typed for Node, not the DOM.
    type Observer = new (callback: () => void) => { observe(target: unknown, options: { attributeFilter: string[] }): void };
    const { MutationObserver } = globalThis as unknown as { MutationObserver: Observer };
    const seen: string[] = [];
    (element as unknown as { seenStates: string[] }).seenStates = seen;
    new MutationObserver(() => seen.push(element.getAttribute('data-state') ?? '')).observe(element, { attributeFilter: ['data-state'] });
  });
  const seenStates = () => terminal.evaluate((element) => (element as unknown as { seenStates: string[] }).seenStates.join(' '));
  await restartLabRunner();
  // The page was not reloaded: its terminal says it is reconnecting, then finds the new lab-runner by itself.
  await expect.poll(seenStates, { timeout: 60_000 }).toMatch(/reconnecting.* connected$/);
  await learner.typeCommand(`echo ${run}-after-restart`);
  await learner.waitForTerminalText(new RegExp(`\\n${run}-after-restart`));

  await learner.reload();
  await expect(learner.labPanel.locator('kubelab-lab')).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
  await expect(terminal).toHaveAttribute('data-state', 'connected');
  // The reloaded terminal shows its history, and takes commands.
  await learner.waitForTerminalText(new RegExp(`\\n${run}-after-restart`), 60_000);
  await learner.typeCommand(`echo ${run}-after-reload`);
  await learner.waitForTerminalText(new RegExp(`\\n${run}-after-reload`));
  await notebookTab(learner).click();
  const items = timelineItems(learner);
  for (const command of [...commands, `echo ${run}-after-restart`]) {
    await expect(items.filter({ hasText: command }).and(learner.page.locator('[data-kind="command"]')), command).toHaveCount(1);
  }
  const checks = items.and(learner.page.locator('[data-kind="check"][data-exercise="first-pod"]'));
  await expect(checks.filter({ hasText: 'Not yet' }).first()).toBeVisible();
  await expect(checks.filter({ hasText: 'Passed' }).last()).toBeVisible();
  await expect(learner.labPanel.locator('textarea').last()).toHaveValue(note);
  await shot(learner, '05-after-lab-runner-restart');
});

test('a cluster deleted behind the lab’s back: Check says it is gone, and Recreate with restore brings the passed exercise back', async ({ learner }) => {
  test.setTimeout(10 * 60_000);
  await terminalTab(learner).click();
  const session = await learner.session();
  expect(session, 'the page keeps its session').toBeDefined();
  const deleted = await deleteClusterOfSession(session!.id);

  const card = learner.exercise('first-pod');
  await card.root.scrollIntoViewIfNeeded();
  await card.check.click();
  const gone = card.root.locator('.kl-result--error');
  await expect(gone).toContainText('Press Recreate in the lab panel');
  await expect(learner.labPanel.getByRole('heading', { name: 'Your cluster is gone' })).toBeVisible();
  await expect(learner.labPanel).toContainText('Error code: E_CLUSTER_GONE');

  // The learner passed first-pod earlier: restoring it is the default, and the panel says what it will do.
  const restore = learner.labPanel.getByRole('checkbox', { name: 'Restore my passed exercises' });
  await expect(restore).toBeChecked();
  await expect(learner.labPanel.locator('[data-restore-detail]')).toContainText('Replays the solution of “Run your first pod” on the new cluster');
  await shot(learner, '06-cluster-gone');

  await learner.labPanel.getByRole('button', { name: 'Recreate', exact: true }).click();
  const step = learner.labPanel.locator('[data-steps] li[data-step="restore-first-pod"]');
  await expect(step, 'the restore step, while it runs').toBeVisible({ timeout: 5 * 60_000 });
  await expect(step).toContainText('Restoring “Run your first pod”');
  await step.scrollIntoViewIfNeeded();
  await shot(learner, '07-restore-step');
  await expect(learner.labPanel.locator('kubelab-lab')).toHaveAttribute('data-phase', 'ready', { timeout: 3 * 60_000 });
  await expect(step).toHaveAttribute('data-state', 'done');
  await expect(step).toContainText('replayed, and it passes again');
  await expect(learner.labPanel.locator('[data-restored]')).toContainText('Restored “Run your first pod”: it passes again.');

  // The card: the error is gone, and the restored check's result shows, passing.
  await expect(gone).toHaveCount(0);
  await expect(card.result).toContainText('✓ Passed');
  await expect(card.result).toContainText('restored on the new cluster');
  await expect(card.state).toContainText('Passed');
  await learner.waitForPrompt();
  expect(clusterOfSession(session!.id), 'the session has a new cluster').not.toBe(deleted);
  await card.root.scrollIntoViewIfNeeded();
  await shot(learner, '08-restored');
});

test('auto-check passes an exercise as the learner works in the terminal, with no Check pressed, and switches itself off', async ({ learner }) => {
  const card = learner.exercise('run-to-completion');
  await card.root.scrollIntoViewIfNeeded();
  await expect(card.autoCheck).not.toBeChecked();
  // Keyboard first: the switch is reached and turned on like any checkbox.
  await card.autoCheck.focus();
  await learner.page.keyboard.press('Space');
  await expect(card.autoCheck).toBeChecked();
  await expect(card.autoCheckLine).toContainText('Auto-check is on');
  // It checks at once: nothing done yet, so not yet, and focus stays on the switch.
  await expect(card.result).toContainText('✗ Not yet', { timeout: 30_000 });
  await expect(card.result).toContainText('by auto-check');
  await expect(card.autoCheckLine).toContainText(/Checked (once|\d+ times), (last )?at \d\d:\d\d:\d\d/);
  await expect(card.autoCheck).toBeFocused();
  await shot(learner, '09-auto-check-on');

  await learner.typeCommand('kubectl run once --restart=Never --image=kubelab/toolbox:1.0 -- echo "hello from kubelab"');
  await expect(card.result).toContainText('✓ Passed', { timeout: 3 * 60_000 });
  await expect(card.result).toContainText('by auto-check');
  await expect(card.autoCheck).not.toBeChecked();
  await expect(card.autoCheckLine).toContainText('Auto-check is off: the exercise passed.');
  await expect(card.state).toContainText('Passed');
  await card.root.scrollIntoViewIfNeeded();
  await shot(learner, '10-auto-check-passed');

  // The notebook has the checks auto-check ran, the last one passing.
  await notebookTab(learner).click();
  const checks = timelineItems(learner).and(learner.page.locator('[data-kind="check"][data-exercise="run-to-completion"]'));
  await expect(checks.last()).toHaveAttribute('data-outcome', 'ok');
  await terminalTab(learner).click();
});
