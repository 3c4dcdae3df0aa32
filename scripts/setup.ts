/**
 * `npm run setup`: everything Kubelab needs to create real kind clusters on this machine, idempotently.
 * A warm run takes seconds; an interrupted run resumes where it stopped (every artifact is written atomically).
 */
import { runPipeline } from './lib/pipeline.ts';
import { consoleStatus, formatDuration } from './lib/status.ts';
import { formatError } from './lib/errors.ts';
import { setupActions, type SetupContext } from './setup/steps.ts';
import { toolsBinDir } from './setup/tools.ts';

export async function setup(signal: AbortSignal = new AbortController().signal): Promise<SetupContext> {
  const context: SetupContext = {};
  await runPipeline(setupActions, context, consoleStatus(), signal);
  return context;
}

if (import.meta.main) {
  const began = Date.now();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    const context = await setup(controller.signal);
    process.stderr.write(
      `\nKubelab is set up (${formatDuration(Date.now() - began)}). Node image: ${context.nodeImage}\n` +
        `kind, kubectl and helm are in ${toolsBinDir()} (add it to PATH to use them directly).\n`,
    );
  } catch (error) {
    process.stderr.write(`\n${formatError(error)}\n`);
    process.exitCode = 1;
  }
}
