import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** Give up after this long (measured from the first attempt). */
  timeoutMs: number;
  /** Wait between attempts. */
  intervalMs?: number;
  /** Stops waiting at once; poll() then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Calls `attempt` until it resolves with something other than undefined, or throws for the last time. An attempt
 * that throws or yields undefined is tried again after `intervalMs`, until `timeoutMs` has passed; then the last
 * error is rethrown (or undefined returned). The wait between attempts is abortable, unlike a bare setTimeout.
 */
export async function poll<T>(attempt: () => Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 1000;
  for (;;) {
    options.signal?.throwIfAborted();
    let failure: { error: unknown } | undefined;
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      failure = { error };
    }
    if (Date.now() + interval > deadline) {
      if (failure) throw failure.error;
      return undefined;
    }
    await sleep(interval, undefined, { signal: options.signal });
  }
}
