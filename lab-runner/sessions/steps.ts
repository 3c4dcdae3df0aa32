import type { Status } from '../../scripts/lib/status.ts';

/** One provisioning step as the learner sees it. */
export interface Step {
  id: string;
  title: string;
  state: 'running' | 'done' | 'failed';
  elapsedMs: number;
  detail?: string;
}

const slug = (title: string): string =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'step';

const oneLine = (text: string, max = 300): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/**
 * A Status (the same interface the provider reports cluster creation to) that keeps the learner-facing list of
 * steps and hands every change to a listener. Progress lines become the running step's detail, at most a few
 * times a second so a chatty command does not flood the event stream.
 */
export class StepTracker implements Status {
  readonly steps: Step[] = [];
  private readonly startedAt = new Map<Step, number>();
  private readonly lastProgress = new Map<Step, number>();
  private readonly listener: (step: Step) => void;

  constructor(listener: (step: Step) => void = () => {}) {
    this.listener = listener;
  }

  private find(title: string): Step | undefined {
    for (let i = this.steps.length - 1; i >= 0; i--) if (this.steps[i]!.title === title) return this.steps[i];
    return undefined;
  }

  private emit(step: Step): void {
    if (step.state === 'running') step.elapsedMs = Date.now() - (this.startedAt.get(step) ?? Date.now());
    this.listener({ ...step });
  }

  /** The current steps, with up-to-date elapsed times for running ones. */
  snapshot(): Step[] {
    return this.steps.map((step) =>
      step.state === 'running' ? { ...step, elapsedMs: Date.now() - (this.startedAt.get(step) ?? Date.now()) } : { ...step },
    );
  }

  start(title: string): void {
    let id = slug(title);
    if (this.steps.some((s) => s.id === id)) id = `${id}-${this.steps.length + 1}`;
    const step: Step = { id, title, state: 'running', elapsedMs: 0 };
    this.steps.push(step);
    this.startedAt.set(step, Date.now());
    this.emit(step);
  }

  progress(title: string, message: string): void {
    const step = this.find(title);
    if (!step || step.state !== 'running') return;
    step.detail = oneLine(message);
    const now = Date.now();
    if (now - (this.lastProgress.get(step) ?? 0) < 250) return;
    this.lastProgress.set(step, now);
    this.emit(step);
  }

  done(title: string, detail?: string): void {
    const step = this.find(title);
    if (!step) return;
    step.state = 'done';
    step.elapsedMs = Date.now() - (this.startedAt.get(step) ?? Date.now());
    if (detail) step.detail = oneLine(detail);
    else delete step.detail;
    this.emit(step);
  }

  skip(title: string, reason: string): void {
    if (!this.find(title)) this.start(title);
    this.done(title, reason);
  }

  fail(title: string, error: unknown): void {
    const step = this.find(title);
    if (!step) return;
    step.state = 'failed';
    step.elapsedMs = Date.now() - (this.startedAt.get(step) ?? Date.now());
    step.detail = oneLine(error instanceof Error ? error.message : String(error));
    this.emit(step);
  }

  /** Runs one step of our own: start, then done with the detail `work` returns, or failed with its error. */
  async run<T>(title: string, work: () => Promise<T>, detail?: (result: T) => string | undefined): Promise<T> {
    this.start(title);
    try {
      const result = await work();
      this.done(title, detail?.(result));
      return result;
    } catch (error) {
      this.fail(title, error);
      throw error;
    }
  }
}
