/**
 * The client side of the terminal wire protocol (lab-runner/terminal/protocol.ts), for the browser and Node alike: one WebSocket of binary
 * frames, ack-based flow control, and reconnection with backoff. It knows nothing of xterm: the element hands it
 * a way to render output and is told what happened.
 *
 * - Output is acknowledged once rendered: the element calls `rendered(bytes)` from xterm's write callback, and
 *   the client sends an ACK as soon as ACK_EVERY_BYTES have been rendered (and the remainder when output pauses).
 * - Close 1000: the shell ended. CloseCode.replaced: another tab took the terminal. CloseCode.sessionEnded: the
 *   lab session is over. None of those reconnect by themselves. Any other close reconnects with backoff, and the
 *   server replays recent output, so `onOpen` tells the element to clear its screen first.
 */
import {
  ACK_EVERY_BYTES,
  CloseCode,
  MAX_CLIENT_FRAME_BYTES,
  decodeServerFrame,
  encodeAck,
  encodeInput,
  encodeResize,
  TERMINAL_LIMITS,
} from '../terminal/protocol.ts';

export type ConnectionState =
  | { state: 'connecting'; attempt: number }
  | { state: 'connected' }
  | { state: 'reconnecting'; attempt: number; retryInMs: number; reason: string }
  /** The shell ended (close 1000). */
  | { state: 'closed'; exitCode: number | undefined }
  /** Opened in another tab (close 4001). */
  | { state: 'replaced' }
  /** The server ended the lab session (close 4004). */
  | { state: 'session-ended' }
  | { state: 'disposed' };

export interface TerminalClientHandlers {
  /** A connection opened: clear the screen, the server is about to replay recent output. */
  onOpen(): void;
  /** Render these bytes; call `rendered` once they are on screen. */
  onOutput(data: Uint8Array, rendered: () => void): void;
  onState(state: ConnectionState): void;
  /** The server sent an ERROR frame (before closing for a protocol error). */
  onServerError?(code: string, message: string): void;
  /** Current size, sent as RESIZE on every (re)connection. */
  size(): { cols: number; rows: number } | undefined;
}

/** Delays before reconnection attempts 1, 2, 3…: quick at first, then at most 10 s, with a little jitter. */
export function backoffMs(attempt: number): number {
  const base = Math.min(10_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.85 + Math.random() * 0.3));
}

const IDLE_ACK_MS = 100;

/** The window's `online` event, where there is a window: reconnect at once when the network comes back. */
const browser = globalThis as {
  addEventListener?(type: 'online', listener: () => void): void;
  removeEventListener?(type: 'online', listener: () => void): void;
};
/** Characters per INPUT frame: at most 4 UTF-8 bytes each, so a frame stays under MAX_CLIENT_FRAME_BYTES. */
const INPUT_CHUNK_CHARS = Math.floor((MAX_CLIENT_FRAME_BYTES - 1) / 4);

export class TerminalClient {
  readonly #url: string;
  readonly #handlers: TerminalClientHandlers;
  #socket: WebSocket | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #unacked = 0;
  #exitCode: number | undefined;
  #disposed = false;

  constructor(url: string, handlers: TerminalClientHandlers) {
    this.#url = url;
    this.#handlers = handlers;
    browser.addEventListener?.('online', this.#onOnline);
    this.#open();
  }

  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  /** Keystrokes or pasted text (split into frames under the size limit). */
  sendInput(text: string): boolean {
    if (!this.connected || text === '') return false;
    let start = 0;
    while (start < text.length) {
      let end = Math.min(text.length, start + INPUT_CHUNK_CHARS);
      // never split a surrogate pair
      if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
      this.#socket!.send(encodeInput(text.slice(start, end)));
      start = end;
    }
    return true;
  }

  resize(cols: number, rows: number): void {
    if (!this.connected) return;
    const { minCols, maxCols, minRows, maxRows } = TERMINAL_LIMITS;
    const c = Math.min(maxCols, Math.max(minCols, Math.floor(cols)));
    const r = Math.min(maxRows, Math.max(minRows, Math.floor(rows)));
    this.#socket!.send(encodeResize(c, r));
  }

  /** Reconnect at once (after "shell ended", "opened in another tab", or to skip the backoff wait). */
  reconnectNow(): void {
    if (this.#disposed) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#socket && this.#socket.readyState <= WebSocket.OPEN) return;
    this.#attempt = 0;
    this.#open();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    browser.removeEventListener?.('online', this.#onOnline);
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#ackTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'client closed');
    this.#handlers.onState({ state: 'disposed' });
  }

  readonly #onOnline = (): void => {
    if (this.#retryTimer !== undefined) this.reconnectNow();
  };

  #open(): void {
    this.#exitCode = undefined;
    this.#unacked = 0;
    clearTimeout(this.#ackTimer);
    this.#handlers.onState({ state: 'connecting', attempt: this.#attempt });
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#url);
    } catch (error) {
      this.#scheduleReconnect(error instanceof Error ? error.message : 'could not open the connection');
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    socket.addEventListener('open', () => {
      if (socket !== this.#socket) return;
      this.#attempt = 0;
      this.#handlers.onOpen();
      const size = this.#handlers.size();
      if (size) this.resize(size.cols, size.rows);
      this.#handlers.onState({ state: 'connected' });
    });
    socket.addEventListener('message', (event: MessageEvent) => {
      if (socket !== this.#socket || !(event.data instanceof ArrayBuffer)) return;
      let message;
      try {
        message = decodeServerFrame(new Uint8Array(event.data));
      } catch {
        return; // an opcode from a newer server: ignore it
      }
      switch (message.type) {
        case 'output': {
          const bytes = message.data.length;
          this.#handlers.onOutput(message.data, () => this.#rendered(socket, bytes));
          break;
        }
        case 'error':
          this.#handlers.onServerError?.(message.code, message.message);
          break;
        case 'exit':
          this.#exitCode = message.exitCode;
          break;
      }
    });
    socket.addEventListener('close', (event: CloseEvent) => {
      if (socket !== this.#socket) return;
      this.#socket = undefined;
      clearTimeout(this.#ackTimer);
      if (this.#disposed) return;
      if (event.code === CloseCode.done) this.#handlers.onState({ state: 'closed', exitCode: this.#exitCode });
      else if (event.code === CloseCode.replaced) this.#handlers.onState({ state: 'replaced' });
      else if (event.code === CloseCode.sessionEnded) this.#handlers.onState({ state: 'session-ended' });
      else this.#scheduleReconnect(event.reason || `connection closed (${event.code})`);
    });
  }

  #scheduleReconnect(reason: string): void {
    this.#attempt += 1;
    const retryInMs = backoffMs(this.#attempt);
    this.#handlers.onState({ state: 'reconnecting', attempt: this.#attempt, retryInMs, reason });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#open();
    }, retryInMs);
  }

  #rendered(socket: WebSocket, bytes: number): void {
    if (socket !== this.#socket || socket.readyState !== WebSocket.OPEN) return;
    this.#unacked += bytes;
    if (this.#unacked >= ACK_EVERY_BYTES) {
      this.#flushAck();
    } else if (this.#ackTimer === undefined) {
      this.#ackTimer = setTimeout(() => this.#flushAck(), IDLE_ACK_MS);
    }
  }

  #flushAck(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    if (this.#unacked === 0 || !this.connected) return;
    this.#socket!.send(encodeAck(this.#unacked));
    this.#unacked = 0;
  }
}
