/**
 * Progress of long work (setup, cluster creation, a lab's provisioning), reported step by step. The CLI prints
 * it; the lab-runner turns the same events into the learner's provisioning list. Logs are a separate channel.
 *
 * Like kind's status, a step is started and then ended through the handle `start()` returns, so nothing is looked
 * up by its title: each step has a stable id (`create-cluster`) for code and tests, and a title for people.
 */
export type StatusEvent =
  | { type: 'start'; id: string; title: string; at: number }
  | { type: 'progress'; id: string; title: string; message: string; at: number }
  | { type: 'done'; id: string; title: string; detail?: string; elapsedMs: number; at: number }
  | { type: 'skip'; id: string; title: string; reason: string; at: number }
  | { type: 'fail'; id: string; title: string; message: string; elapsedMs: number; at: number };

/** One running step. Only the first of done/fail counts; later calls are ignored. */
export interface StepHandle {
  readonly id: string;
  readonly title: string;
  /** A line about the step: a sub-task, or a heartbeat during long builds. */
  progress(message: string): void;
  done(detail?: string): void;
  fail(error: unknown): void;
}

export interface Status {
  /** Starts a step. `id` is stable (lowercase words and dashes); `title` is what a person reads. */
  start(id: string, title: string): StepHandle;
  /** A step that had nothing to do. */
  skip(id: string, title: string, reason: string): void;
}

/** Collects events and hands each to a listener; the one Status implementation, which the others configure. */
export class EventStatus implements Status {
  readonly events: StatusEvent[] = [];
  readonly #listener: (event: StatusEvent) => void;

  constructor(listener: (event: StatusEvent) => void = () => {}) {
    this.#listener = listener;
  }

  #emit(event: StatusEvent): void {
    this.events.push(event);
    this.#listener(event);
  }

  start(id: string, title: string): StepHandle {
    const began = Date.now();
    let ended = false;
    this.#emit({ type: 'start', id, title, at: began });
    return {
      id,
      title,
      progress: (message) => {
        if (!ended) this.#emit({ type: 'progress', id, title, message, at: Date.now() });
      },
      done: (detail) => {
        if (ended) return;
        ended = true;
        this.#emit({ type: 'done', id, title, ...(detail ? { detail } : {}), elapsedMs: Date.now() - began, at: Date.now() });
      },
      fail: (error) => {
        if (ended) return;
        ended = true;
        const message = error instanceof Error ? error.message : String(error);
        this.#emit({ type: 'fail', id, title, message, elapsedMs: Date.now() - began, at: Date.now() });
      },
    };
  }

  skip(id: string, title: string, reason: string): void {
    this.#emit({ type: 'skip', id, title, reason, at: Date.now() });
  }
}

/** Runs one step: start, then done with the detail `work` returns, or failed with its error (rethrown). */
export async function runStep<T>(
  status: Status,
  id: string,
  title: string,
  work: (step: StepHandle) => Promise<T>,
  detail?: (result: T) => string | undefined,
): Promise<T> {
  const step = status.start(id, title);
  try {
    const result = await work(step);
    step.done(detail?.(result));
    return result;
  } catch (error) {
    step.fail(error);
    throw error;
  }
}

/** A duration for a status line: 850ms, 12.3s, 4m05s. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  // Round before splitting, so 119.6 s reads 2m00s and 59.97 s reads 1m00s, never 1m60s or 60.0s.
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** Prints status events as plain lines on stderr: readable in a terminal and in CI logs alike. */
export function consoleStatus(write: (line: string) => void = (line) => process.stderr.write(line + '\n')): EventStatus {
  return new EventStatus((event) => {
    switch (event.type) {
      case 'start':
        write(`▸ ${event.title}…`);
        break;
      case 'progress':
        write(`  ${event.title}: ${event.message}`);
        break;
      case 'done':
        write(`✓ ${event.title}${event.detail ? ` — ${event.detail}` : ''} (${formatElapsed(event.elapsedMs)})`);
        break;
      case 'skip':
        write(`· ${event.title}: ${event.reason}`);
        break;
      case 'fail':
        write(`✗ ${event.title} failed after ${formatElapsed(event.elapsedMs)}`);
        break;
    }
  });
}

/**
 * Runs `work` while reporting a heartbeat every `everyMs` with the last line the work reported, so a
 * 20-minute build never looks hung.
 */
export async function withHeartbeat<T>(step: StepHandle, work: (lastLine: (line: string) => void) => Promise<T>, everyMs = 30_000): Promise<T> {
  const began = Date.now();
  let last = '';
  const timer = setInterval(() => {
    step.progress(`still working (${formatElapsed(Date.now() - began)})${last ? `: ${last.slice(0, 120)}` : ''}`);
  }, everyMs);
  try {
    return await work((line) => {
      if (line.trim()) last = line.trim();
    });
  } finally {
    clearInterval(timer);
  }
}
