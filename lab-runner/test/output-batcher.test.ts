/**
 * The output batcher on mocked timers: which reads go out at once, which wait for the interval. The same rule
 * against a real pty is exercised by terminal-bridge.test.ts and terminal-flow.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { BATCH_BYTES, BATCH_INTERVAL_MS, INTERACTIVE_BYTES, OutputBatcher } from '../terminal/output-batcher.ts';

/** A batcher on mocked setTimeout and Date (its clock), and the batches it has flushed. */
function batcher(t: TestContext): { batcher: OutputBatcher; flushed: string[] } {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000 });
  const flushed: string[] = [];
  const batcher = new OutputBatcher({ flush: (data) => flushed.push(data.toString('latin1')), now: () => Date.now() });
  return { batcher, flushed };
}

const chunk = (char: string, bytes: number) => Buffer.from(char.repeat(bytes), 'latin1');
/** Enough larger reads to start a stream: more than INTERACTIVE_BYTES each, far from BATCH_BYTES together. */
const READ = 4 * INTERACTIVE_BYTES;

describe('OutputBatcher', () => {
  it('sends an interactive keystroke echo at once, even right after the previous one', (t) => {
    const { batcher: b, flushed } = batcher(t);
    b.push(Buffer.from('k'));
    assert.deepEqual(flushed, ['k'], 'the first echo is not held');
    b.push(Buffer.from('u'));
    b.push(Buffer.from('be'));
    assert.deepEqual(flushed, ['k', 'u', 'be'], 'no time has passed, but small output after small output is interactive');
    b.push(chunk('p', INTERACTIVE_BYTES));
    assert.deepEqual(flushed.length, 4, 'a prompt up to INTERACTIVE_BYTES is interactive too');
    assert.equal(b.pendingBytes, 0);
  });

  it('batches a stream of larger reads into one flush per interval, in order', (t) => {
    const { batcher: b, flushed } = batcher(t);
    b.push(chunk('a', READ));
    assert.equal(flushed.length, 1, 'the first read follows a quiet spell and goes out at once');

    b.push(chunk('b', READ));
    b.push(chunk('c', READ));
    b.push(Buffer.from('d'));
    assert.equal(flushed.length, 1, 'reads right after a large flush wait, even a small one');
    assert.equal(b.pendingBytes, 2 * READ + 1);
    t.mock.timers.tick(BATCH_INTERVAL_MS - 1);
    assert.equal(flushed.length, 1, 'not before the interval');
    t.mock.timers.tick(1);
    assert.deepEqual(flushed.slice(1), [chunk('b', READ).toString('latin1') + chunk('c', READ).toString('latin1') + 'd'], 'one batch, in order');

    for (let interval = 0; interval < 3; interval++) {
      for (let read = 0; read < 3; read++) b.push(chunk('e', READ));
      t.mock.timers.tick(BATCH_INTERVAL_MS);
    }
    assert.equal(flushed.length, 2 + 3, 'a stream costs one flush per interval, not one per read');
    assert.ok(flushed.slice(2).every((batch) => batch.length === 3 * READ));

    t.mock.timers.tick(10 * BATCH_INTERVAL_MS);
    b.push(chunk('f', READ));
    assert.equal(flushed.length, 6, 'after a quiet spell, a larger read goes out at once again');
  });

  it('flushes as soon as BATCH_BYTES have gathered, without waiting for the timer', (t) => {
    const { batcher: b, flushed } = batcher(t);
    b.push(chunk('a', READ));
    const reads = BATCH_BYTES / READ;
    for (let read = 1; read < reads; read++) b.push(chunk('b', READ));
    assert.equal(flushed.length, 1, 'below BATCH_BYTES the stream waits');
    b.push(chunk('b', READ));
    assert.equal(flushed.length, 2, 'BATCH_BYTES forces the flush');
    assert.equal(flushed[1]!.length, BATCH_BYTES);
    assert.equal(b.pendingBytes, 0);
    t.mock.timers.tick(BATCH_INTERVAL_MS);
    assert.equal(flushed.length, 2, 'the forced flush cancelled the timer: no empty or duplicate batch');
  });

  it('flush() hands over what has gathered at once', (t) => {
    const { batcher: b, flushed } = batcher(t);
    b.push(chunk('a', READ));
    b.push(chunk('b', READ));
    b.flush();
    assert.equal(flushed.length, 2);
    b.flush();
    assert.equal(flushed.length, 2, 'nothing gathered, nothing flushed');
    t.mock.timers.tick(BATCH_INTERVAL_MS);
    assert.equal(flushed.length, 2);
  });

  it('dispose() cancels the timer and drops what has gathered; later output is ignored', (t) => {
    const { batcher: b, flushed } = batcher(t);
    // Spies over the mocked timers, to see the batch timer itself cleared (its firing would flush nothing).
    const set = t.mock.method(globalThis, 'setTimeout');
    const clear = t.mock.method(globalThis, 'clearTimeout');
    try {
      b.push(chunk('a', READ));
      b.push(chunk('b', READ));
      assert.equal(b.pendingBytes, READ, 'a batch is waiting for the timer');
      assert.equal(set.mock.callCount(), 1);
      const timer = set.mock.calls[0]!.result;
      b.dispose();
      assert.ok(
        clear.mock.calls.some((call) => call.arguments[0] === timer),
        'the batch timer is cleared',
      );
      assert.equal(b.pendingBytes, 0);
      t.mock.timers.tick(10 * BATCH_INTERVAL_MS);
      b.push(Buffer.from('late'));
      b.flush();
      assert.equal(flushed.length, 1, 'nothing after dispose()');
      assert.equal(set.mock.callCount(), 1, 'no new timer either');
    } finally {
      clear.mock.restore();
      set.mock.restore();
    }
  });
});
