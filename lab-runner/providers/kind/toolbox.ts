/**
 * The toolbox: one container per cluster where the learner's shell runs (kubectl, helm, curl, jq, an editor).
 * It sits on the cluster's own Docker network and holds nothing from the host but that cluster's internal
 * kubeconfig (the copy the provider stored when it made the cluster: the learner's, in a learner-mode cluster),
 * at /root/.kube/config; no host directory is mounted. PID 1 is docker-init with `sleep infinity`, so it does
 * nothing until a shell is exec'd into it and stops at once. Like the cluster's network, it carries the io.kubelab.cluster label, so it can be found (and removed)
 * from Docker alone after a restart.
 */
import { CommandError, run, succeeds } from '@kubelab/kit/exec';
import { KubelabError } from '@kubelab/kit/errors';
import { dockerLogOptions } from '@kubelab/kit/host';
import { describeForLearner } from '@kubelab/kit/redact';
import { courseImages } from '@kubelab/labs/images';
import { clusterPrefix, labels, networkName, validateName } from './names.ts';

export const toolboxImage = courseImages.toolbox;
/** The role label that tells a toolbox apart from other Kubelab containers of the same cluster. */
export const roleLabel = 'io.kubelab.role';
export const toolboxRole = 'toolbox';
const kubeconfigPath = '/root/.kube/config';

/**
 * Limits for a container that runs whatever a learner types (security review M3). The capabilities are Docker's
 * defaults minus those a kubectl/helm/curl/editor shell never needs (mknod, binding low ports, chroot, setting
 * file capabilities, audit writes, raw sockets: no ARP or packet games on the cluster network). One CPU, memory
 * with swap pinned to it, 1024 processes and 4096 open files. The root filesystem is read-only: what the learner
 * writes lands in tmpfs (home 0700, and /tmp), which counts toward the memory limit instead of the host's disk,
 * and is gone when the toolbox restarts (startToolbox then writes the kubeconfig again).
 *
 * Without NET_RAW, ping needs ICMP datagram sockets (Docker opens net.ipv4.ping_group_range to every group in the
 * container); Debian's ping carries the file capability cap_net_raw+ep, which the kernel refuses to exec outside the
 * bounding set, so ping works once the toolbox image drops that capability (labs/images/toolbox).
 */
const hardening = [
  '--cap-drop', 'ALL',
  '--cap-add', 'CHOWN', '--cap-add', 'DAC_OVERRIDE', '--cap-add', 'FOWNER', '--cap-add', 'FSETID',
  '--cap-add', 'KILL', '--cap-add', 'SETUID', '--cap-add', 'SETGID',
  '--security-opt', 'no-new-privileges',
  '--pids-limit', '1024',
  '--cpus', '1',
  '--memory', '1g',
  '--memory-swap', '1g',
  '--ulimit', 'nofile=4096:4096',
  '--read-only',
  '--tmpfs', '/root:rw,exec,size=512m,mode=0700',
  '--tmpfs', '/tmp:rw,exec,size=256m,mode=1777',
  // A learner can write to the container's own output (/proc/1/fd/1): rotated, whatever dockerd's default.
  '--log-driver', 'json-file',
  ...dockerLogOptions,
];

export const toolboxContainerName = (name: string): string => `${clusterPrefix}${name}-toolbox`;

/**
 * Run in the toolbox before the login shell starts: hangs up every other terminal session there. When a `docker
 * exec -t` client dies (the terminal was disposed, or the lab-runner restarted), Docker leaves its shell running
 * in the container; one terminal per toolbox is all there ever is, so any other session with a terminal is such a
 * leftover, and SIGHUP ends it the way closing a real terminal would (what the learner started with nohup stays).
 */
const hangUpStaleShells = [
  'self=$(ps -o sid= -p $$ | tr -d " ")',
  'ps -e -o pid=,sid=,tty= | while read -r pid sid tty; do',
  '  if [ "$pid" = "$sid" ] && [ "$tty" != "?" ] && [ "$sid" != "$self" ]; then pkill -HUP -s "$sid"; fi',
  'done',
  'exec bash -l',
].join('\n');

/**
 * The command for an interactive login shell in the toolbox: what the terminal bridge runs in its pty. `-t`
 * gives the shell a terminal whose size follows the pty's (the docker CLI forwards resizes).
 */
export function toolboxShellArgv(name: string, env: Record<string, string> = {}): string[] {
  validateName(name);
  return [
    'docker', 'exec', '-i', '-t',
    '-e', 'TERM=xterm-256color',
    '-e', 'LANG=C.UTF-8',
    ...environmentFlags(env),
    '-w', '/root',
    toolboxContainerName(name),
    'sh', '-c', hangUpStaleShells,
  ];
}

/** `docker exec -e` flags; a name or value that could be read as something else is refused. */
function environmentFlags(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([key, value]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key) || /[\0\n]/.test(value)) throw new TypeError(`not a usable environment variable: ${key}`);
    return ['-e', `${key}=${value}`];
  });
}

/**
 * The command for a notebook cell: bash runs `script` in the toolbox, in the login environment of the learner's
 * shell (profile, kubeconfig, /root) with kubectl's usual `k` alias, without a terminal or stdin. `timeout` runs
 * inside the container, because killing the docker CLI on the host would leave the script running there.
 */
