import { readFile, writeFile } from 'node:fs/promises';
import { run } from '@kubelab/kit/exec';

/**
 * Lab nodes as an idle CPU class (the cgroup's `cpu.idle`, Linux ≥ 5.15): on a server that limits its labs, the
 * kernel then runs anything else first: the lab server, Docker, and each terminal's `docker exec` and shell.
 *
 * Why idle and not a lower weight: these hosts run a kernel without preemption (PREEMPT_NONE), so a waking task
 * waits for whatever runs on its CPU to leave the kernel, and a wakeup only preempts at once when it beats the
 * running task's class. Measured on 2 CPUs with one learner's node burning its 1.5 CPUs (CPU burners, a fork bomb,
 * memory hogs) and its toolbox's fork bomb and memory hog burning another: another learner's keystroke echo
 * through `docker exec` had a p95 of 38–48 ms with the nodes at a quarter weight (cpu-shares 256); with the nodes
 * idle, 5–7 ms (p99 15–19 ms). Toolboxes stay a normal class (with their own CPU limit): the learner's shell is
 * one hop of every echo, and an idle toolbox measured worse (p95 35–40 ms), since it then waits behind the other
 * learners' nodes too.
 */

/**
 * The cgroup directory of a container for one controller (`cpu`, `pids`, …), from its main process's
 * `/proc/<pid>/cgroup` (read in the host's cgroup namespace): the hierarchy that has the controller (cgroup v1) or
 * the unified one (v2), cut back to the segment that names the container, since the process may sit in a child
 * (kind's systemd moves itself to `init.scope`). Undefined when no segment names the container.
 */
export function containerCgroupDir(procCgroup: string, containerId: string, controller = 'cpu', cgroupRoot = '/sys/fs/cgroup'): string | undefined {
  const lines = procCgroup
    .split('\n')
    .map((line) => /^(\d+):([^:]*):(.*)$/.exec(line.trim()))
    .filter((match) => match !== null);
  const v1 = lines.find((match) => match[2]!.split(',').includes(controller));
  const line = v1 ?? lines.find((match) => match[1] === '0' && match[2] === '');
  if (!line) return undefined;
  const segments = line[3]!.split('/');
  const own = segments.findIndex((segment) => segment.includes(containerId));
  if (own < 0) return undefined;
  const path = segments.slice(0, own + 1).join('/');
  return v1 ? `${cgroupRoot}/${controller}${path}` : `${cgroupRoot}${path}`;
}

/**
 * Marks each container's CPU cgroup idle. Returns what could not be done, in a sentence, or undefined when every
 * container is idle now: a kernel without `cpu.idle`, or a server that is not root, keeps the CPU weight alone.
 */
export async function markCpuIdle(containers: readonly string[]): Promise<string | undefined> {
  if (containers.length === 0) return undefined;
  const inspected = (await run(['docker', 'inspect', '--format', '{{.Id}} {{.State.Pid}}', ...containers])).stdout.trim().split('\n');
  for (const line of inspected) {
    const [id, pid] = line.split(' ');
    if (!id || !pid || pid === '0') return 'a node is not running';
    const dir = containerCgroupDir(await readFile(`/proc/${pid}/cgroup`, 'utf8'), id);
    if (!dir) return 'its cgroup was not found';
    try {
      await writeFile(`${dir}/cpu.idle`, '1');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return 'this kernel has no cpu.idle (Linux 5.15 or later has it)';
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'the lab server may not write the cgroup (run it as root)';
      throw error;
    }
  }
  return undefined;
}
