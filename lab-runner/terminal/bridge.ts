/**
 * The terminal bridge: one pty per lab session, streamed to whichever WebSocket is attached to it (see
 * protocol.ts for the wire format). The session outlives its connections: a reconnecting browser gets the recent
 * output replayed, and then the live stream.
 *
 * Output path: PtyProcess → OutputBatcher (flushes every BATCH_INTERVAL_MS or BATCH_BYTES) → replay ring → OUTPUT
 * frame. This file keeps only what ties them to a connection: attach, replace and detach, replay, and dispatch.
 * Back pressure: the connection's FlowControl pauses the pty (so `yes` blocks in its container) when the client
 * has more than HIGH_WATER_BYTES unacknowledged; while no client is attached the pty keeps running into the
 * bounded replay ring, up to DETACHED_READ_LIMIT_BYTES, and is then paused until someone attaches.
 */
import { DisposableStore } from './disposables.ts';
import { FlowControl } from './flow-control.ts';
import { BATCH_BYTES, OutputBatcher } from './output-batcher.ts';
import {
  CloseCode,
  decodeClientFrame,
  encodeError,
  encodeExit,
  encodeOutput,
  MAX_CLIENT_FRAME_BYTES,
  ProtocolError,
  REPLAY_BYTES,
  type ClientMessage,
} from './protocol.ts';
import { PtyProcess } from './pty-process.ts';
import { ReplayBuffer } from './replay-buffer.ts';

export { BATCH_BYTES, BATCH_INTERVAL_MS, INTERACTIVE_BYTES } from './output-batcher.ts';

/**
 * With no client attached, the shell may print this much before the pty is paused: enough for an ordinary
 * command (a `helm install`, a long `kubectl describe`) to run to completion while the learner's laptop sleeps,
 * while a forgotten `yes` stops costing CPU within milliseconds. Only the last REPLAY_BYTES of it are kept.
 */
export const DETACHED_READ_LIMIT_BYTES = 4 * REPLAY_BYTES;
/**
 * The `maxPayload` the WebSocket server must set (in @fastify/websocket: `options: { maxPayload }`). It is above
 * MAX_CLIENT_FRAME_BYTES so that a too-large paste gets a proper ERROR frame (E_FRAME_TOO_LARGE) from the bridge;
 * anything larger still is cut off by ws itself with close code 1009 before it is buffered.
 */
export const WS_MAX_PAYLOAD_BYTES = 4 * MAX_CLIENT_FRAME_BYTES;

const OPEN = 1;

type RawData = Buffer | ArrayBuffer | Buffer[];

/**
 * What the bridge needs of a WebSocket: `ws`'s WebSocket (what @fastify/websocket hands a route) fits. Outgoing
 * messages are always binary.
 */