export function toolboxRunArgv(name: string, script: string, timeoutSeconds: number): string[] {
  validateName(name);
  const prelude = 'shopt -s expand_aliases\nalias k=kubectl\n';
  return [
    'docker', 'exec',
    '-e', 'TERM=xterm-256color',
    '-e', 'LANG=C.UTF-8',
    '-w', '/root',
    toolboxContainerName(name),
    'timeout', '--kill-after=2', `${Math.max(1, Math.ceil(timeoutSeconds))}s`,
    'bash', '-l', '-c', `${prelude}${script}`,
  ];
}

interface Found {
  running: boolean;
  cluster: string;
  role: string;
}

async function inspect(container: string): Promise<Found | undefined> {
  try {
    const { stdout } = await run([
      'docker', 'inspect', '--type', 'container',
      '--format', `{{.State.Running}}\t{{index .Config.Labels "${labels.cluster}"}}\t{{index .Config.Labels "${roleLabel}"}}`,
      container,
    ]);
    const [running, cluster, role] = stdout.trim().split('\t');
    return { running: running === 'true', cluster: cluster ?? '', role: role ?? '' };
  } catch (error) {
    if (error instanceof CommandError && /no such (object|container)/i.test(error.stderr)) return undefined;
    throw error;
  }
}

/** Writes the kubeconfig into the container atomically, readable by root only. */
async function writeKubeconfig(container: string, kubeconfig: string): Promise<void> {
  await run(
    [
      'docker', 'exec', '-i', container, 'sh', '-c',
      `umask 077 && mkdir -p /root/.kube && cat > ${kubeconfigPath}.new && chmod 600 ${kubeconfigPath}.new && mv -f ${kubeconfigPath}.new ${kubeconfigPath}`,
    ],
    { input: kubeconfig },
  );
}

const failed = (name: string, what: string, cause: unknown) =>
  new KubelabError('E_TOOLBOX_FAILED', `failed to ${what} the toolbox of cluster ${name}: ${describeForLearner(cause)}`, {
    hint: `Check that Docker is running and the cluster exists (\`npx kubelab cluster list\`); \`docker logs ${toolboxContainerName(name)}\` may say more. Deleting and recreating the cluster starts afresh.`,
    cause,
  });

/**
 * Starts the toolbox of cluster `name`, or reuses the one there is (starting it again if it stopped). A new
 * toolbox gets the cluster's internal kubeconfig; a reused one keeps its own (the learner may have changed it,
 * with `kubectl config set-context` for instance) unless it has none. `kubeconfig` must give the internal one,
 * and throws when the cluster does not exist. `cpuShares`: its CPU weight on a server that limits its labs
 * (workshop.ts learnerCpuShares).
 */
export async function startToolbox(name: string, kubeconfig: () => Promise<string>, options: { cpuShares?: number } = {}): Promise<{ container: string }> {
  validateName(name);
  const container = toolboxContainerName(name);
  let found = await inspect(container);
  if (!found) {
    const config = await kubeconfig();
    try {
      await run(['docker', 'image', 'inspect', '--format', '{{.Id}}', toolboxImage]);
    } catch (error) {
      throw new KubelabError('E_NOT_SET_UP', `the toolbox image ${toolboxImage} is missing from Docker`, {
        hint: 'Run npm run setup (it builds the course images).',
        cause: error,
      });
    }
    try {
      await run([
        'docker', 'run', '--detach', '--init',
        '--name', container,
        '--hostname', 'toolbox',
        '--network', networkName(name),
        '--label', `${labels.cluster}=${name}`,
        '--label', `${roleLabel}=${toolboxRole}`,
        ...hardening,
        ...(options.cpuShares ? ['--cpu-shares', String(options.cpuShares)] : []),
        '--workdir', '/root',
        '--entrypoint', 'sleep',
        toolboxImage, 'infinity',
      ]);
    } catch (error) {
      // Another caller may have just created it: then use theirs.
      if (!(error instanceof CommandError && /already in use/i.test(error.stderr))) throw failed(name, 'start', error);
      found = await inspect(container);
      if (!found) throw failed(name, 'start', error);
    }
    if (!found) {
      try {
        await writeKubeconfig(container, config);
      } catch (error) {
        await run(['docker', 'rm', '--force', container]).catch(() => {});
        throw failed(name, 'configure', error);
      }
      return { container };
    }
  }
  if (found.cluster !== name || found.role !== toolboxRole) {
    throw new KubelabError('E_TOOLBOX_CONFLICT', `a container named ${container} exists but is not the toolbox of cluster ${name}`, {
      hint: `Remove it (docker rm -f ${container}) if it is not yours, then try again.`,
    });
  }
  try {
    if (!found.running) await run(['docker', 'start', container]);
    const hasConfig = await succeeds(['docker', 'exec', container, 'test', '-s', kubeconfigPath]);
    if (!hasConfig) await writeKubeconfig(container, await kubeconfig());
  } catch (error) {
    if (error instanceof KubelabError && error.code !== 'E_COMMAND_FAILED') throw error;
    throw failed(name, 'restart', error);
  }
  return { container };
}

/** Removes every container Kubelab made for cluster `name` outside kind (the toolbox). Missing ones are fine. */
export async function removeToolbox(name: string): Promise<void> {
  validateName(name);
  const { stdout } = await run(['docker', 'ps', '--all', '--quiet', '--filter', `label=${labels.cluster}=${name}`]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length) await run(['docker', 'rm', '--force', '--volumes', ...ids]);
}
