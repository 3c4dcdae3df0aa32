import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerCgroupDir } from '../providers/kind/cgroups.ts';

const id = '05b16cdf70ce9046ceae01ca27286e2e672b7ad5d20993aa2987940ea360b565';

test("finds a container's cgroup for a controller, whichever cgroup version and Docker cgroup driver the host has", () => {
  // cgroup v1, Docker's cgroupfs driver (these CI machines): cpu and cpuacct as separate hierarchies.
  const v1 = `9:name=systemd:/docker/${id}\n8:pids:/docker/${id}\n2:cpuacct:/docker/${id}\n1:cpu:/docker/${id}\n0::/\n`;
  assert.equal(containerCgroupDir(v1, id), `/sys/fs/cgroup/cpu/docker/${id}`);
  assert.equal(containerCgroupDir(v1, id, 'pids'), `/sys/fs/cgroup/pids/docker/${id}`);
  // cgroup v1 with cpu,cpuacct mounted together, systemd driver.
  const v1systemd = `4:cpu,cpuacct:/system.slice/docker-${id}.scope\n1:name=systemd:/system.slice/docker-${id}.scope\n`;
  assert.equal(containerCgroupDir(v1systemd, id), `/sys/fs/cgroup/cpu/system.slice/docker-${id}.scope`);
  // cgroup v2: a kind node's systemd has moved itself into init.scope below the container's cgroup.
  const v2 = `0::/system.slice/docker-${id}.scope/init.scope\n`;
  assert.equal(containerCgroupDir(v2, id), `/sys/fs/cgroup/system.slice/docker-${id}.scope`);
  assert.equal(containerCgroupDir(v2, id, 'pids'), `/sys/fs/cgroup/system.slice/docker-${id}.scope`, 'one hierarchy for every controller');
  assert.equal(containerCgroupDir(`0::/docker/${id}\n`, id, 'cpu', '/cgroup'), `/cgroup/docker/${id}`);
});

test('a process outside the container is not taken for it', () => {
  assert.equal(containerCgroupDir('1:cpu:/\n0::/\n', id), undefined);
  assert.equal(containerCgroupDir(`0::/docker/${'f'.repeat(64)}\n`, id), undefined);
  assert.equal(containerCgroupDir('', id), undefined);
});
