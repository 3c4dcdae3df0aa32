/**
 * Flow control under floods (`yes`, `cat` of a 50 MB file) with clients that never ack, ack slowly, or go away:
 * the server must stop reading the pty instead of buffering, the terminal must stay responsive to Ctrl-C, and no
 * output may be lost or reordered.
 */
import assert from 'node:assert/strict';
import { open as openFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it, type TestContext } from 'node:test';
import { BATCH_BYTES, DETACHED_READ_LIMIT_BYTES, TerminalSession, type TerminalStats } from '../terminal/bridge.ts';
import { HIGH_WATER_BYTES, REPLAY_BYTES } from '../terminal/protocol.ts';
import { localShell, localShellEnv, serveTerminal, sleep, TerminalClient, type TerminalServer } from './terminal-harness.ts';

/** What may be in flight at once: the high-water mark, plus one batch and one pty read already under way. */
const IN_FLIGHT_BOUND = HIGH_WATER_BYTES + BATCH_BYTES + 64 * 1024;
const MiB = 1024 * 1024;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let scratch = '';
let bigFile = '';
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kubelab-terminal-flow-'));
  bigFile = join(scratch, 'big.txt');
  const file = await openFile(bigFile, 'w');
  const line = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-kubelab-flow-control\n');
  const block = Buffer.alloc(1 * MiB - ((1 * MiB) % line.length));
  for (let i = 0; i < block.length; i += line.length) line.copy(block, i);
  for (let written = 0; written < 50 * MiB; written += block.length) await file.write(block);
  await file.close();
});
after(() => rm(scratch, { recursive: true, force: true }));

async function open(): Promise<{ session: TerminalSession; server: TerminalServer }> {
  const session = new TerminalSession({ argv: localShell, env: localShellEnv });
  const server = await serveTerminal(session);
  cleanups.push(() => session.dispose(), () => server.close());
  return { session, server };
}

async function connect(server: TerminalServer, ack: 'auto' | 'none'): Promise<TerminalClient> {
  const client = await TerminalClient.connect(server.url, { ack });
  cleanups.push(() => void client.close());
  return client;
}

/** Samples the session's buffers every 5 ms and keeps the worst. */
function watchBuffers(session: TerminalSession): { stop(): number } {
  let peak = 0;
  const sample = () => {
    const s: TerminalStats = session.stats();
    peak = Math.max(peak, s.unackedBytes + s.bufferedBytes + s.pendingBytes);
  };
  const timer = setInterval(sample, 5);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return Math.max(peak, session.stats().peakInFlightBytes);
    },
  };
}

/** Waits until `value()` stops changing for `quietMs`, and returns it. */
async function settle(value: () => number, quietMs = 500, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = value();
  for (;;) {
    await sleep(quietMs);
    const now = value();
    if (now === last) return now;
    if (Date.now() > deadline) throw new Error(`still changing after ${timeoutMs} ms (${last} → ${now})`);
    last = now;
  }
}

async function ctrlCBackToPrompt(client: TerminalClient): Promise<void> {
  client.type('\x03');
  client.ack = 'auto';
  client.ackAll();
  const from = client.text().length;
  await client.waitFor(/test\$ $/, { from, timeoutMs: 20_000 });
  assert.equal((await client.run('echo still-$((2+3))')).trim(), 'still-5', 'the shell answers after the flood');
}

