/**
 * A real `ws` server and client, in-process, around a TerminalSession: the server does what the Fastify route
 * will do (maxPayload, then session.attach(socket)); the client speaks protocol.ts like <kubelab-terminal>, with
 * acks under the test's control.
 */
import type { AddressInfo } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { WebSocket, WebSocketServer } from 'ws';
import { WS_MAX_PAYLOAD_BYTES, type TerminalSession } from '../terminal/bridge.ts';
import { decodeServerFrame, encodeAck, encodeInput, encodeResize, type ServerMessage } from '../terminal/protocol.ts';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface TerminalServer {
  url: string;
  /** Every socket the server accepted, in order. */
  sockets: WebSocket[];
  close(): Promise<void>;
}

export async function serveTerminal(session: TerminalSession): Promise<TerminalServer> {
  const sockets: WebSocket[] = [];
  const server = await new Promise<WebSocketServer>((resolve) => {
    const s: WebSocketServer = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: WS_MAX_PAYLOAD_BYTES }, () => resolve(s));
  });
  server.on('connection', (socket) => {
    sockets.push(socket);
    session.attach(socket);
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    sockets,
    close: () =>
      new Promise((resolve) => {
        for (const socket of server.clients) socket.close(1001);
        server.close(() => resolve());
      }),
  };
}

export interface Closed {
  code: number;
  reason: string;
}

/** A protocol client. With `ack: 'auto'` it acks every OUTPUT frame as it arrives (an xterm that renders instantly). */
export class TerminalClient {
  readonly socket: WebSocket;
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<Closed>;
  ack: 'auto' | 'none';
  /** OUTPUT payload bytes received so far. */
  received = 0;
  /** OUTPUT payload bytes received and not acked yet. */
  unacked = 0;
  #decoder = new StringDecoder('utf8');
  #text = '';
  #waiters = new Set<() => void>();
  #closedValue: Closed | undefined;

  private constructor(url: string, ack: 'auto' | 'none') {
    this.ack = ack;
    this.socket = new WebSocket(url);
    // Every frame then arrives as one Buffer.
    this.socket.binaryType = 'nodebuffer';
    this.socket.on('message', (data) => this.#onFrame(data as Buffer));
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      this.socket.on('close', (code, reason) => {
        this.#closedValue = { code, reason: reason.toString() };
        resolve(this.#closedValue);
        this.#notify();
      }),
    );
  }

  static async connect(url: string, options: { ack?: 'auto' | 'none' } = {}): Promise<TerminalClient> {
    const client = new TerminalClient(url, options.ack ?? 'auto');
    await new Promise<void>((resolve, reject) => {
      client.socket.on('open', () => resolve());
      client.socket.on('error', reject);
    });
    return client;
  }

  get isClosed(): Closed | undefined {
    return this.#closedValue;
  }

  #onFrame(data: Buffer): void {
    const message = decodeServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.messages.push(message);
    if (message.type === 'output') {
      const bytes = Buffer.from(message.data);
      this.received += bytes.length;
      // Floods are measured in bytes; the text keeps its first 4 MiB.
      if (this.#text.length < 4 * 1024 * 1024) this.#text += this.#decoder.write(bytes);
      if (this.ack === 'auto') this.socket.send(encodeAck(bytes.length));
      else this.unacked += bytes.length;
    }
    this.#notify();
  }

  #notify(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /** All OUTPUT so far, decoded as UTF-8 (up to the first 4 MiB). */
  text(): string {
    return this.#text;
  }

  type(text: string): void {
    this.socket.send(encodeInput(text));
  }

  resize(cols: number, rows: number): void {
    this.socket.send(encodeResize(cols, rows));
  }

  /** Acks everything received and not yet acked. */
  ackAll(): void {
    if (this.unacked > 0) this.socket.send(encodeAck(this.unacked));
    this.unacked = 0;
  }

  sendRaw(frame: Uint8Array): void {
    this.socket.send(frame, { binary: true });
  }

  /** Resolves once `predicate` holds, re-checked on every frame; rejects after `timeoutMs` with what was seen. */
  async until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output so far:\n${this.text().slice(-2000)}`));
      }, timeoutMs);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }

  /** Waits until the output (from `from`, a text() offset) matches. Returns the text() length at the match. */
  async waitFor(pattern: RegExp | string, options: { from?: number; timeoutMs?: number } = {}): Promise<number> {
    const from = options.from ?? 0;
    const matches = () => (typeof pattern === 'string' ? this.text().indexOf(pattern, from) >= 0 : pattern.test(this.text().slice(from)));
    await this.until(matches, `output matching ${String(pattern)}`, options.timeoutMs);
    return this.text().length;
  }

  /** Runs a command in the shell and returns what it printed between two markers. */
  async run(command: string, timeoutMs = 10_000): Promise<string> {
    const id = Math.random().toString(36).slice(2, 8);
    const from = this.text().length;
    // The markers are built by the shell, so the echoed command line never matches them.
    this.type(`echo "<<$((1+0))${id}"; ${command}; echo "${id}$((1+0))>>"\r`);
    await this.waitFor(new RegExp(`${id}1>>`), { from, timeoutMs });
    const text = this.text().slice(from);
    const start = text.indexOf(`<<1${id}`);
    const end = text.indexOf(`${id}1>>`);
    return text.slice(start + id.length + 3, end).replace(/\r/g, '');
  }

  async close(): Promise<Closed> {
    if (!this.#closedValue) this.socket.close(1000);
    return this.closed;
  }
}

/** A local shell for unit tests: bash without rc files and with a fixed prompt, so output is predictable. */
export const localShell = ['bash', '--norc', '--noprofile', '-i'];
export const localShellEnv = { PS1: 'test$ ', TERM: 'xterm-256color', HISTFILE: '/dev/null' };
