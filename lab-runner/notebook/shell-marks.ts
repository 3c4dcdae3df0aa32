/**
 * The journal's ear on the terminal: reads the command boundaries the toolbox's shell prints (labs/images/toolbox/
 * bashrc) out of the pty's output stream, and hands over each finished interactive command. The marks follow
 * OSC 133 (FinalTerm's shell integration, as VS Code and WezTerm read it) plus VS Code's OSC 633;E for the command
 * line:
 *
 *   PS0 (a command was read, its output begins):   ESC ] 133;C;k=<nonce> BEL
 *   PROMPT_COMMAND (it ended):                      ESC ] 633;E;<base64 of the history line>;k=<nonce> BEL
 *                                                   ESC ] 133;D;<exit status>;k=<nonce> BEL
 *
 * The line comes from the shell's history, never from keystrokes, so input typed with echo off (a password
 * prompt) is never seen; a command the history leaves out (one that starts with a space) comes with an empty line
 * and is not recorded. Each shell gets a random nonce (KUBELAB_MARKS in its environment): marks printed by
 * anything else, such as a pod's log replayed with `kubectl logs`, lack it and are plain output. The browser's
 * xterm.js ignores these OSC sequences, so the stream is passed on unchanged.
 *
 * Cost on the keystroke path: one indexOf for ESC per chunk; OSC bodies are walked only when one begins.
 */
import { boundedText } from './text.ts';

export interface ShellCommand {
  /** The command line as the history holds it (a multi-line command joined by the shell). */
  command: string;
  exitCode: number;
  startedAt: Date;
  endedAt: Date;
  /** The start of its output, with its escape sequences (bounded; the marker says how much more there was). */
  output: string;
  outputBytes: number;
  truncated: boolean;
}

export interface ShellMarksOptions {
  nonce: string;
  onCommand: (command: ShellCommand) => void;
  /** How much of a command's output is kept. */
  maxOutputBytes?: number;
  /** How much of a command line is kept. */
  maxCommandBytes?: number;
  now?: () => Date;
}

const ESC = 0x1b;
const BEL = 0x07;
const OSC_START = 0x5d; // ']'
const ST_FINAL = 0x5c; // '\'
/** An OSC sequence longer than this is not one of ours (ours are short, but for the command line): plain output. */
const MAX_OSC_BYTES = 64 * 1024;

interface Running {
  startedAt: Date;
  head: Buffer[];
  headBytes: number;
  totalBytes: number;
}

export class ShellMarks {
  readonly #suffix: string;
  readonly #onCommand: (command: ShellCommand) => void;
  readonly #maxOutput: number;
  readonly #maxCommand: number;
  readonly #now: () => Date;
  #pending: Buffer | undefined;
  #running: Running | undefined;
  #line: string | undefined;

  constructor(options: ShellMarksOptions) {
    if (!/^[A-Za-z0-9]{16,}$/.test(options.nonce)) throw new TypeError('the marks nonce must be at least 16 letters or digits');
    this.#suffix = `;k=${options.nonce}`;
    this.#onCommand = options.onCommand;
    this.#maxOutput = options.maxOutputBytes ?? 8 * 1024;
    this.#maxCommand = options.maxCommandBytes ?? 8 * 1024;
    this.#now = options.now ?? (() => new Date());
  }

  /** A command is running (its start was seen, its end not yet). */
  get running(): boolean {
    return this.#running !== undefined;
  }

  /** The next chunk of the pty's output, in order. */
  feed(chunk: Uint8Array): void {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#pending) {
      data = Buffer.concat([this.#pending, data]);
      this.#pending = undefined;
    }
    let from = 0;
    let textStart = 0;
    while (from < data.length) {
      const esc = data.indexOf(ESC, from);
      if (esc < 0) break;
      if (esc + 1 >= data.length) {
        // An ESC that ends the chunk may begin a mark: decide with the next chunk.
        this.#capture(data.subarray(textStart, esc));
        this.#pending = Buffer.from(data.subarray(esc));
        return;
      }
      if (data[esc + 1] !== OSC_START) {
        from = esc + 1;
        continue;
      }
      const end = oscEnd(data, esc + 2);
      if (end === undefined) {
        if (data.length - esc <= MAX_OSC_BYTES) {
          this.#capture(data.subarray(textStart, esc));
          this.#pending = Buffer.from(data.subarray(esc));
          return;
        }
        from = esc + 2;
        continue;
      }
      const body = data.toString('latin1', esc + 2, end.bodyEnd);
      if (body.endsWith(this.#suffix)) {
        this.#capture(data.subarray(textStart, esc));
        this.#mark(body.slice(0, -this.#suffix.length));
        textStart = end.next;
      }
      from = end.next;
    }
    this.#capture(data.subarray(textStart));
  }

  #capture(bytes: Buffer): void {
    const running = this.#running;
    if (!running || bytes.length === 0) return;
    running.totalBytes += bytes.length;
    const room = this.#maxOutput - running.headBytes;
    if (room > 0) {
      const kept = bytes.subarray(0, room);
      running.head.push(Buffer.from(kept));
      running.headBytes += kept.length;
    }
  }

  #mark(body: string): void {
    if (body === '133;C') {
      this.#running = { startedAt: this.#now(), head: [], headBytes: 0, totalBytes: 0 };
      this.#line = undefined;
    } else if (body.startsWith('633;E;')) {
      const encoded = body.slice('633;E;'.length);
      this.#line = encoded ? Buffer.from(encoded, 'base64').toString('utf8').replace(/\n+$/, '') : '';
    } else if (body.startsWith('133;D')) {
      const running = this.#running;
      const line = this.#line;
      this.#running = undefined;
      this.#line = undefined;
      if (!running || !line) return;
      const status = Number.parseInt(body.split(';')[2] ?? '', 10);
      const output = boundedText(Buffer.concat(running.head), this.#maxOutput, running.totalBytes);
      this.#onCommand({
        command: boundedText(line, this.#maxCommand).text,
        exitCode: Number.isFinite(status) ? status : -1,
        startedAt: running.startedAt,
        endedAt: this.#now(),
        output: output.text,
        outputBytes: running.totalBytes,
        truncated: output.truncated,
      });
    }
  }
}

/** Where the OSC whose body starts at `from` ends: BEL, or ST (ESC \); an ESC followed by anything else cancels it. */
function oscEnd(data: Buffer, from: number): { bodyEnd: number; next: number } | undefined {
  const limit = Math.min(data.length, from + MAX_OSC_BYTES);
  for (let i = from; i < limit; i++) {
    const byte = data[i];
    if (byte === BEL) return { bodyEnd: i, next: i + 1 };
    if (byte === ESC) {
      if (i + 1 >= data.length) return undefined;
      return data[i + 1] === ST_FINAL ? { bodyEnd: i, next: i + 2 } : { bodyEnd: i, next: i };
    }
  }
  return undefined;
}