describe('terminal flow control', () => {
  for (const { name, command } of [
    { name: '`yes`', command: () => 'yes' },
    { name: '`cat` of a 50 MB file', command: () => `cat ${bigFile}` },
  ]) {
    it(`${name} with a client that never acks: output stops near the high-water mark, the shell blocks, memory stays flat; acks resume it and Ctrl-C works`, async (t: TestContext) => {
      const { session, server } = await open();
      const client = await connect(server, 'auto');
      await client.waitFor('test$ ');
      client.ack = 'none';
      client.ackAll();
      const watch = watchBuffers(session);
      client.type(`${command()}\r`);

      await client.until(() => client.received > HIGH_WATER_BYTES, 'the first 100 kB');
      const received = await settle(() => client.received);
      const ptyBytes = await settle(() => session.stats().ptyBytes);
      const stats = session.stats();
      assert.ok(received <= IN_FLIGHT_BOUND, `the server stopped sending after ${received} bytes (bound ${IN_FLIGHT_BOUND})`);
      assert.equal(stats.paused, true, 'the pty is paused');
      assert.ok(ptyBytes <= received + 2 * 64 * 1024, `the server stopped reading the pty (${ptyBytes} read, ${received} sent)`);

      // Memory over two more seconds of a non-acking client: nothing grows.
      const before = process.memoryUsage();
      await sleep(2000);
      const later = process.memoryUsage();
      assert.equal(client.received, received, 'nothing more was sent without acks');
      assert.equal(session.stats().ptyBytes, ptyBytes, 'nothing more was read from the pty');
      const rssGrowth = later.rss - before.rss;
      assert.ok(rssGrowth < 8 * MiB, `rss grew by ${rssGrowth} bytes while paused`);

      // Acking what was rendered brings the stream back.
      client.ackAll();
      await client.until(() => client.received > received + HIGH_WATER_BYTES / 2, 'more output after the ack');
      const peak = watch.stop();
      assert.ok(peak <= IN_FLIGHT_BOUND, `peak in flight ${peak} bytes (bound ${IN_FLIGHT_BOUND})`);
      t.diagnostic(`${name}: received ${received} B before stopping, pty read ${ptyBytes} B, peak in flight ${peak} B, rss growth while paused ${rssGrowth} B`);

      await ctrlCBackToPrompt(client);
    });
  }

  it('a slow client (acks every 20 ms) gets all of `seq 1 200000` in order, with the in-flight bytes bounded', async (t: TestContext) => {
    const { session, server } = await open();
    const client = await connect(server, 'auto');
    await client.waitFor('test$ ');
    client.ack = 'none';
    client.ackAll();
    const acker = setInterval(() => client.ackAll(), 20);
    cleanups.push(() => clearInterval(acker));
    const watch = watchBuffers(session);
    const started = Date.now();
    const output = await client.run('seq 1 200000', 60_000);
    const peak = watch.stop();
    const numbers = output.trim().split('\n');
    assert.equal(numbers.length, 200000);
    assert.ok(
      numbers.every((n, i) => n === String(i + 1)),
      'every line arrives once, in order',
    );
    assert.ok(peak <= IN_FLIGHT_BOUND, `peak in flight ${peak} bytes (bound ${IN_FLIGHT_BOUND})`);
    t.diagnostic(`seq 1 200000 (${client.received} B) in ${Date.now() - started} ms; peak in flight ${peak} B`);
  });

  it('detached during `yes`: the shell runs on into the replay ring up to the detached limit, then blocks; a reconnect replays and resumes', async (t: TestContext) => {
    const { session, server } = await open();
    const first = await connect(server, 'auto');
    await first.waitFor('test$ ');
    first.type('yes kubelab\r');
    await first.until(() => first.received > 50_000, 'the flood to start');
    await first.close();
    const atDetach = session.stats().ptyBytes;
    const ptyBytes = await settle(() => session.stats().ptyBytes);
    const stats = session.stats();
    assert.equal(stats.attached, false);
    assert.equal(stats.paused, true, 'the pty is paused once the detached limit is reached');
    const readDetached = ptyBytes - atDetach;
    assert.ok(readDetached <= DETACHED_READ_LIMIT_BYTES + 2 * 64 * 1024, `read ${readDetached} bytes while detached`);
    assert.ok(readDetached >= DETACHED_READ_LIMIT_BYTES - IN_FLIGHT_BOUND, `kept running while detached (${readDetached} bytes)`);
    assert.ok(stats.replayBytes <= REPLAY_BYTES);

    const second = await connect(server, 'none');
    await second.until(() => second.received >= REPLAY_BYTES - 4096, 'the replay');
    const replayed = await settle(() => second.received);
    assert.ok(replayed <= REPLAY_BYTES, `replayed ${replayed} bytes`);
    // It starts at a line and holds only the flood; it may end mid-line, where the pty was paused.
    const rest = second.text().replaceAll('kubelab\r\n', '');
    assert.ok(second.text().startsWith('kubelab\r\n') && 'kubelab\r\n'.startsWith(rest), `unexpected replay: …${JSON.stringify(rest.slice(0, 200))}`);
    second.ackAll();
    await second.until(() => second.received > replayed + HIGH_WATER_BYTES / 2, 'live output after the replay');
    t.diagnostic(`read ${readDetached} B while detached, replayed ${replayed} B`);
    await ctrlCBackToPrompt(second);
  });
});
