import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, succeeds } from '../lib/exec.ts';
import { cachePath } from '../lib/cache.ts';
import { KubelabError, wrapError } from '../lib/errors.ts';
import { withHeartbeat, type StepHandle } from '../lib/status.ts';

/** Label put on everything Kubelab builds, so `kubelab doctor` and cleanup can find it. */
export const builtByLabel = 'io.kubelab.built-by=kubelab-setup';

/** A label that records what went into an image we built, so a stale image with the right name gets rebuilt. */
export const keyLabel = 'io.kubelab.key';

/** The value of a label on a local image, or undefined when the image or the label is missing. */
export async function imageLabel(ref: string, label: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(['docker', 'image', 'inspect', '--format', `{{ index .Config.Labels "${label}" }}`, ref]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function imageExists(ref: string): Promise<boolean> {
  return succeeds(['docker', 'image', 'inspect', ref]);
}

/** Tries `docker pull` with a deadline; false when no registry answers (as on our offline machines). */
export async function tryPull(ref: string, timeoutMs = 90_000): Promise<boolean> {
  return succeeds(['docker', 'pull', '--quiet', ref], { signal: AbortSignal.timeout(timeoutMs) });
}

export interface BuildContext {
  /** The Dockerfile text. */
  dockerfile: string;
  /** Files to place in the context: destination (relative) → source path on the host. */
  files?: Record<string, string>;
  /** Extra files written from text: destination → content. */
  texts?: Record<string, string>;
}

/**
 * Builds an image from a throwaway context directory with the classic builder (Debian's Docker 20.10 has no
 * BuildKit by default, so Dockerfiles here avoid `COPY --chmod`). Tags it with every name in `tags`.
 */
export async function buildImage(tags: string[], context: BuildContext, step: StepHandle): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-image-'));
  const log: string[] = [];
  const logPath = cachePath('logs', `image-${tags[0]!.replace(/[^a-zA-Z0-9_.-]+/g, '_')}.log`);
  try {
    await writeFile(join(dir, 'Dockerfile'), context.dockerfile);
    for (const [dest, src] of Object.entries(context.files ?? {})) {
      await cp(src, join(dir, dest), { recursive: true, dereference: true });
    }
    for (const [dest, text] of Object.entries(context.texts ?? {})) await writeFile(join(dir, dest), text);
    const argv = ['docker', 'build', '--label', builtByLabel, ...tags.flatMap((tag) => ['-t', tag]), dir];
    await withHeartbeat(step, (lastLine) =>
      run(argv, {
        env: { ...process.env, DOCKER_BUILDKIT: '0' },
        onLine: (line) => {
          log.push(line);
          lastLine(line);
        },
      }),
    );
  } catch (error) {
    await writeFile(logPath, log.join('\n')).catch(() => {});
    throw new KubelabError('E_IMAGE_BUILD', `failed to build image ${tags[0]}`, {
      hint: `The build log is in ${logPath}.`,
      cause: wrapError('docker build', error),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
