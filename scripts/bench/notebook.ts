/**
 * `npm run bench:notebook`: what the lab notebook's journal costs. No cluster: the journal's path does not touch
 * one. Each "terminal" is a TerminalSession (the lab-runner's own pty bridge) running bash with the toolbox's own
 * bashrc, as the lab's terminal does, its output read by ShellMarks and written by the SQLite notebook to a real
 * database file (WAL, synchronous=FULL), exactly as a lab's commands are.
 *
 * - Journal write latency: from a command's end mark to its row committed, with 1 terminal (the baseline) and
 *   with 10 typing at once.
 * - Database size per 1,000 recorded commands (typical kubectl lines with a few hundred bytes of output).
 * - Keystroke echo with and without the journal reading the stream, alternating rounds in one process: what
 *   recording adds to echo (the limit is 1 ms at p95).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { formatError } from '@kubelab/kit/errors';
import { courseImagesDir } from '@kubelab/labs/images';
import { TerminalSession, type TerminalSocket } from '@kubelab/lab-runner/terminal';
import { ShellMarks, type ShellCommand } from '@kubelab/lab-runner/shell-marks';
import { commandFromShell, SqliteNotebook } from '@kubelab/lab-runner/notebook';
import { Store } from '@kubelab/lab-runner/store';
import { decodeServerFrame, encodeAck, encodeInput } from '@kubelab/lab-runner/protocol';
import { median, percentile } from './stats.ts';

const bashrc = fileURLToPath(new URL('toolbox/bashrc', courseImagesDir));
const commandsPerTerminal = Number(process.env.BENCH_COMMANDS ?? 100);
const keystrokes = Number(process.env.BENCH_KEYSTROKES ?? 400);
const log = (line: string) => process.stdout.write(`${line}\n`);
const ms = (value: number) => `${value.toFixed(2)} ms`;
const signed = (value: number) => `${value < 0 ? '−' : '+'}${ms(Math.abs(value))}`;

/** A socket in this process: what a browser would receive, acknowledged at once as xterm.js does after rendering. */
class LoopbackSocket implements TerminalSocket {
  readyState = 1;
  bufferedAmount = 0;
  output = '';
  #listeners = new Map<string, ((...args: never[]) => void)[]>();
  #waiters: (() => void)[] = [];

