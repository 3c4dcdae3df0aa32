/**
 * The Notebook tab, <kubelab-notebook> (markup and the parts it clones in NotebookPanel.astro): the lesson's
 * timeline from the page's notebook (lab/notebook.ts), drawn incrementally so a note being typed is never redrawn
 * under the learner's fingers; notes saved as they type (lab/note-autosave.ts), with their unsaved text kept in
 * this browser until the server has it; Re-run, Export, Print, Clear outputs, and a filter by exercise.
 *
 * It reads the notebook again whenever the tab is shown, and asks for what is new every few seconds while it is
 * shown and a lab runs (commands typed in the terminal arrive that way).
 */
import type { CellEntry, CheckEntry, CommandEntry, NotebookEntry, NoteEntry } from '@kubelab/lab-runner/api';
import { api, ApiError, problemOf } from '../lab/api.ts';
import { labController } from '../lab/controller.ts';
import { forLearner } from '../lab/messages.ts';
import { availabilityAfter, lessonNotebook, type LessonNotebook } from '../lab/notebook.ts';
import { NoteAutosave, type NoteRef, type SaveStatus } from '../lab/note-autosave.ts';
import { store } from '../lab/store.ts';
import { confirmDialog } from '../lib/confirm.ts';
import { formatDuration, formatWhen, sentence } from '../lib/format.ts';
import { inlineMarkdown } from '../lib/inline-md.ts';
import { terminalOutput } from '../lib/terminal-output.ts';

/** How often the timeline asks for new entries while it is shown and a lab runs. */
const POLL_MS = 4000;
/** Lines of a command's or a cell's output shown before "Show all". */
const PREVIEW_LINES = 6;

const KIND_LABELS: Record<NotebookEntry['kind'], string> = {
  command: 'Command',
  cell: 'Cell',
  check: 'Check',
  note: 'Note',
  solution: 'Solution shown',
};

const MESSAGES = {
  loading: 'Loading your notebook…',
  empty: 'Nothing here yet. The commands you type in the terminal, the cells you run, your checks and your notes appear here, oldest first.',
  locked:
    'Your notebook is kept by the lab server for the browser that opened its launch link. Open the link `npm start` printed ' +
    '(it looks like http://localhost:4321/?launch=…), or the one your workshop host gave you, then come back to this tab.',
  unreachable: 'The notebook is kept by the Kubelab lab server, and none is answering here. Start Kubelab with `npm start` and open the link it prints.',
};

function kibibytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${Math.round(bytes / 1024)} KiB`;
}

class KubelabNotebook extends HTMLElement {
  /** The timeline's items by entry id; notes keep theirs while their id changes (a conflict). */
  #items = new Map<number, HTMLLIElement>();
  #editors = new Map<HTMLLIElement, NoteAutosave>();
  #drafts: HTMLLIElement[] = [];
  #titles = new Map<string, string>();
  #shown = false;
  #poll: ReturnType<typeof setInterval> | undefined;
  #restored = false;
  #draftCount = 0;

  get #notebook(): LessonNotebook | undefined {
    return lessonNotebook();
  }

  get #filter(): string {
    return this.#part<HTMLSelectElement>('[data-filter]').value;
  }

  connectedCallback() {
    const exercises = JSON.parse(this.dataset['exercises'] ?? '[]') as { id: string; title: string }[];
    this.#titles = new Map(exercises.map((exercise) => [exercise.id, exercise.title]));
    const lesson = this.dataset['lesson']!;
    this.#part<HTMLAnchorElement>('[data-export]').href = api.exportUrl(lesson);
    this.#part<HTMLAnchorElement>('[data-export-course]').href = api.exportUrl();
    for (const link of this.querySelectorAll<HTMLAnchorElement>('[data-export], [data-export-course]')) {
      link.addEventListener('click', (event) => {
        if (this.#notebook?.availability === 'available') return;
        event.preventDefault();
        this.#notice(this.#notebook?.availability === 'unreachable' ? MESSAGES.unreachable : MESSAGES.locked);
      });
    }
    this.#part('[data-filter]').addEventListener('change', () => this.#applyFilter());
    this.#on('add-note', () => this.#addDraft());
    this.#on('print', () => window.print());
    this.#on('clear-outputs', () => void this.#clearOutputs());

    const notebook = this.#notebook;
    if (!notebook) return;
    notebook.addEventListener('change', () => this.#render());
    void notebook.ensureLoaded();

    const host = this.closest('kubelab-lab');
    host?.addEventListener('tabchange', (event) => this.#setShown((event as CustomEvent<{ tab: string }>).detail.tab === 'notebook'));
    this.#shown = !this.closest<HTMLElement>('[role="tabpanel"]')?.hidden;
    labController()?.addEventListener('change', () => this.#syncPolling());
    document.addEventListener('visibilitychange', () => this.#syncPolling());
    this.#syncPolling();
    window.addEventListener('beforeunload', (event) => {
      // The text is kept in this browser too, but a save in flight is better finished than restored.
      if ([...this.#editors.values()].some((editor) => editor.dirty)) event.preventDefault();
    });
  }

  #on(action: string, handler: (button: HTMLButtonElement) => void) {
    this.querySelectorAll<HTMLButtonElement>(`.kl-notebook__actions [data-action="${action}"]`).forEach((button) =>
      button.addEventListener('click', () => handler(button)),
    );
  }

  #part<T extends HTMLElement = HTMLElement>(selector: string, root: ParentNode = this): T {
    const found = root.querySelector<T>(selector);
    if (!found) throw new Error(`<kubelab-notebook>: no ${selector} in NotebookPanel.astro`);
    return found;
  }

  /** A fresh copy of one of the parts in the <template>. */
  #clone<T extends HTMLElement = HTMLElement>(name: string): T {
    const template = this.#part<HTMLTemplateElement>('template[data-entry-parts]');
    return this.#part<T>(`[data-part="${name}"]`, template.content).cloneNode(true) as T;
  }

  #setShown(shown: boolean) {
    const wasShown = this.#shown;
    this.#shown = shown;
    if (shown && !wasShown) void this.#notebook?.reload();
    this.#syncPolling();
  }

  #syncPolling() {
    const poll = this.#shown && document.visibilityState === 'visible' && Boolean(labController()?.ready);
    if (poll && !this.#poll) this.#poll = setInterval(() => void this.#notebook?.refresh(), POLL_MS);
    else if (!poll && this.#poll) {
      clearInterval(this.#poll);
      this.#poll = undefined;
    }
  }

  #noticeTimer: ReturnType<typeof setTimeout> | undefined;

  /** A line under the actions that says what an action did (a live region), for a few seconds. */
  #notice(text: string) {
    const notice = this.#part('[data-notebook-notice]');
    notice.innerHTML = inlineMarkdown(text);
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (notice.textContent = ''), 10_000);
  }

  // ── the timeline ───────────────────────────────────────────────────────────────────────────────────────────

  #render() {
    const notebook = this.#notebook;
    if (!notebook) return;
    const list = this.#part<HTMLOListElement>('[data-timeline]');
    const present = new Set<number>();
    for (const entry of notebook.entries) {
      present.add(entry.id);
      const item = this.#items.get(entry.id);
      if (!item) this.#items.set(entry.id, this.#entryItem(entry));
      else if (item.dataset['revision'] !== String(entry.revision)) this.#refreshItem(item, entry);
    }
    for (const [id, item] of this.#items) {
      const editor = this.#editors.get(item);
      if (present.has(id) || editor?.dirty) continue;
      editor?.dispose();
      this.#editors.delete(item);
      this.#items.delete(id);
      item.remove();
    }
    const order = [...[...this.#items.entries()].sort(([a], [b]) => a - b).map(([, item]) => item), ...this.#drafts];
    this.#placeInOrder(list, order);
    if (notebook.availability === 'available' && !this.#restored) this.#restoreBackups();
    this.#applyFilter();
  }

  /** Puts the items in order, moving only those out of place, and gives focus back if a move took it. */
  #placeInOrder(list: HTMLOListElement, order: HTMLLIElement[]) {
    const active = document.activeElement;
    const selection = active instanceof HTMLTextAreaElement ? [active.selectionStart, active.selectionEnd] as const : undefined;
    order.forEach((item, index) => {
      if (list.children[index] !== item) list.insertBefore(item, list.children[index] ?? null);
    });
    if (active instanceof HTMLElement && document.activeElement !== active && this.contains(active)) {
      active.focus();
      if (selection && active instanceof HTMLTextAreaElement) active.setSelectionRange(selection[0], selection[1]);
    }
  }

  #applyFilter() {
    const filter = this.#filter;
    let shown = 0;
    const items = [...this.#part('[data-timeline]').children] as HTMLElement[];
    for (const item of items) {
      item.hidden = filter !== '' && item.dataset['exercise'] !== filter;
      if (!item.hidden) shown++;
    }
    this.#renderStatus(shown, items.length);
  }

  #renderStatus(shown: number, total: number) {
    const notebook = this.#notebook;
    const status = this.#part('[data-notebook-status]');
    const availability = notebook?.availability ?? 'unreachable';
    let text: string;
    if (availability === 'locked') text = MESSAGES.locked;
    else if (availability === 'unreachable') text = MESSAGES.unreachable;
    else if (availability === 'loading') text = MESSAGES.loading;
    else if (total === 0) text = MESSAGES.empty;
    else if (this.#filter) text = `${shown} of ${total} ${total === 1 ? 'entry' : 'entries'}: ${this.#titles.get(this.#filter) ?? this.#filter}. Oldest first.`;
    else text = `${total} ${total === 1 ? 'entry' : 'entries'}, oldest first.`;
    const html = inlineMarkdown(text);
    if (status.innerHTML !== html) status.innerHTML = html;
  }

  #entryItem(entry: NotebookEntry): HTMLLIElement {
    const item = this.#clone<HTMLLIElement>('entry');
    this.#fillItem(item, entry);
    if (entry.kind === 'note') this.#attachEditor(item, entry, entry.exercise, undefined);
    return item;
  }

  /** A newer copy of an entry: notes keep the learner's editor (and its text, unless nothing is waiting to be saved). */
  #refreshItem(item: HTMLLIElement, entry: NotebookEntry) {
    if (entry.kind !== 'note') {
      this.#fillItem(item, entry);
      return;
    }
    item.dataset['revision'] = String(entry.revision);
    this.#fillTime(item, entry);
    const editor = this.#editors.get(item);
    const textarea = this.#part<HTMLTextAreaElement>('[data-note-text]', item);
    if (editor && !editor.dirty && document.activeElement !== textarea) {
      editor.dispose();
      this.#attachEditor(item, entry, entry.exercise, undefined);
    }
  }

  #fillItem(item: HTMLLIElement, entry: NotebookEntry) {
    item.dataset['kind'] = entry.kind;
    item.dataset['entry'] = String(entry.id);
    item.dataset['revision'] = String(entry.revision);
    if (entry.exercise) item.dataset['exercise'] = entry.exercise;
    else delete item.dataset['exercise'];
    this.#part('[data-kind-label]', item).textContent = KIND_LABELS[entry.kind];
    this.#part('[data-exercise-label]', item).textContent = entry.exercise ? (this.#titles.get(entry.exercise) ?? entry.exercise) : '';
    this.#fillTime(item, entry);
    const body = this.#part('[data-body]', item);
    const mark = this.#part('[data-mark]', item);
    const summary = this.#part('[data-summary]', item);
    delete item.dataset['outcome'];
    switch (entry.kind) {
      case 'command':
      case 'cell':
        this.#fillRun(item, entry, mark, summary, body);
        break;
      case 'check':
        this.#fillCheck(item, entry, mark, summary, body);
        break;
      case 'solution':
        mark.textContent = '◇';
        summary.textContent = 'a pass from here on counts as passed with help';
        body.replaceChildren();
        break;
      case 'note':
        mark.textContent = '✎';
        summary.textContent = '';
        break;
    }
  }

  #fillTime(item: HTMLElement, entry: NotebookEntry) {
    const time = this.#part<HTMLTimeElement>('[data-time]', item);
    const at = entry.kind === 'note' ? entry.updatedAt : entry.startedAt;
    time.dateTime = at;
    time.textContent = formatWhen(at);
    time.title = new Date(at).toLocaleString();
  }

  #fillRun(item: HTMLLIElement, entry: CommandEntry | CellEntry, mark: HTMLElement, summary: HTMLElement, body: HTMLElement) {
    const ok = entry.exitCode === 0;
    item.dataset['outcome'] = ok ? 'ok' : 'failed';
    mark.textContent = ok ? '✓' : '✗';
    const status = entry.exitCode === -1 ? 'stopped (too long)' : `exit ${entry.exitCode}`;
    summary.textContent = entry.kind === 'cell' ? `${status} · ${formatDuration(entry.durationMs)}` : status;
    summary.setAttribute('aria-label', `${ok ? 'Succeeded' : 'Failed'}, ${summary.textContent}`);
    const code = this.#clone('code');
    const text = entry.kind === 'command' ? entry.command : entry.code;
    this.#part('[data-code]', code).textContent = text;
    const cutNote = !entry.truncated
      ? undefined
      : entry.kind === 'command'
        ? `Output truncated: ${kibibytes(entry.outputBytes)} in all; the notebook keeps the start.`
        : 'Output truncated: the notebook keeps the start (and a cell stops after 60 s).';
    const output = terminalOutput({ text: entry.output, previewLines: PREVIEW_LINES, cutNote });
    const actions = this.#clone('actions');
    const rerun = this.#part<HTMLButtonElement>('[data-action="rerun"]', actions);
    rerun.setAttribute('aria-label', `Re-run: ${text.split('\n')[0]}`);
    rerun.title = 'Put this back at the terminal prompt, to run it again';
    rerun.addEventListener('click', () => void this.#rerun(rerun, text));
    body.replaceChildren(code, output, actions);
  }

  #fillCheck(item: HTMLLIElement, entry: CheckEntry, mark: HTMLElement, summary: HTMLElement, body: HTMLElement) {
    item.dataset['outcome'] = entry.passed ? 'ok' : 'failed';
    mark.textContent = entry.passed ? '✓' : '✗';
    const met = entry.criteria.filter((criterion) => criterion.passed).length;
    summary.textContent = entry.passed ? `Passed: ${met} of ${entry.criteria.length} criteria met` : `Not yet: ${met} of ${entry.criteria.length} criteria met`;
    const list = this.#clone('criteria');
    for (const criterion of entry.criteria) {
      const li = this.#clone('criterion');
      li.dataset['criterion'] = criterion.id;
      li.dataset['passed'] = String(criterion.passed);
      this.#part('[data-mark]', li).textContent = criterion.passed ? '✓' : '✗';
      this.#part('[data-met]', li).textContent = criterion.passed ? 'Met:' : 'Not met:';
      this.#part('[data-text]', li).innerHTML = inlineMarkdown(criterion.description);
      const rows: [string, string | undefined][] = criterion.passed ? [] : [['Expected', criterion.expected], ['Found', criterion.actual]];
      const details = rows.flatMap(([term, value]) => {
        if (!value) return [];
        const row = this.#clone('detail');
        this.#part('[data-term]', row).textContent = term;
        this.#part('[data-value]', row).innerHTML = inlineMarkdown(value);
        return [row];
      });
      const dl = this.#part('[data-details]', li);
      if (details.length) dl.replaceChildren(...details);
      else dl.remove();
      list.append(li);
    }
    body.replaceChildren(list);
  }

  // ── notes ──────────────────────────────────────────────────────────────────────────────────────────────────

  #addDraft(text = '', exercise: string | undefined = this.#filter || undefined, key?: string): HTMLLIElement {
    const item = this.#clone<HTMLLIElement>('entry');
    item.dataset['kind'] = 'note';
    item.dataset['draft'] = key ?? `draft-${Date.now().toString(36)}-${++this.#draftCount}`;
    if (exercise) item.dataset['exercise'] = exercise;
    this.#part('[data-mark]', item).textContent = '✎';
    this.#part('[data-kind-label]', item).textContent = 'New note';
    this.#part('[data-exercise-label]', item).textContent = exercise ? (this.#titles.get(exercise) ?? exercise) : '';
    this.#part('[data-time]', item).textContent = '';
    this.#drafts.push(item);
    this.#part('[data-timeline]').append(item);
    this.#attachEditor(item, undefined, exercise, text);
    this.#applyFilter();
    if (!key) {
      const textarea = this.#part<HTMLTextAreaElement>('[data-note-text]', item);
      textarea.focus();
      textarea.scrollIntoView({ block: 'nearest' });
    }
    return item;
  }

  /**
   * The note's editor: `note` is the saved note (undefined for a draft); `typed`, text to put in and save (a draft's
   * first words, or text restored from this browser).
   */
  #attachEditor(item: HTMLLIElement, note: NoteEntry | undefined, exercise: string | undefined, typed: string | undefined) {
    const notebook = this.#notebook;
    if (!notebook) return;
    const view = this.#clone('note');
    const textarea = this.#part<HTMLTextAreaElement>('[data-note-text]', view);
    const printed = this.#part('[data-note-print]', view);
    const status = this.#part('[data-save-status]', view);
    textarea.setAttribute('aria-label', note ? `Your note of ${formatWhen(note.startedAt)} (Markdown)` : 'Your new note (Markdown)');
    textarea.placeholder = 'Write in Markdown: what you tried, what you learnt. It is saved as you type.';
    const backupKey = () => (editor.ref ? `note-${editor.ref.id}` : item.dataset['draft']!);
    const backUp = (key: string, text: string) =>
      store.setNoteBackup(notebook.lesson, key, {
        text,
        ...(key.startsWith('note-') ? { id: Number(key.slice('note-'.length)) } : {}),
        ...(exercise ? { exercise } : {}),
        at: Date.now(),
      });
    /** The editor carries on with `saved` (a draft's first save, or a conflict's new note); its unsaved text moves along. */
    const adopt = (saved: NoteEntry, formerId?: number) => {
      if (formerId !== undefined) this.#items.delete(formerId);
      store.setNoteBackup(notebook.lesson, backupKey(), undefined);
      backUp(`note-${saved.id}`, textarea.value);
      this.#drafts = this.#drafts.filter((draft) => draft !== item);
      delete item.dataset['draft'];
      this.#items.set(saved.id, item);
      this.#fillItem(item, saved);
      textarea.setAttribute('aria-label', `Your note of ${formatWhen(saved.startedAt)} (Markdown)`);
    };
    /** Another tab had saved this note too: said until the learner types on. */
    let conflicted = false;
    const editor = new NoteAutosave({
      ref: note ? { id: note.id, revision: note.revision } : undefined,
      savedText: note?.markdown ?? '',
      create: async (markdown) => {
        const saved = await notebook.addNote(markdown, exercise);
        adopt(saved);
        notebook.remember(saved);
        return saved;
      },
      save: async (ref: NoteRef, markdown) => {
        try {
          const result = await notebook.saveNote(ref, markdown);
          if (result.note.id !== ref.id) adopt(result.note, ref.id);
          else item.dataset['revision'] = String(result.note.revision);
          notebook.remember(result.note);
          return result;
        } catch (error) {
          if (!(error instanceof ApiError && error.code === 'E_NOT_FOUND')) throw error;
          // Deleted in another tab meanwhile: what was typed here becomes a note of its own.
          const saved = await notebook.addNote(markdown, exercise);
          adopt(saved, ref.id);
          notebook.remember(saved);
          return { note: saved, conflict: true };
        }
      },
      onStatus: (state) => {
        this.#showSaveStatus(status, state, editor.ref !== undefined, conflicted);
        if (state.state === 'saved' && !editor.dirty) store.setNoteBackup(notebook.lesson, backupKey(), undefined);
      },
      onConflict: () => {
        conflicted = true;
        // The other tab's version of the note comes back into the timeline, above this one.
        void notebook.reload();
      },
      retryable: (error) => availabilityAfter(error) !== 'locked',
    });
    this.#editors.set(item, editor);
    textarea.value = note?.markdown ?? '';
    printed.textContent = textarea.value;
    const grow = () => (textarea.rows = Math.min(20, Math.max(3, textarea.value.split('\n').length + 1)));
    textarea.addEventListener('input', () => {
      printed.textContent = textarea.value;
      grow();
      conflicted = false;
      backUp(backupKey(), textarea.value);
      editor.edit(textarea.value);
    });
    textarea.addEventListener('blur', () => void editor.flush());
    this.#part<HTMLButtonElement>('[data-action="delete-note"]', view).addEventListener('click', (event) => void this.#deleteNote(item, editor, event.currentTarget as HTMLButtonElement));
    this.#showSaveStatus(status, editor.status, note !== undefined);
    const body = this.#part('[data-body]', item);
    body.replaceChildren(view);
    if (typed !== undefined && typed !== textarea.value) {
      textarea.value = typed;
      printed.textContent = typed;
      editor.edit(typed);
    }
    grow();
  }

  #showSaveStatus(status: HTMLElement, state: SaveStatus, saved: boolean, conflicted = false) {
    status.dataset['state'] = state.state;
    if (state.state === 'saving') status.textContent = 'Saving…';
    else if (state.state === 'saved' && conflicted) {
      status.textContent = 'Saved as a new note: this note was changed in another tab meanwhile, so both versions are kept (the other one is above).';
    } else if (state.state === 'saved') status.textContent = saved ? 'Saved' : 'Saved as you type';
    else {
      const problem = forLearner(problemOf(state.error));
      const when = state.retryInMs !== undefined ? `trying again in ${Math.round(state.retryInMs / 1000)} s` : 'saved when you type again';
      status.textContent = `Not saved: ${sentence(problem.message)} Your text stays here, ${when}.`;
    }
  }

  async #deleteNote(item: HTMLLIElement, editor: NoteAutosave, button: HTMLButtonElement) {
    const notebook = this.#notebook;
    if (!notebook) return;
    const hasText = this.#part<HTMLTextAreaElement>('[data-note-text]', item).value.trim() !== '';
    if (hasText) {
      const ok = await confirmDialog({ title: 'Delete this note?', body: 'It is removed from your notebook and its exports.', confirmLabel: 'Delete note', cancelLabel: 'Keep it', returnFocus: button });
      if (!ok) return;
    }
    editor.dispose();
    const key = editor.ref ? `note-${editor.ref.id}` : item.dataset['draft'];
    try {
      if (editor.ref) await notebook.deleteNote(editor.ref.id);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'E_NOT_FOUND')) {
        this.#notice(`The note could not be deleted: ${sentence(forLearner(problemOf(error)).message)}`);
        return;
      }
    }
    if (key) store.setNoteBackup(notebook.lesson, key, undefined);
    this.#editors.delete(item);
    this.#drafts = this.#drafts.filter((draft) => draft !== item);
    for (const [id, candidate] of this.#items) if (candidate === item) this.#items.delete(id);
    item.remove();
    this.#applyFilter();
    this.#notice('Note deleted.');
    this.#part<HTMLButtonElement>('.kl-notebook__actions [data-action="add-note"]').focus();
  }

  /** Text typed in an earlier visit that the server never confirmed: back into its note, or a draft, and saved. */
  #restoreBackups() {
    this.#restored = true;
    const notebook = this.#notebook;
    if (!notebook) return;
    for (const [key, backup] of Object.entries(store.noteBackups(notebook.lesson))) {
      const item = backup.id !== undefined ? this.#items.get(backup.id) : undefined;
      const editor = item && this.#editors.get(item);
      if (item && editor) {
        if (backup.text === editor.text) {
          store.setNoteBackup(notebook.lesson, key, undefined);
          continue;
        }
        const textarea = this.#part<HTMLTextAreaElement>('[data-note-text]', item);
        textarea.value = backup.text;
        this.#part('[data-note-print]', item).textContent = backup.text;
        editor.edit(backup.text);
      } else if (backup.text.trim() !== '') {
        // A draft never saved, or a note deleted since: the text comes back as a new note.
        store.setNoteBackup(notebook.lesson, key, undefined);
        const draftKey = key.startsWith('draft-') ? key : `draft-restored-${Date.now().toString(36)}-${++this.#draftCount}`;
        store.setNoteBackup(notebook.lesson, draftKey, { text: backup.text, ...(backup.exercise ? { exercise: backup.exercise } : {}), at: backup.at });
        this.#addDraft(backup.text, backup.exercise, draftKey);
      } else {
        store.setNoteBackup(notebook.lesson, key, undefined);
      }
    }
  }

  // ── actions ────────────────────────────────────────────────────────────────────────────────────────────────

  /** Re-run: the command goes back to the prompt for the learner to run (or edit) with Enter. */
  async #rerun(button: HTMLButtonElement, command: string) {
    const lab = labController();
    if (!lab?.ready) {
      this.#notice('Re-run puts the command back in the terminal: start the lab first (Terminal tab, Start lab).');
      return;
    }
    if (lab.canTypeWithoutRunning(command)) {
      // The terminal tab comes to the front: the lab panel's live region says what to do next.
      if (lab.typeCommand(command)) lab.dispatchEvent(new CustomEvent('announce', { detail: 'The command is at the terminal prompt: press Enter to run it.' }));
      return;
    }
    const ok = await confirmDialog({
      title: 'Run it again now?',
      body: 'It has several lines, and this terminal runs each line as it arrives, so Re-run runs it at once.',
      code: command,
      confirmLabel: 'Run it',
      cancelLabel: 'Cancel',
      returnFocus: button,
    });
    if (ok) lab.runCommand(command);
  }

  async #clearOutputs() {
    try {
      await this.#notebook?.clearCells();
      this.#notice('Outputs cleared from the lesson. The timeline keeps every run.');
    } catch (error) {
      this.#notice(`The outputs could not be cleared: ${sentence(forLearner(problemOf(error)).message)}`);
    }
  }
}

customElements.define('kubelab-notebook', KubelabNotebook);
