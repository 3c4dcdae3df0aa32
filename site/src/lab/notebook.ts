/**
 * The lesson's notebook as this page knows it: the timeline (commands, cells, checks, notes, solutions shown),
 * the latest output of each cell, and the learner's progress, read from the lab server and kept up to date. One
 * per page, like the lab controller; the code blocks, the exercise cards and the Notebook tab read it and listen
 * for `change`.
 *
 * The notebook belongs to the learner, not to a lab: it is read with the browser's launch cookie whether a lab
 * runs or not. Without that cookie (the launch link was never opened) the server refuses it, and where the site is
 * served on its own there is no server at all: `availability` says which, and the page stays quiet about it.
 */
import type { CellEntry, LessonProgress, NotebookEntry, NoteEntry, NoteSaved } from '@kubelab/lab-runner/api';
import { api, ApiError, LabError, problemOf } from './api.ts';
import { labController } from './controller.ts';
import { PROBLEMS, type Problem } from './messages.ts';

export type NotebookAvailability =
  /** Not read yet. */
  | 'loading'
  | 'available'
  /** The server keeps notebooks only for a browser that opened its launch link. */
  | 'locked'
  /** No lab server answers (the site served on its own, or the server is down). */
  | 'unreachable';

/** The codes with which the server says this browser may not read the learner's notebook. */
const LOCKED_CODES: ReadonlySet<string> = new Set(['E_LAUNCH_REQUIRED', 'E_ORIGIN_REFUSED', 'E_HOST_REFUSED']);

/** What kind of trouble an error reading the notebook is. */
export function availabilityAfter(error: unknown): NotebookAvailability | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (LOCKED_CODES.has(error.code) || error.status === 401 || error.status === 403) return 'locked';
  if (error.code === 'E_NETWORK' || error.code === 'E_BAD_RESPONSE' || error.status === 404 || error.status >= 500) return 'unreachable';
  return undefined;
}

/**
 * The timeline with `incoming` merged in, oldest first: an entry already there is replaced by the copy that came
 * later (a cell cleared), unless that copy is of an older revision (a note saved since the read was sent).
 */
