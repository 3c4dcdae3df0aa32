import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtemp } from 'node:fs/promises';
import { run } from '../lib/exec.ts';
import { cachePath, exists, produceDirectory } from '../lib/cache.ts';
import { shortHash } from '../lib/versions.ts';
import { KubelabError, wrapError } from '../lib/errors.ts';
import { withHeartbeat, type StepHandle } from '../lib/status.ts';

/**
 * A Go program built from the Go module proxy. Many of them cannot be `go install`ed because their go.mod has
 * replace directives (k8s.io/kubernetes points at ./staging, etcd at ../api, Traefik at forks), which
 * `go install pkg@version` refuses. So each build happens in a throwaway wrapper module that requires the
 * target and re-states its replaces: local paths become the sibling module at the matching version, remote
 * replaces and excludes are copied as they are.
 */
export interface GoRecipe {
  /** Cache and log name, e.g. "kubernetes". */
  name: string;
  module: string;
  version: string;
  /** Output binary name → package path to build. */
  binaries: Record<string, string>;
  /** Version for modules the target replaces with a local directory (k8s staging: v0.34.4). */
  localReplaceVersion?: string;
  ldflags?: string[];
  /** Modules the checksum database has no entry for (the proxy answers 404); fetched with GONOSUMDB. */
  noSumDb?: boolean;
  cgo?: boolean;
  /** Build from a directory holding our own module instead of the module proxy. */
  localDir?: string;
  /**
   * Patch files (`patch -p1`, paths from the module's root) applied to a copy of the module before it is built:
   * our own changes to an upstream program, each explained in its file. Their text is part of the cache key.
   */
  patches?: string[];
}

interface ModFile {
  Go?: string;
  Godebug?: { Key: string; Value: string }[] | null;
  Replace?: { Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }[] | null;
  Exclude?: { Path: string; Version: string }[] | null;
}

function goEnv(recipe: GoRecipe): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CGO_ENABLED: recipe.cgo ? '1' : '0',
    // Our own modules build from their committed go.sum; wrapper modules resolve theirs on the fly.
    GOFLAGS: recipe.localDir ? '-mod=readonly -buildvcs=false' : '-mod=mod -buildvcs=false',
    // Never let a go directive trigger a toolchain download: there is no such network here.
    GOTOOLCHAIN: 'local',
    ...(recipe.noSumDb ? { GONOSUMDB: recipe.module } : {}),
  };
}

/** The cache directory holding a recipe's binaries; its name changes whenever the recipe does. */
export function goOutputDir(recipe: GoRecipe, extraKey = ''): string {
  const patches = (recipe.patches ?? []).map((file) => readFileSync(file, 'utf8'));
  return cachePath('go', `${recipe.name}-${recipe.version}-${shortHash(JSON.stringify(recipe), extraKey, ...patches)}`);
}


/**
 * Writes the wrapper module into `dir`: a go.mod as described above, and the target's own go.sum, so its
 * dependencies are verified against the hashes its authors committed (some pinned commits have no entry in the
 * checksum database this machine can reach).
 */
async function writeWrapperModule(recipe: GoRecipe, env: NodeJS.ProcessEnv, dir: string): Promise<void> {
  const { stdout } = await run(['go', 'mod', 'download', '-json', `${recipe.module}@${recipe.version}`], { env });
  const { GoMod: goModPath, Dir: moduleDir } = JSON.parse(stdout) as { GoMod: string; Dir: string };
  let goMod = await wrapperGoMod(recipe, env, goModPath);
  if (recipe.patches?.length) {
    // The module cache is read-only and shared: patch a copy, and point the wrapper at it.
    const source = join(dir, 'patched-source');
    await run(['cp', '-R', moduleDir, source]);
    await run(['chmod', '-R', 'u+w', source]);
    for (const file of recipe.patches) await run(['patch', '-p1', '--forward', '--batch', '-d', source, '-i', file]);
    goMod += `replace ${recipe.module} => ./patched-source\n`;
  }
  await writeFile(join(dir, 'go.mod'), goMod);
  try {
    await writeFile(join(dir, 'go.sum'), await readFile(join(moduleDir, 'go.sum')));
  } catch {
    // a module without dependencies has no go.sum
  }
}

