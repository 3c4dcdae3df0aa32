import { statfs } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { run, which } from '@kubelab/kit/exec';
import { nodeImageStoreDir, readNodeImage, toolPath } from '@kubelab/kit/artifacts';
import { dockerLogOptions, dockerLogRotation, isRoot, lacksSysResource, wrapperRuntime } from '@kubelab/kit/host';
import { checkRules, execStatus, families, firewallRules, forwardHookOf, hostNameservers, offlineMode, shellCommands } from '@kubelab/kit/firewall';
import { courseImages } from '@kubelab/labs/images';
import { cacheDir } from '@kubelab/kit/cache';
import { defaultStateDir } from '../providers/kind/provider.ts';

interface Finding {
  ok: boolean;
  what: string;
  fix?: string;
  /** Something to know that is not a problem (shown with !, not counted). */
  note?: boolean;
}

async function engineFindings(): Promise<Finding[]> {
  if (!(await which('docker'))) return [{ ok: false, what: 'docker CLI not found', fix: 'Install Docker Engine, or run npm run setup as root on Debian/Ubuntu.' }];
  try {
    const { stdout } = await run(['docker', 'info', '--format', '{{.ServerVersion}} {{.DefaultRuntime}} {{.CgroupVersion}} {{.Driver}}']);
    const [version, runtime, cgroup, driver] = stdout.trim().split(' ');
    const findings: Finding[] = [{ ok: true, what: `Docker engine ${version} (storage ${driver}, cgroup v${cgroup}, runtime ${runtime})` }];
    if (lacksSysResource()) {
      findings.push(
        runtime === wrapperRuntime
          ? { ok: true, what: `kernel lacks CAP_SYS_RESOURCE; dockerd uses the ${wrapperRuntime} wrapper` }
          : { ok: false, what: `kernel lacks CAP_SYS_RESOURCE and dockerd's runtime is ${runtime}: privileged kind nodes will fail`, fix: 'Stop dockerd and run npm run setup, which restarts it with the wrapper runtime.' },
      );
    }
    return findings;
  } catch (error) {
    return [{ ok: false, what: `Docker engine does not answer: ${error instanceof Error ? error.message.split('\n')[0] : error}`, fix: 'Start Docker (sudo systemctl start docker), or run npm run setup as root on Debian/Ubuntu.' }];
  }
}

/** Whether the running dockerd rotates container logs (setup starts it so; a dockerd of the system's may not). */
async function logRotationFinding(): Promise<Finding | undefined> {
  const pid = (await run(['pidof', 'dockerd']).catch(() => ({ stdout: '' }))).stdout.trim().split(/\s+/)[0];
  if (!pid) return undefined;
  let cmdline: string[];
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined; // another user's dockerd: nothing to read here
  }
  const daemonJson = existsSync('/etc/docker/daemon.json') ? readFileSync('/etc/docker/daemon.json', 'utf8') : undefined;
  const rotation = dockerLogRotation(cmdline, daemonJson);
  return rotation.rotated
    ? { ok: true, what: `container logs rotated (${rotation.driver}${rotation.maxSize ? `, max-size ${rotation.maxSize}` : ''})` }
    : {
        ok: false,
        what: "dockerd keeps container logs without a size limit (json-file, no max-size): a lab node's output can fill the host's disk (toolboxes set their own)",
        fix: `Add "log-opts": {"max-size": "10m", "max-file": "3"} to /etc/docker/daemon.json and restart dockerd (or start it with ${dockerLogOptions.join(' ')}).`,
      };
}

function cgroupFinding(): Finding {
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  return { ok: true, what: `cgroup ${v2 ? 'v2' : 'v1'} host${v2 ? '' : ': Kubernetes is pinned to 1.34 (the newest line that runs on cgroup v1)'}` };
}

async function toolFindings(): Promise<Finding[]> {
  return (['kind', 'kubectl', 'helm'] as const).map((tool) =>
    existsSync(toolPath(tool)) ? { ok: true, what: `${tool}: ${toolPath(tool)}` } : { ok: false, what: `${tool} is not installed`, fix: 'Run npm run setup.' },
  );
}

