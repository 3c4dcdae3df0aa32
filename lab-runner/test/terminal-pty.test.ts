/** PtyProcess against a real pty running `sh`, and the DisposableStore it and the bridge use. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DisposableStore } from '../terminal/disposables.ts';
import { PtyProcess } from '../terminal/pty-process.ts';
import { sleep } from './terminal-harness.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

interface Shell {
  pty: PtyProcess;
  output: () => string;
  bytes: () => number;
  exited: Promise<number>;
}

function shell(script: string): Shell {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const pty = new PtyProcess({
    argv: ['sh', '-c', script],
    cols: 80,
    rows: 24,
    onData: (chunk) => {
      assert.ok(Buffer.isBuffer(chunk), 'bytes, not strings');
      bytes += chunk.length;
      if (chunks.length < 64) chunks.push(chunk);
    },
    onExit: exit,
  });
  cleanups.push(() => pty.kill());
  return { pty, output: () => Buffer.concat(chunks).toString('utf8'), bytes: () => bytes, exited };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function settle(value: () => number, quietMs = 300): Promise<number> {
  let last = value();
  for (;;) {
    await sleep(quietMs);
    const now = value();
    if (now === last) return now;
    last = now;
  }
}

describe('PtyProcess', () => {
  it('streams the shell output as bytes and reports its exit code', async () => {
    const sh = shell("printf 'h\\303\\251llo\\n'; exit 3");
    assert.equal(await sh.exited, 3);
    assert.match(sh.output(), /héllo/);
  });

  it('stays paused while any reason holds, and resumes only when none does', async () => {
    const sh = shell('yes');
    await sleep(50);
    sh.pty.pause('flow');
    sh.pty.pause('detached');
    sh.pty.resume('flow');
    assert.equal(sh.pty.paused, true, "'detached' still holds");
    const stopped = await settle(sh.bytes);
    await sleep(300);
    assert.equal(sh.bytes(), stopped, 'a paused pty is not read');
    sh.pty.resume('flow');
    assert.equal(sh.pty.paused, true, 'resuming a reason that no longer holds changes nothing');
    sh.pty.resume('detached');
    assert.equal(sh.pty.paused, false);
    await sleep(100);
    assert.ok(sh.bytes() > stopped, 'reading goes on once no reason holds');
  });

  it('kill() hangs up the shell and does not report an exit it caused', async () => {
    const sh = shell('while :; do sleep 0.05; done');
    let reported = false;
    void sh.exited.then(() => (reported = true));
    const pid = sh.pty.pid;
    sh.pty.kill();
    const deadline = Date.now() + 1_500;
    while (alive(pid) && Date.now() < deadline) await sleep(25);
    assert.equal(alive(pid), false, 'SIGHUP ended it, well within the grace period');
    assert.equal(reported, false);
    sh.pty.kill();
  });

  it('kill() follows with SIGKILL when the shell ignores SIGHUP', async () => {
    const sh = shell("trap '' HUP; while :; do sleep 0.05; done");
    await sleep(100);
    const pid = sh.pty.pid;
    sh.pty.kill();
    await sleep(1_000);
    assert.equal(alive(pid), true, 'SIGHUP was ignored');
    const deadline = Date.now() + 3_000;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    assert.equal(alive(pid), false, 'SIGKILL after the grace period');
  });
});

describe('DisposableStore', () => {
  it('undoes functions and disposables once, and at once anything added after dispose()', () => {
    const undone: string[] = [];
    const store = new DisposableStore();
    const listener = store.add({ dispose: () => undone.push('listener') });
    store.add(() => undone.push('function'));
    assert.equal(typeof listener.dispose, 'function', 'add() returns what it was given');
    store.dispose();
    store.dispose();
    assert.deepEqual(undone, ['listener', 'function']);
    store.add(() => undone.push('late'));
    assert.deepEqual(undone, ['listener', 'function', 'late']);
  });
});
