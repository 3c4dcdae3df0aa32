/**
 * What a learner may read of a host-side failure. A command's argv and the host's paths (the tools folder, the
 * cache, temporary folders, the home directory) are the host's business: messages shown in the lab keep the
 * failing tool's name, its exit status and the useful tail of its own stderr, with paths replaced; the full
 * error stays in `cause`, for the log.
 */
import { homedir, tmpdir } from 'node:os';
import { basename } from 'node:path';
import { cacheDir } from './cache.ts';
import { CommandError } from './exec.ts';

/**
 * Replaces host paths in `text`: each of `paths` (path → what to show instead), then the cache, the temporary
 * folder and the home directory. Longer paths go first, so a folder inside another gets its own label. A tool
 * in the cache's bin folder shows as its bare name (`kubectl-v1.34.1`).
 */
export function redactHostPaths(text: string, paths: Record<string, string> = {}): string {
  const replacements: [string, string][] = [
    ...Object.entries(paths),
    [`${cacheDir()}/bin/`, ''],
    [cacheDir(), '<cache>'],
    [tmpdir(), '<tmp>'],
    [homedir(), '~'],
  ];
  let out = text;
  for (const [path, label] of replacements.filter(([path]) => path.length > 1).sort(([a], [b]) => b.length - a.length)) {
    out = out.replaceAll(path, label);
  }
  // A scratch folder of another process, or one already gone: still nobody's business.
  return out.replace(/(^|[\s'"`(=:])\/tmp\/kubelab-[\w.-]+/g, '$1<tmp>');
}

/** The last `lines` non-empty lines of `text`, host paths replaced. */
export function redactedTail(text: string, lines = 5, paths: Record<string, string> = {}): string {
  return redactHostPaths(
    text
      .trim()
      .split('\n')
      .filter((line) => line.trim())
      .slice(-lines)
      .join('\n'),
    paths,
  );
}

/**
 * One error as a learner may read it: for a failed command, its tool name, how it ended and the tail of its
 * stderr (never its argv); for anything else, its message. Host paths are replaced either way.
 */
export function describeForLearner(error: unknown, options: { lines?: number; paths?: Record<string, string> } = {}): string {
  if (error instanceof CommandError) {
    const tool = basename(error.argv[0] ?? 'command').replace(/-v\d[\w.+-]*$/, '');
    const how = error.exitCode === null ? 'could not run or was stopped' : `exited with status ${error.exitCode}`;
    const tail = redactedTail(error.stderr, options.lines ?? 5, options.paths);
    return `${tool} ${how}${tail ? `: ${tail}` : ''}`;
  }
  return redactHostPaths(error instanceof Error ? error.message : String(error), options.paths);
}
