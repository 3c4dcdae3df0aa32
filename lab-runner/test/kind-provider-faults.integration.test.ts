/**
 * Bad input and faults: each gets a KubelabError with a stable code and a hint, never a stack trace, and a
 * failed create leaves no containers or networks behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventStatus } from '@kubelab/kit/status';
import { KubelabError } from '@kubelab/kit/errors';
import { KindProvider } from '../providers/kind/provider.ts';
import type { ReadinessCheck } from '../providers/kind/readiness.ts';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cacheDir } from '@kubelab/kit/cache';
import { readNodeImage, writeNodeImage } from '@kubelab/kit/artifacts';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { leftovers, testProvider, uniqueName } from './cluster-fixture.ts';

const signal = () => AbortSignal.timeout(600_000);
const hasCode = (code: string) => (error: unknown) => {
  assert.ok(error instanceof KubelabError, `expected a KubelabError, got ${error}`);
  assert.equal(error.code, code);
  assert.ok(error.hint && error.hint.length > 10, 'the error says what to do next');
  return true;
};

test('an unknown profile is refused before anything is created', async () => {
  const name = uniqueName('badprofile');
  await assert.rejects(new KindProvider().create({ name, profile: 'huge' as 'single' }, new EventStatus(), signal()), hasCode('E_UNKNOWN_PROFILE'));
  assert.deepEqual(await leftovers(name), []);
});

test('invalid cluster names are refused', async () => {
  for (const name of ['Demo', '-demo', 'demo_1', 'a'.repeat(41), '', 'demo.local']) {
    await assert.rejects(new KindProvider().create({ name, profile: 'single' }, new EventStatus(), signal()), hasCode('E_INVALID_NAME'), name);
  }
});

test('with no Docker engine, every operation says so and how to fix it', async () => {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
  try {
    const provider = new KindProvider();
    const info = await provider.info();
    assert.equal(info.reachable, false);
    assert.match(info.problem ?? '', /does not answer/);
    await assert.rejects(provider.list(), hasCode('E_NO_ENGINE'));
    await assert.rejects(provider.create({ name: uniqueName('noengine'), profile: 'single' }, new EventStatus(), signal()), hasCode('E_NO_ENGINE'));
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
});

test('a node image whose image store is gone is refused before anything is created, with what to run', async () => {
  const image = await readNodeImage();
  assert.ok(image, 'npm run setup has run in this checkout');
  const saved = process.env.KUBELAB_CACHE_DIR;
  const scratch = await mkdtemp(join(tmpdir(), 'kubelab-no-store-'));
  // Another cache that records the same node image but holds no image store: a cache half wiped by hand.
  process.env.KUBELAB_CACHE_DIR = scratch;
  const name = uniqueName('nostore');
  try {
    await writeNodeImage(image);
    await assert.rejects(new KindProvider().create({ name, profile: 'single' }, new EventStatus(), signal()), (error: unknown) => {
      hasCode('E_NOT_SET_UP')(error);
      assert.match((error as KubelabError).message, /image store .* is missing/);
      assert.match((error as KubelabError).hint ?? '', /npm run setup/);
      return true;
    });
    assert.deepEqual(await leftovers(name), []);
  } finally {
    if (saved === undefined) delete process.env.KUBELAB_CACHE_DIR;
    else process.env.KUBELAB_CACHE_DIR = saved;
    await rm(scratch, { recursive: true, force: true });
  }
});

test('asking for a cluster that does not exist is a clear error', async () => {
  await assert.rejects(new KindProvider().kubeconfig('no-such-cluster'), hasCode('E_CLUSTER_NOT_FOUND'));
});

test('a create that fails part way removes its containers and network', { timeout: 900_000 }, async (t) => {
  const name = uniqueName('fails');
  // A readiness check that never passes fails the create right after kind has made the node and the add-ons are
  // applied. (A zero deadline on the real checks was not enough: on a busy host they could all pass at once.) It
  // fails the way a real one does, with kubectl's error, whose command line must not reach the learner.
  const neverReady: ReadinessCheck = { id: 'never', name: 'A namespace nobody makes', probe: (cluster) => cluster.kubectl(['get', 'namespace', 'kubelab-never-made']) };
  const provider = testProvider({ readyTimeoutMs: 2_000, readinessChecks: [neverReady] });
  const status = new EventStatus();
  // Should the create succeed after all, the test fails without leaving a cluster behind.
  t.after(() => provider.delete(name).catch(() => {}));
  await assert.rejects(provider.create({ name, profile: 'single' }, status, signal()), (error: unknown) => {
    hasCode('E_NOT_READY')(error);
    // A lab shows this message to its learner: no host paths, no command lines (the cause keeps them, for the log).
    const message = (error as Error).message;
    for (const hostDetail of [cacheDir(), tmpdir() + '/', '--kubeconfig']) assert.ok(!message.includes(hostDetail), `the message shows ${hostDetail}: ${message}`);
    return true;
  });
  const failed = status.events.find((e) => e.type === 'fail');
  assert.ok(failed && failed.type === 'fail' && !failed.message.includes(cacheDir()), 'nor does the failed step');
  assert.equal(failed.id, 'wait-never');
  assert.match(failed.message, /kubelab-never-made/, 'the step says what it waited for');
  assert.ok(status.events.some((e) => e.type === 'done' && e.id === 'capture-kubeconfig'), 'kind had created the node, and its kubeconfig was kept, before the failure');
  assert.deepEqual(await leftovers(name), []);
  assert.equal(existsSync(join(provider.stateDir, name)), false, 'and the kept kubeconfig is removed with it');
});
