import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { run, succeeds, which } from '../lib/exec.ts';
import { cachePath, writeFileAtomic } from '../lib/cache.ts';
import { KubelabError } from '../lib/errors.ts';
import type { StepHandle } from '../lib/status.ts';
import { isRoot, lacksSysResource, wrapperRuntime } from '../lib/host.ts';


/**
 * A runc wrapper that deletes CAP_SYS_RESOURCE from every capability set of the OCI spec before handing over to
 * the real runc. `create`/`run` read the bundle's config.json, `exec` reads a --process JSON file: both are edited.
 */
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
  ${jq} '(if .process then .process.capabilities else .capabilities end) as $caps
    | if $caps == null then . else
        (if .process then .process.capabilities else .capabilities end) |=
          with_entries(.value |= (if type == "array" then map(select(. != "CAP_SYS_RESOURCE")) else . end))
      end' "$1" > "$1.kubelab" && mv "$1.kubelab" "$1"
}
if [ -n "$bundle" ]; then strip "$bundle/config.json"; fi
if [ -n "$process" ]; then strip "$process"; fi
exec ${realRunc} "$@"
`;
}

async function dockerInfo(): Promise<{ ok: true; defaultRuntime: string } | { ok: false; error: string }> {
  try {
    const { stdout } = await run(['docker', 'info', '--format', '{{.DefaultRuntime}}']);
    return { ok: true, defaultRuntime: stdout.trim() };
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
  python3: 'python3',
  // The e2e tests drive Debian's chromium: Playwright cannot download its own browsers without the internet.
  chromium: 'chromium',
};

export async function ensureHostPackages(step: StepHandle): Promise<void> {
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(hostPackages)) {
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
    return `engine already running (runtime ${info.defaultRuntime})`;
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
    const wrapper = cachePath('bin', wrapperRuntime);
    await writeFileAtomic(wrapper, runcWrapperScript(realRunc, (await which('jq'))!), 0o755);
    args.push('--add-runtime', `${wrapperRuntime}=${wrapper}`, '--default-runtime', wrapperRuntime);
    step.progress(`kernel lacks CAP_SYS_RESOURCE: using the ${wrapperRuntime} runtime wrapper`);
  }
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