  send(data: Uint8Array, _options: { binary: boolean }, callback?: (error?: Error) => void): void {
    const frame = decodeServerFrame(data);
    if (frame.type === 'output') {
      this.output += new TextDecoder().decode(frame.data);
      for (const listener of this.#listeners.get('message') ?? []) (listener as (d: Buffer, b: boolean) => void)(Buffer.from(encodeAck(frame.data.length)), true);
      for (const wake of this.#waiters.splice(0)) wake();
    }
    callback?.();
  }
  close(): void {
    this.readyState = 3;
  }
  on(event: string, listener: (...args: never[]) => void): unknown {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }
  off(event: string, listener: (...args: never[]) => void): unknown {
    this.#listeners.set(event, (this.#listeners.get(event) ?? []).filter((l) => l !== listener));
    return this;
  }
  type(text: string): void {
    for (const listener of this.#listeners.get('message') ?? []) (listener as (d: Buffer, b: boolean) => void)(Buffer.from(encodeInput(text)), true);
  }
  async until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out; the terminal showed: ${this.output.slice(-300)}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}

interface Terminal {
  session: TerminalSession;
  socket: LoopbackSocket;
  /** Milliseconds each command's row took to commit. */
  writes: number[];
}

function openTerminal(notebook: SqliteNotebook | undefined, learner: string): Terminal {
  const nonce = randomBytes(16).toString('hex');
  const writes: number[] = [];
  const marks = notebook
    ? new ShellMarks({
        nonce,
        onCommand: (command: ShellCommand) => {
          const began = performance.now();
          void notebook.addCommand(learner, 'bench', 'bench-session', commandFromShell(command));
          writes.push(performance.now() - began);
        },
      })
    : undefined;
  const session = new TerminalSession({
    argv: ['env', 'HISTFILE=/dev/null', `KUBELAB_MARKS=${nonce}`, 'bash', '--noprofile', '--rcfile', bashrc, '-i'],
    cols: 120,
    rows: 40,
    ...(marks ? { observe: (chunk: Uint8Array) => marks.feed(chunk) } : {}),
  });
  const socket = new LoopbackSocket();
  session.attach(socket);
  return { session, socket, writes };
}

const prompt = /kubelab\S*:\S*[#$] $/;
const plain = (text: string) => text.replace(/\x1b\][^\x07]*\x07|\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** A command a learner would type, with output of the usual size (a kubectl table). */
const commandLine = (n: number) => `printf 'NAME READY STATUS RESTARTS AGE\\nweb-${n} 1/1 Running 0 %ss\\n' ${n} && kubectl_like=${n} true`;

async function typeCommands(terminal: Terminal, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    const before = terminal.writes.length;
    terminal.socket.type(`${commandLine(n)}\r`);
    await terminal.socket.until(() => terminal.writes.length > before);
  }
}

async function echoSamples(terminal: Terminal, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    terminal.socket.output = '';
    const began = performance.now();
    terminal.socket.type('x');
    await terminal.socket.until(() => terminal.socket.output.includes('x'));
    samples.push(performance.now() - began);
    if (i % 50 === 49) terminal.socket.type('\x15');
  }
  return samples;
}

/** Ends a terminal once its shell has drawn what it was sent (a pty killed mid-write complains). */
async function settle(terminal: Terminal): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  terminal.session.dispose();
}

const dir = await mkdtemp(join(tmpdir(), 'kubelab-bench-notebook-'));
try {
  const databasePath = join(dir, 'notebook.sqlite');
  const store = new Store(databasePath);
  const notebook = new SqliteNotebook(store);
  log(`\nNotebook benchmark: ${commandsPerTerminal} commands per terminal, ${keystrokes} keystrokes per echo round.\n`);

  // Baseline: one terminal alone.
  const single = openTerminal(notebook, 'single');
  await single.socket.until(() => prompt.test(plain(single.socket.output)));
  await typeCommands(single, commandsPerTerminal);
  log(`  1 terminal: ${single.writes.length} commands journaled`);

  // Ten at once, each typing as fast as its prompt comes back.
  const ten = Array.from({ length: 10 }, (_, i) => openTerminal(notebook, `learner-${i}`));
  for (const terminal of ten) await terminal.socket.until(() => prompt.test(plain(terminal.socket.output)));
  await Promise.all(ten.map((terminal) => typeCommands(terminal, commandsPerTerminal)));
  const tenWrites = ten.flatMap((terminal) => terminal.writes);
  log(`  10 terminals: ${tenWrites.length} commands journaled`);

  // Size: everything above went in; check the WAL into the database file and divide.
  const recorded = (store.database.prepare(`SELECT count(*) AS n FROM journal WHERE kind = 'command'`).get() as { n: number }).n;
  store.database.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const bytes = (await stat(databasePath)).size;
  const perThousand = (bytes / recorded) * 1000;

  // Echo with and without the journal reading the stream, alternating, so both see the same machine.
  const withJournal: number[] = [];
  const without: number[] = [];
  for (let round = 0; round < 4; round++) {
    for (const journaled of round % 2 === 0 ? [true, false] : [false, true]) {
      const terminal = openTerminal(journaled ? notebook : undefined, 'echo');
      await terminal.socket.until(() => prompt.test(plain(terminal.socket.output)));
      (journaled ? withJournal : without).push(...(await echoSamples(terminal, keystrokes / 4)));
      await settle(terminal);
    }
  }

  for (const terminal of [single, ...ten]) await settle(terminal);
  store.close();

  const report = [
    '| Measure | p50 | p95 | Baseline (same process) | Ratio |',
    '|---|---|---|---|---|',
    `| Journal write (end mark → row committed), 10 terminals typing at once | ${ms(median(tenWrites))} | ${ms(percentile(tenWrites, 95))} | 1 terminal: p50 ${ms(median(single.writes))}, p95 ${ms(percentile(single.writes, 95))} | ${(percentile(tenWrites, 95) / percentile(single.writes, 95)).toFixed(2)}× at p95 |`,
    `| Keystroke echo, journal reading the stream | ${ms(median(withJournal))} | ${ms(percentile(withJournal, 95))} | without: p50 ${ms(median(without))}, p95 ${ms(percentile(without, 95))} | ${signed(percentile(withJournal, 95) - percentile(without, 95))} at p95 |`,
    `| Database size per 1,000 recorded commands | ${(perThousand / 1024).toFixed(0)} KiB | | ${recorded} commands in ${(bytes / 1024).toFixed(0)} KiB | |`,
  ];
  process.stdout.write(`\n${report.join('\n')}\n`);
} catch (error) {
  process.stderr.write(`\n${formatError(error)}\n`);
  process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
