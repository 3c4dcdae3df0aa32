import { spawn } from 'node:child_process';
import { openSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { run, succeeds, which } from '../lib/exec.ts';
import { cachePath, writeFileAtomic } from '../lib/cache.ts';
import { KubelabError } from '../lib/errors.ts';
import type { StepHandle } from '../lib/status.ts';
import { dockerLogOptions, isRoot, lacksSysResource, wrapperPath, wrapperRuntime } from '../lib/host.ts';

/**
 * A runc wrapper that deletes CAP_SYS_RESOURCE from every capability set of the OCI spec before handing over to
 * the real runc. `create`/`run` read the bundle's config.json, `exec` reads a --process JSON file: both are edited.
 */
/** A word for sh: single-quoted, so a path with spaces or quotes stays one argument and runs nothing. */
export const shellQuote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

export function runcWrapperScript(realRunc: string, jq: string): string {
  return `#!/bin/sh
# Written by Kubelab's setup (scripts/setup/engine.ts). This host's capability bounding set lacks
# CAP_SYS_RESOURCE, so runc cannot grant it to privileged containers; drop it from the spec instead.
bundle=""; process=""; previous=""
for arg in "$@"; do
  case "$previous" in --bundle|-b) bundle=$arg ;; --process|-p) process=$arg ;; esac
  case "$arg" in --bundle=*) bundle=\${arg#--bundle=} ;; --process=*) process=\${arg#--process=} ;; esac
  previous=$arg
done
strip() {
  [ -f "$1" ] || return 0
  ${shellQuote(jq)} '(if .process then .process.capabilities else .capabilities end) as $caps
    | if $caps == null then . else
        (if .process then .process.capabilities else .capabilities end) |=
          with_entries(.value |= (if type == "array" then map(select(. != "CAP_SYS_RESOURCE")) else . end))
      end' "$1" > "$1.kubelab" && mv "$1.kubelab" "$1"
}
if [ -n "$bundle" ]; then strip "$bundle/config.json"; fi
if [ -n "$process" ]; then strip "$process"; fi
exec ${shellQuote(realRunc)} "$@"
`;
}

/**
 * Why `path` could be replaced by someone other than root: a folder on the way (or the file) that is not owned by
 * root, or that its group or everyone may write. Undefined when only root can change it.
 */
export function notRootOnly(path: string, stat: (path: string) => { uid: number; mode: number } = statSync): string | undefined {
  for (let current = path; ; current = dirname(current)) {
    let info: { uid: number; mode: number };
    try {
      info = stat(current);
    } catch {
      if (current === dirname(current)) return undefined;
      continue; // not made yet: mkdir makes it root's
    }
    if (info.uid !== 0) return `${current} is owned by uid ${info.uid}, not root`;
    // The sticky bit (as on /tmp) does not stop another user from adding files, so it does not help here.
    if (info.mode & 0o022) return `${current} may be written by its group or by everyone (mode ${(info.mode & 0o7777).toString(8)})`;
    if (current === dirname(current)) return undefined;
  }
}

/** Writes a root-owned executable where only root can change it, or refuses. */
async function installRootOwned(path: string, content: string): Promise<void> {
  const why = notRootOnly(dirname(path));
  if (why) {
    throw new KubelabError('E_ENGINE_CAPS', `will not install the ${wrapperRuntime} runtime at ${path}: ${why}`, {
      hint: 'dockerd runs this file as root for every container: make its folder root-owned and writable by root only, then run npm run setup again.',
    });
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await writeFileAtomic(path, content, 0o755);
  await chown(path, 0, 0);
  await chmod(path, 0o755);
}

async function dockerInfo(): Promise<{ ok: true; defaultRuntime: string; runtimePath?: string } | { ok: false; error: string }> {
  try {
    const { stdout } = await run(['docker', 'info', '--format', '{{.DefaultRuntime}}\t{{json .Runtimes}}']);
    const [defaultRuntime = '', runtimes = '{}'] = stdout.trim().split('\t');
    const runtimePath = (JSON.parse(runtimes) as Record<string, { path?: string }>)[defaultRuntime]?.path;
    return { ok: true, defaultRuntime, ...(runtimePath ? { runtimePath } : {}) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

async function aptInstall(packages: string[], step: StepHandle): Promise<void> {
  step.progress(`apt-get install ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...packages];
  if (!(await succeeds(install, { env }))) {
    await run(['apt-get', 'update'], { env });
    await run(install, { env });
  }
}

/** Host packages the offline build needs, by the command that shows each is present. */
const hostPackages: Record<string, string> = {
  dockerd: 'docker.io',
  debootstrap: 'debootstrap',
  jq: 'jq',
  busybox: 'busybox-static',
  gcc: 'gcc',
  // node-pty has no Linux prebuild, so node-gyp compiles it.
  'g++': 'g++',
  make: 'make',
  // Applies our patches to upstream Go modules before they are built (go-build.ts).
  patch: 'patch',
  python3: 'python3',
  // The e2e tests drive Debian's chromium: Playwright cannot download its own browsers without the internet.
  chromium: 'chromium',
};

/**
 * Packages only root needs, because only root uses them: iptables (with ip6tables) for the host firewall for lab
 * networks (scripts/setup/firewall.ts). A user's setup prints the firewall's commands instead of failing.
 */
const rootPackages: Record<string, string> = { iptables: 'iptables' };

export async function ensureHostPackages(step: StepHandle): Promise<void> {
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries({ ...hostPackages, ...(isRoot() ? rootPackages : {}) })) {
    if (!(await which(command))) missing.push(pkg);
  }
  if (missing.length === 0) return;
  if (!isRoot() || !(await which('apt-get'))) {
    throw new KubelabError('E_HOST_PACKAGES', `missing host packages: ${missing.join(', ')}`, {
      hint: `Install them with your package manager (on Debian/Ubuntu: sudo apt-get install ${missing.join(' ')}), then run npm run setup again.`,
    });
  }
  await aptInstall(missing, step);
}

/**
 * Makes sure a Docker engine answers. If none does and we are root on a Debian-family host, starts Debian's
 * dockerd ourselves (with the runc wrapper where the kernel needs it). Anywhere else, says what to install.
 */
export async function ensureEngine(step: StepHandle): Promise<string> {
  const info = await dockerInfo();
  if (info.ok) {
    if (lacksSysResource() && info.defaultRuntime !== wrapperRuntime) {
      throw new KubelabError(
        'E_ENGINE_CAPS',
        `Docker is running, but this kernel lacks CAP_SYS_RESOURCE and dockerd's default runtime is "${info.defaultRuntime}", so privileged kind nodes cannot start`,
        { hint: `Stop that dockerd and run npm run setup again: it starts dockerd with the ${wrapperRuntime} runtime, which drops the missing capability.` },
      );
    }
    // A dockerd started by an older setup runs the wrapper from the cache; it keeps working, but only root may be
    // able to replace what dockerd runs as root. Say so rather than restart a dockerd that may be running labs.
    const risky = info.defaultRuntime === wrapperRuntime && info.runtimePath ? notRootOnly(info.runtimePath) : undefined;
    if (risky) step.progress(`warning: dockerd runs ${info.runtimePath}, and ${risky}; restart dockerd and run npm run setup to move it to ${wrapperPath}`);
    return `engine already running (runtime ${info.defaultRuntime}${info.runtimePath && info.runtimePath !== 'runc' ? ` at ${info.runtimePath}` : ''})`;
  }
  if (!isRoot() || !(await which('apt-get'))) {
    throw new KubelabError('E_NO_ENGINE', `no Docker engine answers: ${info.error.split('\n')[0]}`, {
      hint: 'Install Docker Engine (https://docs.docker.com/engine/install/) and start it, make sure `docker info` works for this user, then run npm run setup again.',
    });
  }
  if (!(await which('dockerd'))) await aptInstall(['docker.io'], step);
  const dockerd = (await which('dockerd'))!;
  const args = ['--host', 'unix:///var/run/docker.sock'];
  if (lacksSysResource()) {
    const jq = await which('jq');
    if (!jq) await aptInstall(['jq'], step);
    const realRunc = (await which('runc')) ?? '/usr/sbin/runc';
    await installRootOwned(wrapperPath, runcWrapperScript(realRunc, (await which('jq'))!));
    args.push('--add-runtime', `${wrapperRuntime}=${wrapperPath}`, '--default-runtime', wrapperRuntime);
    step.progress(`kernel lacks CAP_SYS_RESOURCE: using the ${wrapperRuntime} runtime wrapper`);
  }
  args.push(...dockerLogOptions);
  const logFile = cachePath('logs', 'dockerd.log');
  await writeFileAtomic(logFile, '');
  step.progress(`starting dockerd (log: ${logFile})`);
  const child = spawn(dockerd, args, { detached: true, stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')] });
  child.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const again = await dockerInfo();
    if (again.ok) return `started dockerd (pid ${child.pid}, runtime ${again.defaultRuntime})`;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-10).join('\n');
  throw new KubelabError('E_NO_ENGINE', `dockerd did not come up within 60s:\n${tail}`, {
    hint: `Read ${logFile}; a dockerd from another install may hold /var/run/docker.sock or /var/lib/docker.`,
  });
}
