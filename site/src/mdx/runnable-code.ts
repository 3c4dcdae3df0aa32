/**
 * A runnable code block, <kubelab-code> (markup in RunnableCode.astro; Copy is Expressive Code's): Run types it
 * into the terminal; Run as cell runs it in the lab's toolbox and shows the output under the block; Run all cells
 * above runs, in order, the cells above it (blocks marked `cell`, and blocks run as cells on this page). Outputs
 * come from the page's notebook (lab/notebook.ts), so the ones from an earlier visit show too.
 */
import type { CellEntry } from '@kubelab/lab-runner/api';
import { ApiError, problemOf } from '../lab/api.ts';
import { cellIdsFor } from '../lab/cells.ts';
import { labController } from '../lab/controller.ts';
import { exerciseFocus } from '../lab/exercise-focus.ts';
import { forLearner } from '../lab/messages.ts';
import { lessonNotebook } from '../lab/notebook.ts';
import { confirmDialog } from '../lib/confirm.ts';
import { formatDuration, formatWhen, sentence } from '../lib/format.ts';
import { terminalOutput } from '../lib/terminal-output.ts';

/** Lines of a cell's output shown before "Show all". */
const CELL_PREVIEW_LINES = 20;

const blocks = () => [...document.querySelectorAll<KubelabCode>('kubelab-code')];

let cellIds: Map<KubelabCode, string> | undefined;
/** The page's cell id of a block; worked out once, for every block together (twins are told apart by order). */
function cellIdOf(block: KubelabCode): string {
  if (!cellIds?.has(block)) {
    const all = blocks();
    const ids = cellIdsFor(all.map((b) => b.command));
    cellIds = new Map(all.map((b, index) => [b, ids[index]!]));
  }
  return cellIds.get(block)!;
}

/** Where a block's buttons stand when no lab is ready: what to say instead of running. */
function notReadyNote(): string | undefined {
  const lab = labController();
  if (lab?.ready) return undefined;
  const phase = lab?.snapshot.phase;
  if (phase === 'starting' || phase === 'provisioning' || phase === 'resuming') return 'Your lab is still starting: Run works once the terminal appears.';
  return lab ? 'No lab is running: press Start lab in the lab panel first.' : 'There is no lab on this page; copy the command instead (the copy button on the block).';
}

function cellProblem(error: unknown): string {
  if (error instanceof ApiError && error.code === 'E_SESSION_BUSY') {
    return 'Two cells are already running in your lab. Wait until one has finished, then run this one again.';
  }
  const problem = forLearner(problemOf(error));
  return `${sentence(problem.message)}${problem.hint ? ` ${sentence(problem.hint)}` : ''}`;
}

class KubelabCode extends HTMLElement {
  #noteTimer: ReturnType<typeof setTimeout> | undefined;
  /** The entry this block shows, or 'running' while it runs. */
  #shown: CellEntry | 'running' | undefined;

  connectedCallback() {
    this.#button('run').addEventListener('click', (event) => void this.#run(event.currentTarget as HTMLElement));
    this.#button('run-cell').addEventListener('click', () => void this.runAsCell());
    this.#button('run-above').addEventListener('click', () => void this.#runAbove());
    this.#button('clear-outputs').addEventListener('click', () => void this.#clearOutputs());
    const notebook = lessonNotebook();
    if (!notebook) return;
    notebook.addEventListener('change', () => this.#sync());
    void notebook.ensureLoaded();
  }

  get command(): string {
    return this.dataset['command'] ?? '';
  }

  get cellId(): string {
    return cellIdOf(this);
  }

  /** A cell: marked so by the author, or run as one (its output is on the page). */
  get isCell(): boolean {
    return this.dataset['cellDefault'] !== undefined || this.#shown !== undefined;
  }

  /** Hidden with its container (a reference solution not shown): not part of "the cells above". */
  get #visible(): boolean {
    return !this.closest('[hidden]');
  }

