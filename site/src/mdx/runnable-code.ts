/** Run on a runnable code block, <kubelab-code> (markup in RunnableCode.astro; Copy is Expressive Code's). */
import { labController } from '../lab/controller.ts';
import { confirmDialog } from '../lib/confirm.ts';

class KubelabCode extends HTMLElement {
  #noteTimer: ReturnType<typeof setTimeout> | undefined;

  connectedCallback() {
    this.querySelector('[data-action="run"]')?.addEventListener('click', (event) => void this.#run(event.currentTarget as HTMLElement));
  }

  get command(): string {
    return this.dataset['command'] ?? '';
  }

  async #run(button: HTMLElement) {
    const lab = labController();
    if (!lab?.ready) {
      const phase = lab?.snapshot.phase;
      this.#note(
        phase === 'starting' || phase === 'provisioning' || phase === 'resuming'
          ? 'Your lab is still starting: Run works once the terminal appears.'
          : lab
            ? 'No lab is running: press Start lab in the lab panel first.'
            : 'There is no lab on this page; copy the command instead (the copy button on the block).',
      );
      return;
    }
    if (this.dataset['confirm'] !== undefined) {
      const ok = await confirmDialog({
        title: 'Run this command?',
        body: this.dataset['confirm'] || 'This command changes or deletes things in your cluster, or takes a while.',
        code: this.command,
        confirmLabel: 'Run it',
        cancelLabel: 'Cancel',
        returnFocus: button,
      });
      if (!ok) return;
    }
    const sent = lab.runCommand(this.command);
    this.#note(sent ? 'Sent to the terminal.' : 'The terminal is not connected yet; try again in a moment.');
  }

  #note(text: string) {
    const note = this.querySelector<HTMLElement>('[data-note]');
    if (!note) return;
    note.textContent = text;
    clearTimeout(this.#noteTimer);
    this.#noteTimer = setTimeout(() => (note.textContent = ''), 5000);
  }
}

customElements.define('kubelab-code', KubelabCode);
