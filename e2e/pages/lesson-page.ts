import { expect, type Locator, type Page, type Request } from '@playwright/test';
import type { Credentials } from '@kubelab/lab-runner/client';

/**
 * Loads a page and makes sure nothing of it was cut off. Chromium fails the requests in flight with
 * net::ERR_NETWORK_CHANGED whenever a network interface comes or goes on the host, and Docker adds or removes one
 * with every cluster that the suites running beside e2e make: a page whose module scripts were cut off that way
 * never defines its custom elements, and its buttons do nothing. A learner would reload; so does this, at most
 * twice, and only for that error (any other failed request is the page's own fault and shows in the test).
 */
async function loadWhole(page: Page, navigate: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const cut: string[] = [];
    const onFailed = (request: Request) => {
      if (request.failure()?.errorText === 'net::ERR_NETWORK_CHANGED') cut.push(request.url());
    };
    page.on('requestfailed', onFailed);
    try {
      await navigate();
      await page.waitForLoadState('load');
    } finally {
      page.off('requestfailed', onFailed);
    }
    if (cut.length === 0) return;
    if (attempt === 3) throw new Error(`the page lost requests to a network change on the host three times running: ${cut.join(', ')}`);
    console.warn(`e2e: a network change on the host cut off ${cut.length} request(s) of ${page.url()}; reloading`);
    navigate = () => page.reload();
  }
}

/**
 * A lesson page as a learner uses it: the lab panel, its terminal, the runnable code blocks and the exercise
 * cards. Locators are roles and names (site/README.md, "Hooks for tests"), except the terminal's rows, which
 * xterm renders as plain elements.
 */
export class LessonPage {
  readonly page: Page;
  readonly labPanel: Locator;
  readonly startLab: Locator;
  readonly steps: Locator;
  readonly terminal: Locator;

  constructor(page: Page) {
    this.page = page;
    this.labPanel = page.getByRole('complementary', { name: 'Lab' });
    this.startLab = this.labPanel.getByRole('button', { name: 'Start lab' });
    this.steps = this.labPanel.getByRole('list', { name: 'Provisioning steps' });
    this.terminal = this.labPanel.getByRole('group', { name: 'Terminal' });
  }

  async goto(slug: string): Promise<void> {
    await loadWhole(this.page, () => this.page.goto(`/lessons/${slug}/`));
  }

  /** Reloads the page, as a learner does, with the same care as goto(). */
  async reload(): Promise<void> {
    await loadWhole(this.page, () => this.page.reload());
  }

  /**
   * Opens the launch link (`/?launch=<token>`), as a learner opens the one `npm start` prints: the server sets
   * the launch cookie and sends the browser on to the same address without the token.
   */
  async openLaunchLink(token: string): Promise<void> {
    await loadWhole(this.page, () => this.page.goto(`/?launch=${encodeURIComponent(token)}`));
    await expect(this.page).toHaveURL(/\/$/);
    const cookies = await this.page.context().cookies();
    expect(cookies.find((cookie) => cookie.name.startsWith('kubelab-launch-')), 'the launch cookie').toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  }

  /** What the terminal shows right now, as text (xterm's DOM renderer keeps one element per row). */
  terminalText(): Promise<string> {
    return this.terminal.locator('.xterm-rows').innerText();
  }

  async waitForTerminalText(pattern: RegExp, timeout = 60_000): Promise<void> {
    await expect.poll(() => this.terminalText(), { timeout, intervals: [250, 500, 1000] }).toMatch(pattern);
  }

  /**
   * Waits for the shell's prompt after Start lab, and fails at once, with the panel's words, if the lab could not
   * start (rather than waiting out the timeout).
   */
  async waitForPrompt(timeout = 5 * 60_000): Promise<void> {
    const failure = this.labPanel.getByText('Your lab could not start');
    await expect
      .poll(
        async () => {
          if (await failure.isVisible()) return `the lab could not start: ${await this.labPanel.innerText()}`;
          return /kubelab:~[#$]/.test(await this.terminalText().catch(() => '')) ? 'prompt' : 'waiting';
        },
        { timeout, intervals: [500, 1000, 2000] },
      )
      .toMatch(/^(prompt|the lab could not start[\s\S]*)$/);
    if (await failure.isVisible()) throw new Error(`the lab could not start: ${await this.labPanel.innerText()}`);
  }

  /** Types into the shell the way a learner does: focus the terminal, type, press Enter. */
  async typeCommand(command: string): Promise<void> {
    await this.terminal.locator('.xterm').click();
    await this.page.keyboard.type(command, { delay: 15 });
    await this.page.keyboard.press('Enter');
  }

  /**
   * Types a whole script into the shell, line by line, as a learner pastes an answer, and waits until the shell has
   * run all of it: a last line prints a marker that only its output, not its echo, contains. History expansion is
   * turned off first, so a `!` in the answer stays text.
   */
  async typeScript(script: string, timeout = 5 * 60_000): Promise<void> {
    const marker = `done-${Date.now().toString(36)}`;
    await this.terminal.locator('.xterm').click();
    for (const line of ['set +H', ...script.split('\n'), `echo ${marker}-$((6*7))`]) {
      await this.page.keyboard.type(line, { delay: 5 });
      await this.page.keyboard.press('Enter');
    }
    await this.waitForTerminalText(new RegExp(`${marker}-42`), timeout);
  }

  /** The lesson's runnable code block holding exactly `command`. */
  codeBlock(command: string): CodeBlock {
    return new CodeBlock(this.page.locator(`kubelab-code[data-command=${JSON.stringify(command)}]`));
  }

  exercise(id: string): ExerciseCard {
    return new ExerciseCard(this.page.locator(`kubelab-exercise[data-exercise="${id}"]`));
  }

  /** The session the page keeps for its lesson in localStorage (kubelab:session:<slug>), to end it afterwards. */
  async session(): Promise<Credentials | undefined> {
    const lesson = await this.labPanel.locator('kubelab-lab').getAttribute('data-lesson');
    const stored = await this.page.evaluate((key) => localStorage.getItem(key), `kubelab:session:${lesson}`);
    if (!stored) return undefined;
    const { id, token } = JSON.parse(stored) as Partial<Credentials>;
    return id && token ? { id, token } : undefined;
  }
}

export class CodeBlock {
  readonly root: Locator;
  readonly run: Locator;
  /** Expressive Code's own copy button. */
  readonly copy: Locator;

  constructor(root: Locator) {
    this.root = root;
    this.run = root.getByRole('button', { name: 'Run', exact: true });
    this.copy = root.getByRole('button', { name: 'Copy to clipboard' });
  }
}

export class ExerciseCard {
  readonly root: Locator;
  readonly check: Locator;
  /** The Auto-check switch (a checkbox with role=switch). */
  readonly autoCheck: Locator;
  /** The line under the buttons: whether auto-check is on, how often it checked, and why it went off. */
  readonly autoCheckLine: Locator;
  readonly result: Locator;
  readonly criteria: Locator;
  /** The card's state line: not started, attempted, passed, passed with help. */
  readonly state: Locator;

  constructor(root: Locator) {
    this.root = root;
    this.check = root.getByRole('button', { name: 'Check' });
    this.autoCheck = root.getByRole('switch', { name: 'Auto-check', exact: true });
    this.autoCheckLine = root.locator('[data-auto-line]');
    this.result = root.locator('.kl-result__summary');
    this.criteria = root.getByRole('list', { name: 'Criteria' }).getByRole('listitem');
    this.state = root.locator('[data-state-line]');
  }

  criterion(text: string | RegExp): Locator {
    return this.criteria.filter({ hasText: text });
  }
}
