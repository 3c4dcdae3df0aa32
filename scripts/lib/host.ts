/** Facts about the host that both setup and the doctor need. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Name under which dockerd knows our runc wrapper (see scripts/setup/engine.ts). */
export const wrapperRuntime = 'kubelab-runc';

/**
 * Where the wrapper lives: dockerd runs it as root for every container, so it sits in a root-owned folder that no
 * user can write, never in a user's cache (a user who could replace it would be root at the next container start).
 */
export const wrapperPath = '/usr/local/libexec/kubelab/kubelab-runc';

/**
 * The Linux bridge of a cluster's Docker network: a predictable name, so the host firewall can match every lab
 * network with one pattern (`-i kl-+`) and nothing else. Bridge names hold at most 15 characters.
 */
export const labBridgePrefix = 'kl-';
export function labBridgeName(cluster: string): string {
  return labBridgePrefix + createHash('sha256').update(cluster).digest('hex').slice(0, 12);
}

/** The log rotation dockerd is started with: a chatty pod or a flood in a toolbox cannot fill the host's disk. */
export const dockerLogOptions = ['--log-opt', 'max-size=10m', '--log-opt', 'max-file=3'];

/**
 * How a running dockerd logs containers by default, from its command line (`/proc/<pid>/cmdline`, NUL-separated)
 * and its `/etc/docker/daemon.json` (flags win, as in dockerd). `rotated` is false for the json-file driver
 * without a max-size: every container's output then grows without bound on the host's disk. The `local` driver
 * rotates by default; journald and the others are the system's business.
 */
export function dockerLogRotation(cmdline: readonly string[], daemonJson?: string): { driver: string; maxSize?: string; rotated: boolean } {
  const flag = (name: string): string[] =>
    cmdline.flatMap((arg, i) => (arg === name ? [cmdline[i + 1] ?? ''] : arg.startsWith(`${name}=`) ? [arg.slice(name.length + 1)] : []));
  let config: { 'log-driver'?: unknown; 'log-opts'?: Record<string, unknown> } = {};
  try {
    if (daemonJson) config = JSON.parse(daemonJson) as typeof config;
  } catch {
    // An unreadable daemon.json is dockerd's to refuse; read what the flags say.
  }
  const driver = flag('--log-driver').at(-1) ?? (typeof config['log-driver'] === 'string' ? config['log-driver'] : 'json-file');
  const fromFlags = flag('--log-opt').find((opt) => opt.startsWith('max-size='))?.slice('max-size='.length);
  const fromFile = config['log-opts']?.['max-size'];
  const maxSize = fromFlags ?? (typeof fromFile === 'string' ? fromFile : undefined);
  return { driver, ...(maxSize ? { maxSize } : {}), rotated: driver !== 'json-file' || maxSize !== undefined };
}
const CAP_SYS_RESOURCE = 24;

/**
 * True when this kernel's capability bounding set lacks CAP_SYS_RESOURCE (as in our CI microVMs). Then a
 * `--privileged` container cannot start, because runc asks for every capability, and kind nodes are privileged.
 */
export function lacksSysResource(statusFile = '/proc/self/status'): boolean {
  const match = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync(statusFile, 'utf8'));
  if (!match) return false;
  return (BigInt('0x' + match[1]) & (1n << BigInt(CAP_SYS_RESOURCE))) === 0n;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
