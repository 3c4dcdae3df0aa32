import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowControl } from '../terminal/flow-control.ts';
import { HIGH_WATER_BYTES, LOW_WATER_BYTES } from '../terminal/protocol.ts';
import { ReplayBuffer } from '../terminal/replay-buffer.ts';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const bytes = (s: string) => new Uint8Array(Buffer.from(s));

describe('ReplayBuffer', () => {
  it('replays everything while it fits', () => {
    const buffer = new ReplayBuffer(64);
    buffer.append(bytes('hello '));
    buffer.append(bytes('world'));
    assert.equal(text(buffer.snapshot()), 'hello world');
    assert.equal(buffer.size, 11);
  });

  it('keeps only the most recent output, starting at a line, however much is written', () => {
    const buffer = new ReplayBuffer(32);
    for (let i = 1; i <= 1000; i++) buffer.append(bytes(`line ${i}\n`));
    assert.equal(buffer.size, 32);
    const replay = text(buffer.snapshot());
    assert.ok(replay.endsWith('line 1000\n'), replay);
    assert.match(replay, /^line \d+\n/, 'a replay starts at the beginning of a line');
    assert.ok(!replay.includes('line 995\n'));
  });

  it('keeps the tail of a single chunk larger than itself', () => {
    const buffer = new ReplayBuffer(8);
    buffer.append(bytes('0123456789abcdef'));
    assert.equal(text(buffer.snapshot()), '89abcdef');
  });

  it('never starts a replay inside a UTF-8 character', () => {
    const buffer = new ReplayBuffer(7);
    buffer.append(bytes('ééééé')); // 10 bytes: the ring keeps the last 7, which start mid-character
    assert.equal(text(buffer.snapshot()), 'ééé');
  });

  it('wraps around its end without losing order', () => {
    const buffer = new ReplayBuffer(10);
    buffer.append(bytes('abcdefg'));
    buffer.append(bytes('hij'));
    assert.equal(text(buffer.snapshot()), 'abcdefghij');
    buffer.append(bytes('\nkl'));
    assert.equal(text(buffer.snapshot()), 'kl');
    buffer.clear();
    assert.equal(buffer.snapshot().length, 0);
  });
});

describe('FlowControl', () => {
  it('pauses above the high-water mark and resumes only under the low-water mark', () => {
    const changes: boolean[] = [];
    const flow = new FlowControl({ onChange: (paused) => changes.push(paused) });
    flow.sent(HIGH_WATER_BYTES);
    assert.deepEqual(changes, [], 'exactly at the mark is still fine');
    flow.sent(1);
    assert.deepEqual(changes, [true]);
    flow.sent(10_000);
    flow.acked(HIGH_WATER_BYTES - LOW_WATER_BYTES);
    assert.deepEqual(changes, [true], 'between the marks it stays paused');
    flow.acked(10_002);
    assert.deepEqual(changes, [true, false]);
    assert.equal(flow.unacked, LOW_WATER_BYTES - 1);
  });

  it('clamps acks, so acking more than was sent buys no credit', () => {
    const changes: boolean[] = [];
    const flow = new FlowControl({ onChange: (paused) => changes.push(paused) });
    flow.acked(10 * HIGH_WATER_BYTES);
    assert.equal(flow.unacked, 0);
    flow.sent(HIGH_WATER_BYTES + 1);
    assert.deepEqual(changes, [true]);
  });

  it("counts the socket's send buffer, so a client acking what it never read still stops the source", () => {
    let buffered = 0;
    const changes: boolean[] = [];
    const flow = new FlowControl({ onChange: (paused) => changes.push(paused), buffered: () => buffered });
    buffered = 2 * HIGH_WATER_BYTES;
    flow.sent(1000);
    flow.acked(1000);
    assert.deepEqual(changes, [true]);
    buffered = 0;
    flow.update();
    assert.deepEqual(changes, [true, false]);
  });
});