export function mergeEntries(existing: readonly NotebookEntry[], incoming: readonly NotebookEntry[]): NotebookEntry[] {
  if (incoming.length === 0) return [...existing];
  const byId = new Map(existing.map((entry) => [entry.id, entry]));
  for (const entry of incoming) {
    const known = byId.get(entry.id);
    if (!known || entry.revision >= known.revision) byId.set(entry.id, entry);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export class LessonNotebook extends EventTarget {
  readonly lesson: string;
  #entries: NotebookEntry[] = [];
  #cells = new Map<string, CellEntry>();
  #progress: LessonProgress | undefined;
  #availability: NotebookAvailability = 'loading';
  #problem: Problem | undefined;
  #loaded: Promise<void> | undefined;
  #fetching: Promise<void> | undefined;
  /** A read asked for while one was under way, done once it ends: 'full' wins over 'new'. */
  #queued: 'full' | 'new' | undefined;
  #queuedRead: Promise<void> | undefined;

  constructor(lesson: string) {
    super();
    this.lesson = lesson;
  }

  get entries(): readonly NotebookEntry[] {
    return this.#entries;
  }

  /** The latest output of each cell, by the page's cell id (Clear outputs empties it). */
  get cells(): ReadonlyMap<string, CellEntry> {
    return this.#cells;
  }

  get progress(): LessonProgress | undefined {
    return this.#progress;
  }

  get availability(): NotebookAvailability {
    return this.#availability;
  }

  /** Why the last read failed, when it did. */
  get problem(): Problem | undefined {
    return this.#problem;
  }

  /** The first read of the page; every caller waits for the same one. */
  ensureLoaded(): Promise<void> {
    this.#loaded ??= this.reload();
    return this.#loaded;
  }

  /** The whole notebook again (notes may have changed in another tab). */
  reload(): Promise<void> {
    return this.#read('full');
  }

  /** Only the entries newer than the last one this page has, with the cells and the progress (polling, after a check). */
  refresh(): Promise<void> {
    return this.#read(this.#entries.length ? 'new' : 'full');
  }

  #read(kind: 'full' | 'new'): Promise<void> {
    if (this.#fetching) {
      this.#queued = this.#queued === 'full' || kind === 'full' ? 'full' : 'new';
      this.#queuedRead ??= this.#fetching.then(() => {
        const queued = this.#queued ?? 'new';
        this.#queued = undefined;
        this.#queuedRead = undefined;
        return this.#read(queued);
      });
      return this.#queuedRead;
    }
    this.#fetching = this.#fetch(kind).finally(() => (this.#fetching = undefined));
    return this.#fetching;
  }

  async #fetch(kind: 'full' | 'new'): Promise<void> {
    const after = kind === 'new' ? this.#entries.at(-1)?.id : undefined;
    try {
      const notebook = await api.notebook(this.lesson, after ? { after } : {});
      this.#entries = kind === 'full' ? mergeEntries([], notebook.entries) : mergeEntries(this.#entries, notebook.entries);
      // The answer's cells are the truth, except a cell this page ran after the server put the answer together.
      const horizon = Math.max(after ?? 0, ...notebook.entries.map((entry) => entry.id));
      const cells = new Map(notebook.cells.map((cell) => [cell.cell, cell]));
      for (const [id, cell] of this.#cells) if (cell.id > horizon && (cells.get(id)?.id ?? 0) < cell.id) cells.set(id, cell);
      this.#cells = cells;
      this.#progress = notebook.progress;
      this.#availability = 'available';
      this.#problem = undefined;
    } catch (error) {
      const availability = availabilityAfter(error);
      if (availability) this.#availability = availability;
      this.#problem = problemOf(error);
    }
    this.#changed();
  }

  /** Runs a code block as a cell (the lab must be ready); its output is kept as the cell's latest. */
  async runCell(cell: { cell: string; code: string; exercise?: string | undefined }): Promise<CellEntry> {
    const lab = labController();
    if (!lab) throw new LabError(PROBLEMS.noLabOnPage);
    const entry = await lab.runCell(cell);
    this.#cells.set(entry.cell, entry);
    this.#entries = mergeEntries(this.#entries, [entry]);
    this.#changed();
    return entry;
  }

  /** Clear outputs: the page's cell outputs go; the timeline keeps every run. */
  async clearCells(): Promise<void> {
    await api.clearCells(this.lesson);
    this.#cells.clear();
    this.#entries = this.#entries.map((entry) => (entry.kind === 'cell' ? { ...entry, cleared: true } : entry));
    this.#changed();
  }

  /** The learner confirmed Show solution: the server counts a later pass as "passed with help". */
  async solutionShown(exercise: string): Promise<void> {
    await api.solutionShown(this.lesson, exercise);
    await this.refresh();
  }

  // Notes: these only talk to the server. The editor adopts what comes back first, then hands it to `remember`,
  // so that the timeline, redrawn on `change`, finds the note already in its editor instead of drawing it twice.

  addNote(markdown: string, exercise: string | undefined): Promise<NoteEntry> {
    return api.addNote(this.lesson, markdown, exercise);
  }

  saveNote(note: { id: number; revision: number }, markdown: string): Promise<NoteSaved> {
    return api.saveNote(this.lesson, note, markdown);
  }

  async deleteNote(id: number): Promise<void> {
    await api.deleteNote(this.lesson, id);
    this.#entries = this.#entries.filter((entry) => entry.id !== id);
    this.#changed();
  }

  /** A note the page saved: into the timeline. */
  remember(entry: NotebookEntry): void {
    this.#entries = mergeEntries(this.#entries, [entry]);
    this.#changed();
  }

  #changed(): void {
    this.dispatchEvent(new CustomEvent('change'));
  }
}

let notebook: LessonNotebook | undefined;

/** The page's notebook, for the lesson of its lab panel. Undefined on pages without a lab. */
export function lessonNotebook(): LessonNotebook | undefined {
  if (notebook) return notebook;
  const lesson = document.querySelector<HTMLElement>('kubelab-lab')?.dataset['lesson'];
  if (!lesson) return undefined;
  notebook = new LessonNotebook(lesson);
  return notebook;
}
