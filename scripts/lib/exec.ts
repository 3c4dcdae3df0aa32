import { spawn } from 'node:child_process';
import { KubelabError } from './errors.ts';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then stdin is closed. */
  input?: string | Buffer;
  signal?: AbortSignal;
  /** Called with each line of stdout and stderr as it arrives (for progress and build logs). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Keep at most this many bytes of stderr/stdout for the error message (the tail). */
  maxCapture?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** A command that exited non-zero, or could not start. Keeps its argv and the tail of its stderr. */
export class CommandError extends KubelabError {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(argv: readonly string[], exitCode: number | null, stderr: string, cause?: unknown) {
    const shown = argv.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ');
    const tail = stderr.trim().split('\n').slice(-15).join('\n');
    super(
      'E_COMMAND_FAILED',
      exitCode === null
        ? `could not run \`${shown}\`${cause instanceof Error ? `: ${cause.message}` : ''}`
        : `\`${shown}\` exited with status ${exitCode}${tail ? `:\n${tail}` : ''}`,
      { cause },
    );
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Runs argv (no shell) and resolves with its output, or rejects with a CommandError. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new TypeError('run() needs a command');
  const maxCapture = options.maxCapture ?? 8 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      signal: options.signal,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
    const partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => {
        out[stream] += chunk;
        if (out[stream].length > maxCapture) out[stream] = out[stream].slice(-maxCapture);
        if (options.onLine) {
          const lines = (partial[stream] + chunk).split('\n');
          partial[stream] = lines.pop() ?? '';
          for (const line of lines) options.onLine(line, stream);
        }
      });
    }
    child.on('error', (error) => reject(new CommandError(argv, null, out.stderr, error)));
    child.on('close', (code, signal) => {
      if (options.onLine) {
        for (const stream of ['stdout', 'stderr'] as const) if (partial[stream]) options.onLine(partial[stream], stream);
      }
      if (code === 0) resolve(out);
      else reject(new CommandError(argv, code ?? null, out.stderr || (signal ? `killed by ${signal}` : '')));
    });
    child.stdin.on('error', () => {}); // a child that exits without reading its stdin is not our error
    child.stdin.end(options.input ?? '');
  });
}

/** Like run(), but resolves false instead of throwing when the command fails. */
export async function succeeds(argv: readonly string[], options: RunOptions = {}): Promise<boolean> {
  try {
    await run(argv, options);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of a command on PATH, or undefined. */
export async function which(command: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(['sh', '-c', 'command -v "$1"', 'sh', command]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface BoundedResult {
  /** stdout, then stderr, as they arrived: at most `maxBytes` bytes of UTF-8. */
  output: string;
  /** The exit status; null when the command could not start or was stopped at the deadline. */
  exitCode: number | null;
  truncated: boolean;
  timedOut: boolean;
}

/**
 * Runs argv (no shell) and keeps the first `maxBytes` of what it prints, stdout and stderr together; past that, or
 * past `timeoutMs`, the command is killed. Never throws for the command's own failure: for output shown to a
 * person as it is (a node view), where a huge or endless output must cost the host nothing.
 */
export function runBounded(argv: readonly string[], options: { maxBytes: number; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<BoundedResult> {
  const [file, ...args] = argv;
  if (!file) throw new TypeError('runBounded() needs a command');
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const take = (chunk: Buffer) => {
      if (truncated) return;
      const room = options.maxBytes - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size = options.maxBytes;
        truncated = true;
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const finish = (exitCode: number | null) => {
      clearTimeout(timer);
      // A cut may fall inside a multi-byte character: TextDecoder turns the partial one into U+FFFD.
      resolve({ output: new TextDecoder().decode(Buffer.concat(chunks)), exitCode: truncated || timedOut ? null : exitCode, truncated, timedOut });
    };
    child.on('error', () => finish(null));
    child.on('close', (code) => finish(code));
  });
}
