/**
 * Progress of long work (setup, cluster creation), reported step by step. The CLI prints it; the lab-runner
 * turns the same events into the learner's provisioning list. Logs are a separate channel.
 */
export type StatusEvent =
  | { type: 'start'; step: string; at: number }
  | { type: 'progress'; step: string; message: string; at: number }
  | { type: 'done'; step: string; detail?: string; elapsedMs: number; at: number }
  | { type: 'skip'; step: string; reason: string; at: number }
  | { type: 'fail'; step: string; message: string; elapsedMs: number; at: number };

export interface Status {
  start(step: string): void;
  /** A line about the running step: a sub-task, or a heartbeat during long builds. */
  progress(step: string, message: string): void;
  done(step: string, detail?: string): void;
  skip(step: string, reason: string): void;
  fail(step: string, error: unknown): void;
}

/** Collects events and hands each to a listener; the base for every Status implementation. */
export class EventStatus implements Status {
  readonly events: StatusEvent[] = [];
  private readonly started = new Map<string, number>();
  private readonly listener: (event: StatusEvent) => void;

  constructor(listener: (event: StatusEvent) => void = () => {}) {
    this.listener = listener;
  }

  private emit(event: StatusEvent): void {
    this.events.push(event);
    this.listener(event);
  }

  private elapsed(step: string): number {
    return Date.now() - (this.started.get(step) ?? Date.now());
  }

  start(step: string): void {
    this.started.set(step, Date.now());
    this.emit({ type: 'start', step, at: Date.now() });
  }

  progress(step: string, message: string): void {
    this.emit({ type: 'progress', step, message, at: Date.now() });
  }

  done(step: string, detail?: string): void {
    this.emit({ type: 'done', step, detail, elapsedMs: this.elapsed(step), at: Date.now() });
  }

  skip(step: string, reason: string): void {
    this.emit({ type: 'skip', step, reason, at: Date.now() });
  }

  fail(step: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.emit({ type: 'fail', step, message, elapsedMs: this.elapsed(step), at: Date.now() });
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}

/** Prints status events as plain lines on stderr: readable in a terminal and in CI logs alike. */
export function consoleStatus(write: (line: string) => void = (line) => process.stderr.write(line + '\n')): EventStatus {
  return new EventStatus((event) => {
    switch (event.type) {
      case 'start':
        write(`▸ ${event.step}…`);
        break;
      case 'progress':
        write(`  ${event.step}: ${event.message}`);
        break;
      case 'done':
        write(`✓ ${event.step}${event.detail ? ` — ${event.detail}` : ''} (${formatDuration(event.elapsedMs)})`);
        break;
      case 'skip':
        write(`· ${event.step}: ${event.reason}`);
        break;
      case 'fail':
        write(`✗ ${event.step} failed after ${formatDuration(event.elapsedMs)}`);
        break;
    }
  });
}

/**
 * Runs `work` while printing a heartbeat every `everyMs` with the last line the work reported, so a
 * 20-minute build never looks hung.
 */
export async function withHeartbeat<T>(
  status: Status,
  step: string,
  work: (lastLine: (line: string) => void) => Promise<T>,
  everyMs = 30_000,
): Promise<T> {
  const began = Date.now();
  let last = '';
  const timer = setInterval(() => {
    status.progress(step, `still working (${formatDuration(Date.now() - began)})${last ? `: ${last.slice(0, 120)}` : ''}`);
  }, everyMs);
  try {
    return await work((line) => {
      if (line.trim()) last = line.trim();
    });
  } finally {
    clearInterval(timer);
  }
}
