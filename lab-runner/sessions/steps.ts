import { EventStatus, type StatusEvent } from '@kubelab/kit/status';
import type { Step } from '../schemas/api.ts';

const oneLine = (text: string, max = 300): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/**
 * The learner's provisioning list, built from status events: one Step per step id, in the order they started.
 * Pure: the same events always give the same list. A running step's elapsedMs is filled in by whoever shows it.
 */
export function reduceSteps(steps: readonly Step[], event: StatusEvent): Step[] {
  const index = steps.findIndex((step) => step.id === event.id);
  const current = index === -1 ? undefined : steps[index]!;
  let next: Step;
  switch (event.type) {
    case 'start':
      next = { id: event.id, title: event.title, state: 'running', elapsedMs: 0 };
      break;
    case 'skip':
      next = { id: event.id, title: event.title, state: 'done', elapsedMs: 0, detail: oneLine(event.reason) };
      break;
    case 'progress':
      if (!current || current.state !== 'running') return [...steps];
      next = { ...current, detail: oneLine(event.message) };
      break;
    case 'done':
      next = { id: event.id, title: event.title, state: 'done', elapsedMs: event.elapsedMs, ...(event.detail ? { detail: oneLine(event.detail) } : {}) };
      break;
    case 'fail':
      next = { id: event.id, title: event.title, state: 'failed', elapsedMs: event.elapsedMs, detail: oneLine(event.message) };
      break;
  }
  const out = [...steps];
  if (index === -1) out.push(next);
  else out[index] = next;
  return out;
}

/**
 * The Status a lab's provisioning reports to (the provider's create steps and the session's own): it keeps the
 * learner-facing list of steps and hands each change to a listener. Progress lines become the running step's
 * detail, forwarded at most a few times a second so a chatty command does not flood the event stream.
 */
export class StepList extends EventStatus {
  #steps: Step[] = [];
  readonly #startedAt = new Map<string, number>();
  readonly #lastForwarded = new Map<string, number>();

  constructor(listener: (step: Step) => void = () => {}) {
    super((event) => {
      this.#steps = reduceSteps(this.#steps, event);
      if (event.type === 'start') this.#startedAt.set(event.id, event.at);
      const step = this.#steps.find((s) => s.id === event.id);
      if (!step) return;
      if (event.type === 'progress') {
        if (event.at - (this.#lastForwarded.get(event.id) ?? 0) < 250) return;
        this.#lastForwarded.set(event.id, event.at);
      }
      listener(this.#withElapsed(step));
    });
  }

  #withElapsed(step: Step): Step {
    const began = this.#startedAt.get(step.id);
    return step.state === 'running' && began !== undefined ? { ...step, elapsedMs: Math.max(0, Date.now() - began) } : { ...step };
  }

  /** The current steps, with up-to-date elapsed times for running ones. */
  snapshot(): Step[] {
    return this.#steps.map((step) => this.#withElapsed(step));
  }
}