async function wrapperGoMod(recipe: GoRecipe, env: NodeJS.ProcessEnv, goModPath: string): Promise<string> {
  const mod = JSON.parse((await run(['go', 'mod', 'edit', '-json', goModPath], { env })).stdout) as ModFile;
  const lines = [`module kubelab.local/build/${recipe.name}`, '', `go ${mod.Go ?? '1.22'}`, ''];
  for (const debug of mod.Godebug ?? []) lines.push(`godebug ${debug.Key}=${debug.Value}`);
  lines.push('', `require ${recipe.module} ${recipe.version}`, '');
  for (const { Old, New } of mod.Replace ?? []) {
    const isLocal = New.Path.startsWith('.') || New.Path.startsWith('/');
    if (isLocal) {
      // etcd guards against importing itself with `=> ./FORBIDDEN_DEPENDENCY`: nothing to re-state.
      if (New.Path.includes('FORBIDDEN_DEPENDENCY')) continue;
      lines.push(`replace ${Old.Path} => ${Old.Path} ${recipe.localReplaceVersion ?? recipe.version}`);
    } else {
      const old = Old.Version ? `${Old.Path} ${Old.Version}` : Old.Path;
      lines.push(`replace ${old} => ${New.Path} ${New.Version ?? ''}`.trimEnd());
    }
  }
  for (const exclude of mod.Exclude ?? []) lines.push(`exclude ${exclude.Path} ${exclude.Version}`);
  return lines.join('\n') + '\n';
}

/** The file name `go build` gives a main package: its last path element, skipping a /vN major-version suffix. */
export function goBinaryName(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts.pop()!;
  return /^v\d+$/.test(last) && parts.length > 0 ? parts.pop()! : last;
}

/**
 * Builds a recipe into its cache directory (atomically) unless it is there already, and returns that directory.
 * The full build log goes to the cache's logs/ folder; its tail is in the error when the build fails.
 */
export async function buildGo(recipe: GoRecipe, step: StepHandle, extraKey = ''): Promise<string> {
  const out = goOutputDir(recipe, extraKey);
  if (await exists(out)) return out;
  const env = goEnv(recipe);
  const logPath = cachePath('logs', `go-${recipe.name}.log`);
  await mkdir(cachePath('logs'), { recursive: true });
  const log: string[] = [];
  try {
    await produceDirectory(out, async (scratch) => {
      let cwd = recipe.localDir;
      if (!cwd) {
        cwd = await mkdtemp(join(tmpdir(), `kubelab-go-${recipe.name}-`));
        await writeWrapperModule(recipe, env, cwd);
      }
      const ldflags = ['-s', '-w', ...(recipe.ldflags ?? [])].join(' ');
      try {
        await withHeartbeat(step, (lastLine) =>
          run(['go', 'build', '-trimpath', '-ldflags', ldflags, '-o', scratch + '/', ...new Set(Object.values(recipe.binaries))], {
            cwd,
            env,
            onLine: (line) => {
              log.push(line);
              lastLine(line);
            },
          }),
        );
        // `go build -o dir/` names each binary after its package's last element; rename to the names we want.
        for (const [binary, pkg] of Object.entries(recipe.binaries)) {
          const built = goBinaryName(pkg === '.' ? recipe.module : pkg);
          if (built !== binary) {
            await run(['cp', join(scratch, built), join(scratch, binary)]);
          }
        }
        for (const entry of await readdir(scratch)) {
          if (!(entry in recipe.binaries)) await rm(join(scratch, entry), { force: true });
        }
      } finally {
        if (!recipe.localDir) await rm(cwd, { recursive: true, force: true });
      }
    });
  } catch (error) {
    await writeFile(logPath, log.join('\n'));
    const detail = log.filter((line) => line.trim() && !line.startsWith('go: downloading')).slice(-8).join('\n');
    throw new KubelabError('E_GO_BUILD', `failed to build ${recipe.module}@${recipe.version} with go${detail ? `:\n${detail}` : `: ${error instanceof Error ? error.message : error}`}`, {
      hint: `The full build log is in ${logPath}. Check that the Go module proxy is reachable (go env GOPROXY) and that there is free disk space.`,
      cause: wrapError('go build', error),
    });
  }
  await writeFile(logPath, log.join('\n'));
  return out;
}
