/** pty output is sent at most this long after it was printed... */
export const BATCH_INTERVAL_MS = 5;
/** ...or as soon as this much has gathered. */
export const BATCH_BYTES = 16 * 1024;
/** Output up to this size, after output no larger, counts as interactive and is sent without batching. */
export const INTERACTIVE_BYTES = 256;

export interface OutputBatcherOptions {
  /** Receives each batch, in order; never an empty one. */
  flush: (data: Buffer) => void;
  /** A clock in milliseconds; `performance.now` unless a test brings its own. */
  now?: () => number;
}

/**
 * Gathers a pty's reads into frames. A flood costs one frame per BATCH_INTERVAL_MS instead of one per read,
 * while interactive output is never held back.
 */
export class OutputBatcher {
  readonly #onFlush: (data: Buffer) => void;
  readonly #now: () => number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  /** -Infinity: before the first flush, the output has been quiet for ever. */
  #lastFlushAt = -Infinity;
  #lastFlushBytes = 0;
  #disposed = false;

  constructor(options: OutputBatcherOptions) {
    this.#onFlush = options.flush;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Output gathered for the next batch. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Buffer): void {
    if (this.#disposed || chunk.length === 0) return;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    // Interactive output (a keystroke's echo, a prompt) goes out at once: it is small, or it follows a quiet
    // spell. Only a stream of larger reads waits for the timer, so a fast typist never does. When echoes were
    // batched too, a keystroke's echo took 6.5 ms p50 over the WebSocket; sent at once, 0.6 ms (npm run bench:labs).
    const quiet = this.#now() - this.#lastFlushAt >= BATCH_INTERVAL_MS;
    const interactive = this.#pendingBytes <= INTERACTIVE_BYTES && this.#lastFlushBytes <= INTERACTIVE_BYTES;
    if (this.#pendingBytes >= BATCH_BYTES || (!this.#timer && (quiet || interactive))) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), BATCH_INTERVAL_MS);
  }

  /** Hands over what has gathered now, without waiting for the timer. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pendingBytes === 0) return;
    this.#lastFlushAt = this.#now();
    this.#lastFlushBytes = this.#pendingBytes;
    const data = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#onFlush(data);
  }

  /** Drops what has gathered and cancels the timer; later output is ignored. */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}
