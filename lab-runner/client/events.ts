/**
 * The provisioning event stream (routes/events.ts), read with fetch and eventsource-parser so one implementation
 * serves the browser and Node, and an AbortSignal ends it: `step` (a Step) events, then `ready` (the session
 * summary) or `failed` (an error detail). The server replays the steps so far on every connection, so a caller
 * that lost the stream simply follows it again.
 */
import { createParser } from 'eventsource-parser';
import type { CheckResult, ErrorDetail, SessionSummary, Step } from '../schemas/api.ts';
import { ApiError, type Credentials, type LabApi } from './http.ts';

export interface SessionEventHandlers {
  onStep?(step: Step): void;
  onReady?(summary: SessionSummary): void;
  onFailed?(error: ErrorDetail): void;
}

/**
 * How the stream ended: `ready` or `failed` (the provisioning outcome, also passed to the handler), or `closed`
 * when the connection ended first (the server restarted, or the network dropped): follow again, or ask
 * `api.session()` where things stand.
 */
export type StreamEnd = 'ready' | 'failed' | 'closed';

export async function followSessionEvents(
  api: LabApi,
  c: Credentials,
  handlers: SessionEventHandlers,
  options: { signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<StreamEnd> {
  let end: StreamEnd = 'closed';
  await readEventStream(api.eventsUrl(c), options, (event, data) => {
    switch (event) {
      case 'step':
        handlers.onStep?.(data as Step);
        break;
      case 'ready':
        end = 'ready';
        handlers.onReady?.(data as SessionSummary);
        break;
      case 'failed':
        end = 'failed';
        handlers.onFailed?.(data as ErrorDetail);
        break;
    }
    return end === 'closed';
  });
  return end;
}

export interface AutoCheckHandlers {
  onCheck?(result: CheckResult): void;
  onFailed?(error: ErrorDetail): void;
}

/** How an auto-check ended: the exercise passed, the lab could not be checked, or the stream closed (aborted, or the server went away). */
export type AutoCheckEnd = 'passed' | 'failed' | 'closed';

/**
 * Auto-check (routes/events.ts): the exercise's check results, at once and after each change of the cluster,
 * until it passes. Abort the signal to turn it off.
 */
export async function followAutoCheck(
  api: LabApi,
  c: Credentials,
  exercise: string,
  handlers: AutoCheckHandlers,
  options: { signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<AutoCheckEnd> {
  let end: AutoCheckEnd = 'closed';
  try {
    await readEventStream(api.autoCheckUrl(c, exercise), options, (event, data) => {
      if (event === 'check') handlers.onCheck?.(data as CheckResult);
      else if (event === 'passed') end = 'passed';
      else if (event === 'failed') {
        end = 'failed';
        handlers.onFailed?.(data as ErrorDetail);
      }
      return end === 'closed';
    });
  } catch (error) {
    if (options.signal?.aborted) return 'closed';
    throw error;
  }
  return end;
}

/**
 * Reads a Server-Sent Events stream with fetch, handing each event to `onEvent` until it returns false, the
 * stream ends, or the connection breaks. A refused stream throws the API's ApiError.
 */
async function readEventStream(
  url: string,
  options: { signal?: AbortSignal | undefined; fetch?: typeof fetch | undefined },
  onEvent: (event: string | undefined, data: unknown) => boolean,
): Promise<void> {
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
  let response: Response;
  try {
    response = await doFetch(url, { headers: { accept: 'text/event-stream' }, signal: options.signal ?? null });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw new ApiError(0, { code: 'E_NETWORK', message: 'The lab server did not answer.', hint: 'Check that Kubelab is still running (npm start), then try again.' }, { cause: error });
  }
  if (!response.ok || !response.body) {
    // A refused stream answers with the API's error body: the same ApiError every other call gives.
    const body = (await response.json().catch(() => undefined)) as { error?: ErrorDetail } | undefined;
    throw new ApiError(response.status, body?.error ?? { code: 'E_BAD_RESPONSE', message: `The event stream answered ${response.status}.` });
  }
  let more = true;
  const parser = createParser({
    onEvent: (message) => {
      if (more) more = onEvent(message.event, JSON.parse(message.data) as unknown);
    },
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !more) break;
      parser.feed(value);
    }
  } catch {
    if (options.signal?.aborted) throw options.signal.reason;
    // the connection broke: the caller's outcome is whatever had arrived
  } finally {
    reader.cancel().catch(() => {});
  }
}