export interface TerminalSocket {
  readonly readyState: number;
  /** Bytes queued in the socket and not yet written to the network. */
  readonly bufferedAmount: number;
  send(data: Uint8Array, options: { binary: boolean }, callback?: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'message', listener: (data: RawData, isBinary: boolean) => void): unknown;
  off(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/** pino's logger (Fastify's request.log or app.log) fits. */
export interface TerminalLog {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
}

export interface TerminalSessionOptions {
  /** The shell to run, e.g. provider.shellArgv(name): `docker exec -it … bash -l`. */
  argv: string[];
  cols?: number;
  rows?: number;
  /** Added to the lab-runner's own environment for the spawned command (the docker CLI needs DOCKER_HOST etc.). */
  env?: Record<string, string>;
  cwd?: string;
  log?: TerminalLog;
  /** Sees every chunk of the shell's output as it is read, before batching (the notebook's journal reads its marks). */
  observe?: (chunk: Uint8Array) => void;
}

/** A snapshot of the session's buffers, for metrics, logs and tests. */
export interface TerminalStats {
  /** A shell is running. */
  running: boolean;
  attached: boolean;
  /** The pty is paused (flow control, or too much output while detached). */
  paused: boolean;
  /** OUTPUT bytes the attached client has not acknowledged yet. */
  unackedBytes: number;
  /** Bytes queued in the attached socket. */
  bufferedBytes: number;
  /** Output gathered for the next frame. */
  pendingBytes: number;
  /** Output kept for a reconnecting client (at most REPLAY_BYTES). */
  replayBytes: number;
  /** Everything read from the current shell's pty. */
  ptyBytes: number;
  /** The highest unackedBytes + bufferedBytes seen since the session began. */
  peakInFlightBytes: number;
}

interface Connection {
  readonly socket: TerminalSocket;
  readonly flow: FlowControl;
  /** The listeners this connection added to its socket. */
  readonly listeners: DisposableStore;
}

/** One lab session's terminal: a pty that outlives the WebSocket connections attached to it. */
export class TerminalSession {
  readonly #argv: readonly [string, ...string[]];
  readonly #env: Record<string, string> | undefined;
  readonly #cwd: string | undefined;
  readonly #log: TerminalLog | undefined;
  readonly #observe: ((chunk: Uint8Array) => void) | undefined;
  #cols: number;
  #rows: number;

  #pty: PtyProcess | undefined;
  #ptyBytes = 0;
  #exited = false;
  #disposed = false;

  readonly #replay = new ReplayBuffer(REPLAY_BYTES);
  readonly #batcher = new OutputBatcher({ flush: (data) => this.#deliver(data) });

  #connection: Connection | undefined;
  #detachedBytes = 0;
  #peakInFlight = 0;

  constructor(options: TerminalSessionOptions) {
    const [file, ...args] = options.argv;
    if (!file) throw new TypeError('a terminal session needs a command to run');
    this.#argv = [file, ...args];
    this.#env = options.env;
    this.#cwd = options.cwd;
    this.#log = options.log;
    this.#observe = options.observe;
    this.#cols = options.cols ?? 80;
    this.#rows = options.rows ?? 24;
  }

  /** The shell has ended (and no new one has been started yet: the next attach starts one). */
  get exited(): boolean {
    return this.#exited;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** The shell's process id (the `docker exec` client, for a toolbox shell), while one runs. */
  get pid(): number | undefined {
    return this.#pty?.pid;
  }

  stats(): TerminalStats {
    const connection = this.#connection;
    return {
      running: this.#pty !== undefined,
      attached: connection !== undefined,
      paused: this.#pty?.paused ?? false,
      unackedBytes: connection?.flow.unacked ?? 0,
      bufferedBytes: connection?.socket.bufferedAmount ?? 0,
      pendingBytes: this.#batcher.pendingBytes,
      replayBytes: this.#replay.size,
      ptyBytes: this.#ptyBytes,
      peakInFlightBytes: this.#peakInFlight,
    };
  }

  /**
   * Makes `socket` this terminal's connection. Any previous connection is closed with CloseCode.replaced. The
   * shell is started if none runs (the first attach, or the previous shell exited), the recent output is replayed,
   * then live output follows. Call it once the route has authenticated the request and the upgrade is done.
   */
  attach(socket: TerminalSocket): void {
    if (this.#disposed) {
      closeQuietly(socket, CloseCode.sessionEnded, 'the lab session has ended');
      return;
    }
    if (socket.readyState !== OPEN) return;
    if (this.#connection) {
      this.#log?.info({ event: 'terminal.replaced' }, 'terminal taken over by a new connection');
      this.#detach(this.#connection, CloseCode.replaced, 'this terminal was opened in another tab');
    }
    this.#batcher.flush();

    const connection = this.#connect(socket);
    if (!this.#pty) {
      if (this.#exited) this.#replay.clear();
      try {
        this.#spawn();
      } catch (error) {
        const message = `could not start the shell (${this.#argv.join(' ')}): ${error instanceof Error ? error.message : String(error)}`;
        this.#log?.warn({ event: 'terminal.spawn-failed', err: error }, message);
        sendQuietly(socket, encodeError('E_SPAWN_FAILED', message));
        this.#detach(connection, 1011, 'could not start the shell');
        return;
      }
    }
    const replay = this.#replay.snapshot();
    for (let offset = 0; offset < replay.length; offset += BATCH_BYTES) {
      this.#send(connection, replay.subarray(offset, offset + BATCH_BYTES));
    }
    this.#detachedBytes = 0;
    this.#pty?.resume('detached');
  }

  /** Ends the session: kills the shell and closes the connection with CloseCode.sessionEnded. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#batcher.dispose();
    if (this.#connection) this.#detach(this.#connection, CloseCode.sessionEnded, 'the lab session has ended');
    this.#pty?.kill();
    this.#pty = undefined;
    this.#replay.clear();
  }

  #spawn(): void {
    const pty: PtyProcess = new PtyProcess({
      argv: this.#argv,
      cols: this.#cols,
      rows: this.#rows,
      env: this.#env,
      cwd: this.#cwd,
      onData: (chunk) => {
        this.#ptyBytes += chunk.length;
        // The observer first: once the browser has the prompt that follows a command, the journal has the command.
        if (this.#observe) {
          try {
            this.#observe(chunk);
          } catch (error) {
            this.#log?.warn({ event: 'terminal.observer-failed', err: error }, 'the output observer failed');
          }
        }
        this.#batcher.push(chunk);
      },
      onExit: (exitCode) => this.#onPtyExit(pty, exitCode),
    });
    this.#pty = pty;
    this.#exited = false;
    this.#ptyBytes = 0;
    this.#log?.info({ event: 'terminal.spawn', pid: pty.pid, cols: this.#cols, rows: this.#rows }, 'shell started');
  }

  /** A batch of output: kept for replay, and sent, or counted against the detached read limit. */
  #deliver(data: Buffer): void {
    this.#replay.append(data);
    if (this.#connection) {
      this.#send(this.#connection, data);
    } else {
      this.#detachedBytes += data.length;
      if (this.#detachedBytes > DETACHED_READ_LIMIT_BYTES) this.#pty?.pause('detached');
    }
  }

  #onPtyExit(pty: PtyProcess, exitCode: number): void {
    if (this.#pty !== pty) return;
    this.#batcher.flush();
    this.#pty = undefined;
    this.#exited = true;
    this.#log?.info({ event: 'terminal.exit', exitCode }, 'shell exited');
    const connection = this.#connection;
    if (connection) {
      sendQuietly(connection.socket, encodeExit(exitCode));
      this.#detach(connection, CloseCode.done, 'the shell exited');
    }
  }

  #connect(socket: TerminalSocket): Connection {
    const listeners = new DisposableStore();
    const flow = new FlowControl({
      buffered: () => socket.bufferedAmount,
      onChange: (paused) => {
        if (this.#connection !== connection) return;
        if (paused) this.#pty?.pause('flow');
        else this.#pty?.resume('flow');
      },
    });
    const connection: Connection = { socket, flow, listeners };
    const onMessage = (data: RawData, isBinary: boolean) => this.#onMessage(connection, data, isBinary);
    const onClose = () => {
      this.#log?.info({ event: 'terminal.detach' }, 'terminal connection closed');
      this.#detach(connection);
    };
    const onError = (error: Error) => this.#log?.warn({ event: 'terminal.socket-error', err: error }, 'terminal socket error');
    socket.on('message', onMessage);
    listeners.add(() => socket.off('message', onMessage));
    socket.on('close', onClose);
    listeners.add(() => socket.off('close', onClose));
    socket.on('error', onError);
    listeners.add(() => socket.off('error', onError));
    this.#connection = connection;
    this.#log?.info({ event: 'terminal.attach' }, 'terminal connection attached');
    return connection;
  }

  /** Forgets `connection` (closing its socket when a code is given); the pty goes on without it. */
  #detach(connection: Connection, code?: number, reason?: string): void {
    connection.listeners.dispose();
    if (code !== undefined) closeQuietly(connection.socket, code, reason);
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    this.#detachedBytes = 0;
    this.#pty?.resume('flow');
  }

  #send(connection: Connection, payload: Uint8Array): void {
    const { socket, flow } = connection;
    if (socket.readyState !== OPEN) return;
    try {
      socket.send(encodeOutput(payload), { binary: true }, () => flow.update());
    } catch (error) {
      this.#log?.warn({ event: 'terminal.send-failed', err: error }, 'could not send terminal output');
      return;
    }
    flow.sent(payload.length);
    this.#peakInFlight = Math.max(this.#peakInFlight, flow.unacked + socket.bufferedAmount);
  }

  #onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    if (this.#connection !== connection) return;
    let message: ClientMessage;
    try {
      if (!isBinary) throw new ProtocolError('E_BAD_FRAME', 'terminal frames are binary; a text frame is not part of the protocol');
      message = decodeClientFrame(toBytes(data));
    } catch (error) {
      const protocolError = error instanceof ProtocolError ? error : new ProtocolError('E_BAD_FRAME', String(error));
      this.#log?.warn({ event: 'terminal.protocol-error', code: protocolError.code }, protocolError.message);
      sendQuietly(connection.socket, encodeError(protocolError.code, protocolError.message));
      const code = protocolError.code === 'E_FRAME_TOO_LARGE' ? CloseCode.tooBig : CloseCode.protocolError;
      this.#detach(connection, code, protocolError.code);
      return;
    }
    switch (message.type) {
      case 'input':
        this.#pty?.write(message.data);
        break;
      case 'resize':
        this.#cols = message.cols;
        this.#rows = message.rows;
        try {
          this.#pty?.resize(message.cols, message.rows);
        } catch (error) {
          this.#log?.warn({ event: 'terminal.resize-failed', err: error }, 'could not resize the pty');
        }
        break;
      case 'ack':
        connection.flow.acked(message.bytes);
        break;
    }
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

function sendQuietly(socket: TerminalSocket, frame: Uint8Array): void {
  if (socket.readyState !== OPEN) return;
  try {
    socket.send(frame, { binary: true });
  } catch {
    // the socket is going away; nothing to tell
  }
}

function closeQuietly(socket: TerminalSocket, code: number, reason?: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // already closed
  }
}
