/**
 * `npm run setup`: everything Kubelab needs to create real kind clusters on this machine, idempotently.
 * A warm run takes seconds; an interrupted run resumes where it stopped (every artifact is written atomically).
 */
import { runPipeline } from './lib/pipeline.ts';
import { consoleStatus, formatElapsed } from './lib/status.ts';
import { runMain } from './lib/main.ts';
import { setupActions, type SetupContext } from './setup/steps.ts';
import { toolsBinDir } from './lib/artifacts.ts';
import { appendFile, mkdir } from 'node:fs/promises';
import { cachePath } from './lib/cache.ts';
import type { StatusEvent } from './lib/status.ts';

/** Keeps each run's step durations, so the benchmark can report cold setup without wiping the caches. */
async function recordRun(events: StatusEvent[]): Promise<void> {
  const steps: Record<string, number> = {};
  for (const event of events) if (event.type === 'done') steps[event.title] = event.elapsedMs;
  await mkdir(cachePath('state'), { recursive: true });
  await appendFile(cachePath('state', 'setup-runs.jsonl'), JSON.stringify({ at: new Date().toISOString(), steps }) + '\n');
}

export async function setup(signal: AbortSignal = new AbortController().signal): Promise<SetupContext> {
  const context: SetupContext = {};
  const status = consoleStatus();
  try {
    await runPipeline(setupActions, context, status, signal);
  } finally {
    await recordRun(status.events);
  }
  return context;
}

if (import.meta.main) {
  const began = Date.now();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  await runMain(async () => {
    const context = await setup(controller.signal);
    process.stderr.write(
      `\nKubelab is set up (${formatElapsed(Date.now() - began)}). Node image: ${context.nodeImage}\n` +
        `kind, kubectl and helm are in ${toolsBinDir()} (add it to PATH to use them directly).\n`,
    );
  });
}
