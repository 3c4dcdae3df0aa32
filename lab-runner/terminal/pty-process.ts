import { spawn, type IEvent, type IPty } from 'node-pty';
import { DisposableStore } from './disposables.ts';

/** How long a killed shell gets to exit on SIGHUP before SIGKILL. */
const KILL_GRACE_MS = 2_000;

/**
 * Why the pty is not being read: the attached client is behind on acks (`flow`), or nobody is attached and the
 * detached read limit is reached (`detached`). Either alone keeps it paused; it resumes once neither holds.
 */
export type PauseReason = 'flow' | 'detached';

export interface PtyProcessOptions {
  argv: readonly [string, ...string[]];
  cols: number;
  rows: number;
  env?: Record<string, string>;
  cwd?: string;
  onData: (chunk: Buffer) => void;
  /** The shell ended by itself (not after kill()); a signal `n` is reported as 128 + n, as shells do. */
  onExit: (exitCode: number) => void;
}

/** One shell on a pty. Throws from the constructor when it cannot be started. */
export class PtyProcess {
  readonly #pty: IPty;
  readonly #listeners = new DisposableStore();
  readonly #pauseReasons = new Set<PauseReason>();
  #paused = false;
  /** Exited or killed: nothing more to pause, resume or signal. */
  #ended = false;

  constructor(options: PtyProcessOptions) {
    const [file, ...args] = options.argv;
    const pty = spawn(file, args, {
      name: 'xterm-256color',
      cols: options.cols,
      rows: options.rows,
      cwd: options.cwd,
      env: { ...process.env, ...options.env } as Record<string, string>,
      // Bytes, not strings: acks count bytes, and a chunk may end inside a UTF-8 character.
      encoding: null,
    });
    this.#pty = pty;
    const onData = pty.onData as unknown as IEvent<Buffer | string>;
    this.#listeners.add(onData((data) => options.onData(typeof data === 'string' ? Buffer.from(data) : data)));
    this.#listeners.add(
      pty.onExit(({ exitCode, signal }) => {
        this.#ended = true;
        this.#listeners.dispose();
        options.onExit(signal ? 128 + signal : exitCode);
      }),
    );
  }

  get pid(): number {
    return this.#pty.pid;
  }

  /** The pty is not being read (so a flooding command blocks on its next write). */
  get paused(): boolean {
    return this.#paused;
  }

  pause(reason: PauseReason): void {
    this.#pauseReasons.add(reason);
    this.#apply();
  }

  resume(reason: PauseReason): void {
    this.#pauseReasons.delete(reason);
    this.#apply();
  }

  write(data: string): void {
    this.#pty.write(data);
  }

  /** Throws if the pty is already gone. */
  resize(cols: number, rows: number): void {
    this.#pty.resize(cols, rows);
  }

  /**
   * Stops listening and hangs up the shell: SIGHUP, then SIGKILL if it is still there after KILL_GRACE_MS. Once
   * the shell has exited or been killed it does nothing, so a reused pid is never signalled.
   */
  kill(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#listeners.dispose();
    this.#pauseReasons.clear();
    this.#paused = false;
    const pty = this.#pty;
    let gone = false;
    const exit = pty.onExit(() => {
      gone = true;
    });
    try {
      pty.kill('SIGHUP');
    } catch {
      gone = true;
    }
    setTimeout(() => {
      exit.dispose();
      if (!gone) {
        try {
          pty.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    }, KILL_GRACE_MS).unref();
    // A paused pty would keep its fd until node-pty's own timeout; let it drain and close.
    try {
      pty.resume();
    } catch {
      // already closed
    }
  }

  #apply(): void {
    if (this.#ended) return;
    const paused = this.#pauseReasons.size > 0;
    if (paused === this.#paused) return;
    this.#paused = paused;
    if (paused) this.#pty.pause();
    else this.#pty.resume();
  }
}
