/**
 * The terminal wire protocol, shared by the lab-runner's bridge and the browser's <kubelab-terminal>. Every
 * WebSocket message is one binary frame: a one-byte opcode, then its payload. Modelled on ttyd's framing and on
 * VS Code's ack-based flow control. This file must stay free of Node and DOM APIs: both sides import it.
 *
 * Flow control: the server counts the bytes of OUTPUT it has sent and not yet had acknowledged. Above
 * HIGH_WATER_BYTES it pauses the pty (so `yes` blocks in the container instead of filling memory), and resumes
 * once acks bring the count under LOW_WATER_BYTES. The client acks from xterm's write callback, at least every
 * ACK_EVERY_BYTES, so an ack means "rendered", not merely "received".
 *
 * Close codes (CloseCode): `done` (1000) means the shell ended; `replaced` (4001) means another tab took over this
 * session's terminal; `sessionEnded` (4004) means the lab session is over. None of those should reconnect. Any
 * other close means reconnect with backoff, and the server replays its recent output.
 */

/**
 * Client → server opcodes. The two directions use ranges that do not overlap (0x0_ and 0x1_), so a frame sent
 * the wrong way is refused as an unknown opcode rather than misread.
 */
export const ClientOp = {
  /** UTF-8 keystrokes or pasted text for the pty. */
  input: 0x00,
  /** Two big-endian uint16: cols, then rows. */
  resize: 0x01,
  /** A big-endian uint32: how many OUTPUT payload bytes the client has rendered since its last ack. */
  ack: 0x02,
} as const;

/** Server → client opcodes. */
export const ServerOp = {
  /** Bytes from the pty. */
  output: 0x10,
  /** UTF-8 JSON {code, message}, sent before the server closes for a protocol error. */
  error: 0x11,
  /** UTF-8 JSON {exitCode}: the shell ended. */
  exit: 0x12,
} as const;

export const HIGH_WATER_BYTES = 100_000;
export const LOW_WATER_BYTES = 5_000;
export const ACK_EVERY_BYTES = 5_000;
/** The largest frame a client may send (a big paste): larger ones are a protocol error. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;
/** How much recent output the server keeps per session, replayed to a reconnecting client. */
export const REPLAY_BYTES = 256 * 1024;

export const TERMINAL_LIMITS = { minCols: 2, maxCols: 500, minRows: 1, maxRows: 200 } as const;

/** WebSocket close codes beyond the standard ones. */
export const CloseCode = {
  done: 1000,
  protocolError: 1002,
  tooBig: 1009,
  replaced: 4001,
  sessionEnded: 4004,
} as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function frame(opcode: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = opcode;
  out.set(payload, 1);
  return out;
}

export function encodeInput(text: string): Uint8Array {
  return frame(ClientOp.input, encoder.encode(text));
}

export function encodeResize(cols: number, rows: number): Uint8Array {
  const out = new Uint8Array(5);
  const view = new DataView(out.buffer);
  out[0] = ClientOp.resize;
  view.setUint16(1, cols);
  view.setUint16(3, rows);
  return out;
}

export function encodeAck(bytes: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = ClientOp.ack;
  new DataView(out.buffer).setUint32(1, bytes);
  return out;
}

export function encodeOutput(bytes: Uint8Array): Uint8Array {
  return frame(ServerOp.output, bytes);
}

export function encodeError(code: string, message: string): Uint8Array {
  return frame(ServerOp.error, encoder.encode(JSON.stringify({ code, message })));
}

export function encodeExit(exitCode: number): Uint8Array {
  return frame(ServerOp.exit, encoder.encode(JSON.stringify({ exitCode })));
}

export type ClientMessage =
  | { type: 'input'; data: string }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'ack'; bytes: number };

export type ServerMessage =
  | { type: 'output'; data: Uint8Array }
  | { type: 'error'; code: string; message: string }
  | { type: 'exit'; exitCode: number };

/** A frame the server must refuse; `code` is stable and is sent to the client in an ERROR frame. */
export class ProtocolError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Parses a client frame, refusing anything malformed, oversized or out of range with a ProtocolError. */
export function decodeClientFrame(data: Uint8Array): ClientMessage {
  if (data.length > MAX_CLIENT_FRAME_BYTES) {
    throw new ProtocolError('E_FRAME_TOO_LARGE', `a frame of ${data.length} bytes exceeds the limit of ${MAX_CLIENT_FRAME_BYTES}`);
  }
  if (data.length === 0) throw new ProtocolError('E_BAD_FRAME', 'an empty frame has no opcode');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (data[0]) {
    case ClientOp.input:
      return { type: 'input', data: decoder.decode(data.subarray(1)) };
    case ClientOp.resize: {
      if (data.length !== 5) throw new ProtocolError('E_BAD_FRAME', `a resize frame has 4 payload bytes, not ${data.length - 1}`);
      const cols = view.getUint16(1);
      const rows = view.getUint16(3);
      const { minCols, maxCols, minRows, maxRows } = TERMINAL_LIMITS;
      if (cols < minCols || cols > maxCols || rows < minRows || rows > maxRows) {
        throw new ProtocolError(
          'E_BAD_RESIZE',
          `a terminal of ${cols}×${rows} is out of range (columns ${minCols}–${maxCols}, rows ${minRows}–${maxRows})`,
        );
      }
      return { type: 'resize', cols, rows };
    }
    case ClientOp.ack:
      if (data.length !== 5) throw new ProtocolError('E_BAD_FRAME', `an ack frame has 4 payload bytes, not ${data.length - 1}`);
      return { type: 'ack', bytes: view.getUint32(1) };
    default:
      throw new ProtocolError('E_BAD_OPCODE', `unknown opcode 0x${data[0]!.toString(16).padStart(2, '0')}`);
  }
}

/** Parses a server frame (the browser side). */
export function decodeServerFrame(data: Uint8Array): ServerMessage {
  const payload = data.subarray(1);
  switch (data[0]) {
    case ServerOp.output:
      return { type: 'output', data: payload };
    case ServerOp.error: {
      const { code, message } = JSON.parse(decoder.decode(payload)) as { code: string; message: string };
      return { type: 'error', code, message };
    }
    case ServerOp.exit:
      return { type: 'exit', exitCode: (JSON.parse(decoder.decode(payload)) as { exitCode: number }).exitCode };
    default:
      throw new ProtocolError('E_BAD_OPCODE', `unknown server opcode 0x${(data[0] ?? 0).toString(16)}`);
  }
}
