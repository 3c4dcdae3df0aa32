/**
 * Saves a note as the learner types: a pause of `delayMs` saves it, one save at a time, and text typed during a
 * save is saved right after. A failed save keeps the text, says so, and tries again later (sooner if the learner
 * types); nothing typed is dropped. A draft becomes a note on its first save with text in it.
 *
 * When another tab saved the same note in between, the server keeps this text as a new note (`conflict`): the
 * editor carries on with that note, and `onConflict` lets the page tell the learner.
 *
 * No DOM here (the timers are injectable), so the unit tests drive it directly.
 */

export interface NoteRef {
  id: number;
  revision: number;
}

export type SaveStatus =
  /** Everything typed is on the server (or nothing was typed yet). */
  | { state: 'saved' }
  /** Typed, waiting for a pause, or being sent. */
  | { state: 'saving' }
  /** The last save failed; the text is kept here. `retryInMs`: when it tries again by itself (undefined: on the next edit). */
  | { state: 'failed'; error: unknown; retryInMs: number | undefined };

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface NoteAutosaveOptions {
  /** The note being edited; undefined for a draft not yet saved. */
  ref: NoteRef | undefined;
  /** The text as the server has it ('' for a draft). */
  savedText: string;
  create(markdown: string): Promise<NoteRef>;
  save(ref: NoteRef, markdown: string): Promise<{ note: NoteRef; conflict: boolean }>;
  onStatus(status: SaveStatus): void;
  /** Another tab had saved a newer revision: this text is now the note `ref`. */
  onConflict?(ref: NoteRef): void;
  /** Whether trying the same save again later can help (not for a browser the server refuses). Default: yes. */
  retryable?(error: unknown): boolean;
  delayMs?: number;
  retryDelaysMs?: readonly number[];
  timers?: Timers;
}

const browserTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class NoteAutosave {
  readonly #options: NoteAutosaveOptions;
  readonly #timers: Timers;
  readonly #delayMs: number;
  readonly #retryDelaysMs: readonly number[];
  #ref: NoteRef | undefined;
  #text: string;
  #savedText: string;
  #timer: unknown;
  #saving: Promise<void> | undefined;
  #failures = 0;
  #status: SaveStatus = { state: 'saved' };
  #disposed = false;

  constructor(options: NoteAutosaveOptions) {
    this.#options = options;
    this.#timers = options.timers ?? browserTimers;
    this.#delayMs = options.delayMs ?? 600;
    this.#retryDelaysMs = options.retryDelaysMs ?? [2000, 5000, 15_000, 30_000];
    this.#ref = options.ref;
    this.#text = options.savedText;
    this.#savedText = options.savedText;
  }

  get ref(): NoteRef | undefined {
    return this.#ref;
  }

  get text(): string {
    return this.#text;
  }

  /** Text typed that the server does not have yet. */
  get dirty(): boolean {
    return this.#text !== this.#savedText;
  }

  get status(): SaveStatus {
    return this.#status;
  }

  /** The learner typed: save after a pause. */
  edit(text: string): void {
    this.#text = text;
    if (!this.dirty) {
      if (!this.#saving) this.#setStatus({ state: 'saved' });
      return;
    }
    this.#setStatus({ state: 'saving' });
    this.#schedule(this.#delayMs);
  }

  /** Save now (the editor lost focus, the page is being hidden). Resolves when nothing is left to send or a save failed. */
  async flush(): Promise<void> {
    this.#timers.clear(this.#timer);
    await this.#saveLoop();
  }

  /** Stop saving by itself (the note was deleted, the editor removed). */
  dispose(): void {
    this.#disposed = true;
    this.#timers.clear(this.#timer);
  }

  #schedule(ms: number): void {
    if (this.#disposed) return;
    this.#timers.clear(this.#timer);
    this.#timer = this.#timers.set(() => void this.#saveLoop(), ms);
  }

  /** One save at a time; what was typed meanwhile goes in the next round. */
  #saveLoop(): Promise<void> {
    if (this.#saving) return this.#saving;
    this.#saving = (async () => {
      try {
        while (this.dirty && !this.#disposed) {
          const ok = await this.#saveOnce(this.#text);
          if (!ok) return;
        }
        if (!this.#disposed) this.#setStatus({ state: 'saved' });
      } finally {
        this.#saving = undefined;
      }
    })();
    return this.#saving;
  }

  async #saveOnce(text: string): Promise<boolean> {
    // A draft with nothing in it is not worth a note yet.
    if (!this.#ref && text.trim() === '') {
      this.#savedText = text;
      return true;
    }
    this.#setStatus({ state: 'saving' });
    try {
      if (!this.#ref) {
        this.#ref = await this.#options.create(text);
      } else {
        const result = await this.#options.save(this.#ref, text);
        this.#ref = { id: result.note.id, revision: result.note.revision };
        if (result.conflict) this.#options.onConflict?.(this.#ref);
      }
      this.#savedText = text;
      this.#failures = 0;
      return true;
    } catch (error) {
      const retryable = this.#options.retryable?.(error) ?? true;
      const retryInMs = retryable ? this.#retryDelaysMs[Math.min(this.#failures, this.#retryDelaysMs.length - 1)] : undefined;
      this.#failures++;
      this.#setStatus({ state: 'failed', error, retryInMs });
      if (retryInMs !== undefined) this.#schedule(retryInMs);
      return false;
    }
  }

  #setStatus(status: SaveStatus): void {
    const same = status.state === this.#status.state && status.state !== 'failed';
    this.#status = status;
    if (!same) this.#options.onStatus(status);
  }
}
