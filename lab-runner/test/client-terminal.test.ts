import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import {
  ACK_EVERY_BYTES,
  CloseCode,
  decodeClientFrame,
  encodeExit,
  encodeOutput,
  type ClientMessage,
} from '../terminal/protocol.ts';
import { TerminalClient, backoffMs, type ConnectionState } from '../client/terminal.ts';

/** A stand-in for the browser's WebSocket: records what the client sends, lets the test play the server. */
class FakeSocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  static all: FakeSocket[] = [];
  readonly url: string;
  readyState = FakeSocket.CONNECTING;
  binaryType = 'blob';
  sent: ClientMessage[] = [];
  constructor(url: string) {
    super();
    this.url = url;
    FakeSocket.all.push(this);
  }
  send(data: Uint8Array): void {
    this.sent.push(decodeClientFrame(data));
  }
  close(code = 1000): void {
    this.serverClose(code);
  }
  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.dispatchEvent(new Event('open'));
  }
  receive(frame: Uint8Array): void {
    const event = new MessageEvent('message', { data: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) });
    this.dispatchEvent(event);
  }
  serverClose(code: number): void {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    const event = Object.assign(new Event('close'), { code, reason: '' });
    this.dispatchEvent(event);
  }
  acks(): number[] {
    return this.sent.filter((m) => m.type === 'ack').map((m) => (m as { bytes: number }).bytes);
  }
}

function harness() {
  const states: ConnectionState[] = [];
  const pending: (() => void)[] = [];
  let opens = 0;
  const client = new TerminalClient('ws://lab/api/sessions/1/terminal?token=t', {
    onOpen: () => opens++,
    onOutput: (_data, rendered) => pending.push(rendered),
    onState: (state) => states.push(state),
    size: () => ({ cols: 100, rows: 30 }),
  });
  const renderAll = () => pending.splice(0).forEach((done) => done());
  return { client, states, renderAll, opens: () => opens, socket: () => FakeSocket.all.at(-1)! };
}

describe('TerminalClient', () => {
  const realWebSocket = globalThis.WebSocket;
  beforeEach(() => {
    FakeSocket.all = [];
    (globalThis as { WebSocket: unknown }).WebSocket = FakeSocket;
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => {
    mock.timers.reset();
    (globalThis as { WebSocket: unknown }).WebSocket = realWebSocket;
  });

  it('sends its size on open and clears the screen before the replay', () => {
    const { socket, opens, states } = harness();
    socket().open();
    assert.equal(opens(), 1);
    assert.deepEqual(socket().sent[0], { type: 'resize', cols: 100, rows: 30 });
    assert.equal(states.at(-1)?.state, 'connected');
  });

  it('acks rendered output at least every ACK_EVERY_BYTES, and the remainder once output pauses', () => {
    const { socket, renderAll } = harness();
    socket().open();
    const chunk = new Uint8Array(1500).fill(0x61);
    for (let i = 0; i < 4; i++) socket().receive(encodeOutput(chunk));
    assert.deepEqual(socket().acks(), [], 'nothing is acked before it is rendered');
    renderAll();
    assert.deepEqual(socket().acks(), [6000]);
    assert.ok(6000 >= ACK_EVERY_BYTES);
    socket().receive(encodeOutput(new Uint8Array(700)));
    renderAll();
    assert.deepEqual(socket().acks(), [6000], 'a small remainder waits a moment');
    mock.timers.tick(150);
    assert.deepEqual(socket().acks(), [6000, 700]);
  });

  it('splits a big paste into frames under the size limit', () => {
    const { client, socket } = harness();
    socket().open();
    client.sendInput('x'.repeat(40_000));
    const inputs = socket().sent.filter((m) => m.type === 'input') as { data: string }[];
    assert.ok(inputs.length > 1);
    assert.equal(inputs.map((m) => m.data).join('').length, 40_000);
  });

  it('close 1000 means the shell ended (with its exit code), and does not reconnect', () => {
    const { socket, states } = harness();
    socket().open();
    socket().receive(encodeExit(3));
    socket().serverClose(CloseCode.done);
    assert.deepEqual(states.at(-1), { state: 'closed', exitCode: 3 });
    mock.timers.tick(60_000);
    assert.equal(FakeSocket.all.length, 1);
  });

  it('close 4001 means another tab took over; "use here" reconnects', () => {
    const { client, socket, states } = harness();
    socket().open();
    socket().serverClose(CloseCode.replaced);
    assert.equal(states.at(-1)?.state, 'replaced');
    mock.timers.tick(60_000);
    assert.equal(FakeSocket.all.length, 1);
    client.reconnectNow();
    assert.equal(FakeSocket.all.length, 2);
  });

  it('any other close reconnects with backoff, and the new connection clears the screen again', () => {
    const { socket, states, opens } = harness();
    socket().open();
    socket().serverClose(1006);
    const reconnecting = states.at(-1) as { state: string; attempt: number; retryInMs: number };
    assert.equal(reconnecting.state, 'reconnecting');
    assert.equal(reconnecting.attempt, 1);
    mock.timers.tick(reconnecting.retryInMs);
    assert.equal(FakeSocket.all.length, 2);
    socket().open();
    assert.equal(opens(), 2);
  });

  it('backs off up to 10 s', () => {
    assert.ok(backoffMs(1) < 1000);
    assert.ok(backoffMs(20) <= 11_500);
  });
});
