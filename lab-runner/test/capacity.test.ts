/**
 * `kubelab doctor --capacity`'s plan: how many labs a host holds, and the node limits, from the host's size and
 * what labs were measured to use. The measuring itself (`docker stats`) runs in the CLI on a real host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostReserveMiB, parseMemory, planCapacity, type ContainerUse } from '../cli/capacity.ts';

const lab = (cluster: string, nodeMiB: number, cpus: number, nodes = 1): ContainerUse[] => [
  ...Array.from({ length: nodes }, (_, i) => ({ name: `kubelab-${cluster}-node${i}`, cluster, role: 'node' as const, memoryMiB: nodeMiB, cpus: cpus / nodes, pids: 300 })),
  { name: `kubelab-${cluster}-toolbox`, cluster, role: 'toolbox', memoryMiB: 4, cpus: 0, pids: 2 },
];

test('docker stats memory reads in MiB, whatever the unit', () => {
  assert.equal(parseMemory('612.5MiB / 2GiB'), 612.5);
  assert.equal(parseMemory('1.5GiB / 23.4GiB'), 1536);
  assert.equal(parseMemory('512KiB / 1GiB'), 0.5);
  assert.equal(parseMemory('--'), 0);
});

test('a 23 GiB, 2-CPU host with one idle single-node lab measured at 700 MiB and 0.15 CPUs', () => {
  const plan = planCapacity({ memoryMiB: 23_552, cpus: 2, diskFreeGiB: 70 }, lab('a', 700, 0.15));
  // 700 MiB idle plus a learner namespace's 3 GiB quota, rounded up to 256 MiB steps.
  assert.deepEqual(plan.nodeLimits, { memoryMiB: 3840, cpus: 1.5, pids: 4096 });
  // (23552 − 2355 reserved) / (3840 + the toolbox's 1024) = 4.36 → 4; CPU: 1 of 2 CPUs / 0.15 = 6; disk: 70 / 6 = 11.
  assert.deepEqual(plan.fits, { memory: 4, cpu: 6, disk: 11 });
  assert.equal(plan.maxSessions, 4);
  assert.equal(plan.reasons.length, 7);
});

test('the scarcest resource decides: busy labs are bound by CPU, a small disk by disk', () => {
  assert.equal(planCapacity({ memoryMiB: 65_536, cpus: 4, diskFreeGiB: 200 }, lab('a', 700, 0.5)).maxSessions, 4);
  assert.equal(planCapacity({ memoryMiB: 65_536, cpus: 16, diskFreeGiB: 13 }, lab('a', 700, 0.1)).maxSessions, 2);
});

test('a multi-node lab counts every node; the largest measured lab sizes the plan', () => {
  const plan = planCapacity({ memoryMiB: 32_768, cpus: 8, diskFreeGiB: 100 }, [...lab('small', 600, 0.1), ...lab('multi', 650, 0.3, 3)]);
  assert.equal(plan.perLab.nodes, 3);
  // 650 + 3072/3 = 1674 → 1792 MiB a node; three nodes and a toolbox: 6400 MiB a lab; (32768 − 3277) / 6400 = 4.6.
  assert.equal(plan.nodeLimits.memoryMiB, 1792);
  assert.equal(plan.fits.memory, 4);
});

test('the host keeps at least 2 GiB, or a tenth of a big one; a tiny host holds no lab and says so', () => {
  assert.equal(hostReserveMiB(8192), 2048);
  assert.equal(hostReserveMiB(131_072), 13_107);
  const tiny = planCapacity({ memoryMiB: 4096, cpus: 1, diskFreeGiB: 20 }, lab('a', 700, 0.15));
  assert.equal(tiny.maxSessions, 0);
  assert.equal(tiny.nodeLimits.cpus, 0.5, 'never more CPUs than the host has to spare');
  assert.throws(() => planCapacity({ memoryMiB: 4096, cpus: 1, diskFreeGiB: 20 }, []), /at least one lab/);
});
