import { formatError } from './errors.ts';

/**
 * The body of every command-line entry point: runs `main`, prints a failure as `error [CODE]: message → hint`
 * on stderr and sets the exit code (the process exits when its work is done, so open handles are not cut off).
 */
export async function runMain(main: () => Promise<void | number>, options: { exitCode?: number } = {}): Promise<void> {
  try {
    const code = await main();
    if (typeof code === 'number') process.exitCode = code;
  } catch (error) {
    process.stderr.write(`\n${formatError(error)}\n`);
    process.exitCode = options.exitCode ?? 1;
  }
}
