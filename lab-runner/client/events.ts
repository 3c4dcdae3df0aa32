/**
 * The provisioning event stream (routes/events.ts), read with fetch and eventsource-parser so one implementation
 * serves the browser and Node, and an AbortSignal ends it: `step` (a Step) events, then `ready` (the session
 * summary) or `failed` (an error detail). The server replays the steps so far on every connection, so a caller
 * that lost the stream simply follows it again.
 */
import { createParser } from 'eventsource-parser';
import type { ErrorDetail, SessionSummary, Step } from '../schemas/api.ts';
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
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
  let response: Response;
  try {
    response = await doFetch(api.eventsUrl(c), { headers: { accept: 'text/event-stream' }, signal: options.signal ?? null });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw new ApiError(0, { code: 'E_NETWORK', message: 'The lab server did not answer.', hint: 'Check that Kubelab is still running (npm start), then try again.' }, { cause: error });
  }
  if (!response.ok || !response.body) {
    // A refused stream answers with the API's error body: the same ApiError every other call gives.
    const body = (await response.json().catch(() => undefined)) as { error?: ErrorDetail } | undefined;
    throw new ApiError(response.status, body?.error ?? { code: 'E_BAD_RESPONSE', message: `The event stream answered ${response.status}.` });
  }
  let end: StreamEnd = 'closed';
  const parser = createParser({
    onEvent: (message) => {
      if (end !== 'closed') return;
      const data: unknown = JSON.parse(message.data);
      switch (message.event) {
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
    },
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || end !== 'closed') break;
      parser.feed(value);
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    return end; // the connection broke: 'closed' unless the outcome had arrived
  } finally {
    reader.cancel().catch(() => {});
  }
  return end;
}
