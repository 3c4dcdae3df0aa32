import { expect, type Locator, type Page } from '@playwright/test';

/** The lesson page as a learner uses it: the lab panel, its terminal, and the exercise cards. */
export class LessonPage {
  readonly page: Page;
  readonly startLab: Locator;
  readonly steps: Locator;
  readonly terminal: Locator;

  constructor(page: Page) {
    this.page = page;
    this.startLab = page.getByRole('button', { name: 'Start lab' });
    this.steps = page.getByRole('list', { name: 'Provisioning steps' });
    this.terminal = page.locator('kubelab-terminal');
  }

  /** What the terminal shows right now, as text (xterm's DOM renderer keeps one element per row). */
  terminalText(): Promise<string> {
    return this.terminal.locator('.xterm-rows').innerText();
  }

  async waitForTerminalText(pattern: RegExp, timeout = 60_000): Promise<void> {
    await expect.poll(() => this.terminalText(), { timeout, intervals: [250, 500, 1000] }).toMatch(pattern);
  }

  /** Types into the shell the way a learner does: focus the terminal, type, press Enter. */
  async typeCommand(command: string): Promise<void> {
    await this.terminal.locator('.xterm').click();
    await this.page.keyboard.type(command, { delay: 15 });
    await this.page.keyboard.press('Enter');
  }

  /** Presses Run on the lesson's code block holding exactly `command`. */
  async runCodeBlock(command: string): Promise<void> {
    await this.page.locator(`kubelab-code[data-command="${command}"]`).getByRole('button', { name: 'Run' }).click();
  }

  exercise(id: string): ExerciseCard {
    return new ExerciseCard(this.page.locator(`[data-exercise="${id}"]`));
  }

  /** The session the page keeps in localStorage (id and token), to end it through the API afterwards. */
  async session(): Promise<{ id: string; token: string } | undefined> {
    return this.page.evaluate(() => {
      for (let i = 0; i < localStorage.length; i++) {
        const value = localStorage.getItem(localStorage.key(i)!) ?? '';
        try {
          const parsed = JSON.parse(value) as { id?: string; token?: string };
          if (parsed.id && parsed.token) return { id: parsed.id, token: parsed.token };
        } catch {}
      }
      return undefined;
    });
  }
}

export class ExerciseCard {
  readonly root: Locator;
  readonly check: Locator;
  readonly criteria: Locator;

  constructor(root: Locator) {
    this.root = root;
    this.check = root.getByRole('button', { name: 'Check' });
    this.criteria = root.getByRole('listitem').filter({ hasText: /[✓✗]/ });
  }

  criterion(text: string | RegExp): Locator {
    return this.criteria.filter({ hasText: text });
  }
}