async function imageFindings(): Promise<Finding[]> {
  const image = await readNodeImage();
  if (!image) return [{ ok: false, what: 'no node image has been built for this checkout', fix: 'Run npm run setup (quick when another checkout already built it: the images are cached).' }];
  const findings: Finding[] = [];
  try {
    await run(['docker', 'image', 'inspect', image]);
    findings.push({ ok: true, what: `node image ${image}` });
    const store = nodeImageStoreDir(image);
    findings.push(
      existsSync(store)
        ? { ok: true, what: `its image store ${store}` }
        : { ok: false, what: `the image store of ${image} is missing (${store}): its nodes would have no images`, fix: 'Run npm run setup to rebuild it.' },
    );
  } catch {
    findings.push({ ok: false, what: `node image ${image} is missing from Docker`, fix: 'Run npm run setup to rebuild it.' });
  }
  for (const ref of Object.values(courseImages)) {
    try {
      await run(['docker', 'image', 'inspect', ref]);
      findings.push({ ok: true, what: `course image ${ref}` });
    } catch {
      findings.push({ ok: false, what: `course image ${ref} is missing`, fix: 'Run npm run setup.' });
    }
  }
  return findings;
}

async function diskFinding(): Promise<Finding> {
  const stats = await statfs(existsSync('/var/lib/docker') ? '/var/lib/docker' : '/');
  const freeGiB = (stats.bavail * stats.bsize) / 1024 ** 3;
  return freeGiB < 5
    ? { ok: false, what: `only ${freeGiB.toFixed(1)} GiB free for Docker`, fix: 'Free disk space: docker system prune, or delete unused clusters.' }
    : { ok: true, what: `${freeGiB.toFixed(0)} GiB free for Docker` };
}

function inotifyFinding(): Finding {
  try {
    const instances = Number(readFileSync('/proc/sys/fs/inotify/max_user_instances', 'utf8'));
    return instances < 512
      ? { ok: false, what: `fs.inotify.max_user_instances is ${instances}: several clusters will exhaust it`, fix: 'sudo sysctl fs.inotify.max_user_instances=512' }
      : { ok: true, what: `fs.inotify.max_user_instances ${instances}` };
  } catch {
    return { ok: true, what: 'inotify limits unknown' };
  }
}

/**
 * The host firewall for lab networks (scripts/lib/firewall.ts): its chains and jumps, for iptables and (IPv6 on)
 * ip6tables, as setup installs them. Reading iptables needs root, so a user's doctor says it could not look.
 */
async function firewallFindings(env: NodeJS.ProcessEnv = process.env): Promise<Finding[]> {
  if (process.platform !== 'linux') return [];
  const offline = offlineMode(env);
  const nameservers = hostNameservers();
  if (!isRoot()) {
    return [{ ok: true, note: true, what: 'host firewall for lab networks: not checked (reading iptables needs root)', fix: 'sudo npx kubelab doctor; `sudo npm run setup` installs it' }];
  }
  if (!(await which('iptables'))) {
    return [{ ok: false, what: 'iptables is not installed: the host firewall for lab networks (from lab containers to this host, cloud metadata and the LAN) is missing', fix: 'apt-get install iptables, then npm run setup' }];
  }
  const findings: Finding[] = [];
  for (const family of families()) {
    const name = family === 4 ? 'iptables' : 'ip6tables';
    const rules = firewallRules(family, { offline, nameservers }, await forwardHookOf(execStatus, family));
    const { changes } = await checkRules(execStatus, rules);
    findings.push(
      changes.length === 0
        ? { ok: true, what: `host firewall for lab networks (${name}${offline ? ', offline: no egress' : ''}): lab containers cannot reach this host, metadata or private networks` }
        : {
            ok: false,
            what: `host firewall for lab networks (${name}): missing or out of date${offline ? ' for KUBELAB_OFFLINE=1' : ''} (${changes.length} command(s) to fix); lab containers may reach this host, cloud metadata and the LAN`,
            fix: `npm run setup (as root) installs them; or run:\n      ${shellCommands(rules).join('\n      ')}`,
          },
    );
  }
  return findings;
}

/** Prints one line per fact, with a fix under each problem. Returns true when nothing is missing. */
export async function doctor(out: (line: string) => void): Promise<boolean> {
  const findings = [
    ...(await engineFindings()),
    ...[await logRotationFinding()].filter((finding) => finding !== undefined),
    cgroupFinding(),
    ...(await toolFindings()),
    ...(await imageFindings()),
    await diskFinding(),
    inotifyFinding(),
    ...(await firewallFindings()),
    { ok: true, what: `cache: ${cacheDir()}` },
    { ok: true, what: `cluster kubeconfigs: ${defaultStateDir()} (KUBELAB_DATA_DIR/clusters)` },
  ];
  for (const f of findings) {
    out(`${f.note ? '!' : f.ok ? '✓' : '✗'} ${f.what}`);
    if (f.fix) out(`    fix: ${f.fix}`);
  }
  const problems = findings.filter((f) => !f.ok).length;
  out(problems ? `\n${problems} problem(s) found.` : '\nEverything Kubelab needs is here.');
  return problems === 0;
}