  #button(action: string): HTMLButtonElement {
    return this.querySelector<HTMLButtonElement>(`[data-action="${action}"]`)!;
  }

  async #run(button: HTMLElement) {
    const notReady = notReadyNote();
    if (notReady) return this.#note(notReady);
    if (!(await this.#confirmed(button, 'Run it'))) return;
    const sent = labController()!.runCommand(this.command);
    this.#note(sent ? 'Sent to the terminal.' : 'The terminal is not connected yet; try again in a moment.');
  }

  async #confirmed(button: HTMLElement, confirmLabel: string): Promise<boolean> {
    if (this.dataset['confirm'] === undefined) return true;
    return confirmDialog({
      title: 'Run this command?',
      body: this.dataset['confirm'] || 'This command changes or deletes things in your cluster, or takes a while.',
      code: this.command,
      confirmLabel,
      cancelLabel: 'Cancel',
      returnFocus: button,
    });
  }

  /** Run as cell. Resolves with the entry, or undefined when it did not run (no lab, cancelled, refused). */
  async runAsCell(options: { confirm?: boolean } = {}): Promise<CellEntry | undefined> {
    const notebook = lessonNotebook();
    const notReady = notReadyNote();
    if (notReady || !notebook) {
      this.#note(notReady ?? 'There is no lab on this page.');
      return undefined;
    }
    const button = this.#button('run-cell');
    if (options.confirm !== false && !(await this.#confirmed(button, 'Run it as a cell'))) return undefined;
    const previous = this.#shown;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    this.#shown = 'running';
    this.#renderRunning();
    this.#note('Running in your lab…');
    try {
      const exercise = this.closest<HTMLElement>('kubelab-exercise')?.dataset['exercise'] ?? exerciseFocus().current ?? undefined;
      const entry = await notebook.runCell({ cell: this.cellId, code: this.command, exercise });
      this.#render(entry);
      this.#note(`Cell ran: ${entry.exitCode === 0 ? 'exit status 0' : entry.exitCode === -1 ? 'stopped, it took too long' : `exit status ${entry.exitCode}`}, in ${formatDuration(entry.durationMs)}.`, false);
      return entry;
    } catch (error) {
      this.#shown = previous === 'running' ? undefined : previous;
      if (this.#shown) this.#render(this.#shown);
      else this.#part('[data-cell-output]').hidden = true;
      this.#note(cellProblem(error), false);
      return undefined;
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      syncRunAboveButtons();
    }
  }

  /** Runs the cells above this block, in order, and stops at the first that fails. */
  async #runAbove() {
    const all = blocks();
    const above = all.slice(0, all.indexOf(this)).filter((block) => block.isCell && block.#visible);
    const notReady = notReadyNote();
    if (notReady) return this.#note(notReady);
    if (above.length === 0) return this.#note('There are no cells above this block yet.');
    const asking = above.filter((block) => block.dataset['confirm'] !== undefined);
    if (asking.length > 0) {
      const ok = await confirmDialog({
        title: `Run ${above.length} ${above.length === 1 ? 'cell' : 'cells'}?`,
        body: `${asking.length === 1 ? 'One of them changes or deletes things in your cluster, or takes a while' : `${asking.length} of them change or delete things in your cluster, or take a while`}:`,
        code: asking.map((block) => block.command).join('\n\n'),
        confirmLabel: 'Run them',
        cancelLabel: 'Cancel',
        returnFocus: this.#button('run-above'),
      });
      if (!ok) return;
    }
    const button = this.#button('run-above');
    button.disabled = true;
    try {
      for (const [index, block] of above.entries()) {
        this.#note(`Running cell ${index + 1} of ${above.length}…`, false);
        const entry = await block.runAsCell({ confirm: false });
        if (!entry || entry.exitCode !== 0) {
          const why = entry ? (entry.exitCode === -1 ? 'it was stopped' : `exit status ${entry.exitCode}`) : 'it did not run';
          this.#note(`Stopped at cell ${index + 1} of ${above.length}: ${why}. Its output is under it.`, false);
          return;
        }
      }
      this.#note(`Ran ${above.length} ${above.length === 1 ? 'cell' : 'cells'} above, each with exit status 0.`, false);
    } finally {
      button.disabled = false;
    }
  }

  async #clearOutputs() {
    const notebook = lessonNotebook();
    if (!notebook) return;
    const returnTo = this.#button('run-cell');
    try {
      await notebook.clearCells();
      returnTo.focus();
      this.#note('Outputs cleared. The Notebook tab still has every run.', false);
    } catch (error) {
      this.#note(cellProblem(error), false);
    }
  }

  /** Shows what the notebook has for this block: its latest output, or none after Clear outputs. */
  #sync() {
    if (this.#shown === 'running') return;
    const entry = lessonNotebook()?.cells.get(this.cellId);
    if (entry && (this.#shown === undefined || this.#shown.id !== entry.id)) this.#render(entry);
    else if (!entry && this.#shown) {
      this.#shown = undefined;
      this.#part('[data-cell-output]').hidden = true;
    }
    syncRunAboveButtons();
  }

  #renderRunning() {
    const output = this.#part('[data-cell-output]');
    output.hidden = false;
    output.dataset['exit'] = 'running';
    this.#part('[data-cell-mark]').textContent = '…';
    this.#part('[data-cell-status]').textContent = 'Running in your lab…';
    this.#part('[data-cell-when]').textContent = '';
    this.#part('[data-cell-body]').replaceChildren();
  }

  #render(entry: CellEntry) {
    this.#shown = entry;
    const output = this.#part('[data-cell-output]');
    output.hidden = false;
    output.dataset['exit'] = entry.exitCode === 0 ? 'ok' : 'failed';
    output.dataset['entry'] = String(entry.id);
    this.#part('[data-cell-mark]').textContent = entry.exitCode === 0 ? '✓' : '✗';
    const status = entry.exitCode === 0 ? 'Exit status 0' : entry.exitCode === -1 ? 'Stopped: it took too long' : `Exit status ${entry.exitCode}`;
    this.#part('[data-cell-status]').textContent = `${status} · ${formatDuration(entry.durationMs)}`;
    const when = document.createElement('time');
    when.dateTime = entry.startedAt;
    when.textContent = formatWhen(entry.startedAt);
    when.title = new Date(entry.startedAt).toLocaleString();
    this.#part('[data-cell-when]').replaceChildren('Ran ', when);
    this.#part('[data-cell-body]').replaceChildren(
      terminalOutput({
        text: entry.output,
        previewLines: CELL_PREVIEW_LINES,
        cutNote: entry.truncated ? 'Output truncated: the notebook keeps the start of it (and a cell stops after 60 s).' : undefined,
      }),
    );
  }

  #part(selector: string): HTMLElement {
    return this.querySelector<HTMLElement>(selector)!;
  }

  /** A line under the block (announced); `fades`: it goes after a few seconds. */
  #note(text: string, fades = true) {
    const note = this.querySelector<HTMLElement>('[data-note]');
    if (!note) return;
    note.textContent = text;
    clearTimeout(this.#noteTimer);
    if (fades) this.#noteTimer = setTimeout(() => (note.textContent = ''), 5000);
  }
}

/** "Run all cells above" shows on the blocks that have a cell above them. */
function syncRunAboveButtons() {
  let cellAbove = false;
  for (const block of blocks()) {
    const button = block.querySelector<HTMLButtonElement>('[data-action="run-above"]');
    if (button) button.hidden = !cellAbove;
    if (block.isCell && !block.closest('[hidden]')) cellAbove = true;
  }
}

customElements.define('kubelab-code', KubelabCode);
syncRunAboveButtons();
