import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { produceDirectory, writeFileAtomic } from '@kubelab/kit/cache';
import { nodeImageStateFile, readNodeImage, writeNodeImage } from '@kubelab/kit/artifacts';

test('an interrupted build leaves no artifact, and the next run produces it whole', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kubelab-cache-'));
  const target = join(root, 'etcd-v3.6.5');
  await assert.rejects(
    produceDirectory(target, async (scratch) => {
      await writeFile(join(scratch, 'etcd'), 'half');
      throw new Error('build interrupted');
    }),
    /build interrupted/,
  );
  assert.deepEqual(await readdir(root), [], 'nothing is left that could pass for a finished artifact');
  await produceDirectory(target, async (scratch) => writeFile(join(scratch, 'etcd'), 'whole'));
  assert.equal(await readFile(join(target, 'etcd'), 'utf8'), 'whole');
});

test('scratch directories of a process that died are cleaned up by the next run', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kubelab-cache-'));
  await mkdir(join(root, 'coredns-v1.12.1.partial-999999999'));
  await produceDirectory(join(root, 'helm'), async (scratch) => writeFile(join(scratch, 'helm'), 'x'));
  assert.deepEqual((await readdir(root)).sort(), ['helm']);
});

test('writeFileAtomic replaces a file without leaving temporary files', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kubelab-cache-'));
  const file = join(root, 'state', 'node-image.json');
  await writeFileAtomic(file, 'one');
  await writeFileAtomic(file, 'two');
  assert.equal(await readFile(file, 'utf8'), 'two');
  assert.deepEqual(await readdir(join(root, 'state')), ['node-image.json']);
});

test('the node image setup built is recorded per checkout: setup in another clone does not switch this one', async () => {
  const saved = process.env.KUBELAB_CACHE_DIR;
  process.env.KUBELAB_CACHE_DIR = await mkdtemp(join(tmpdir(), 'kubelab-cache-'));
  try {
    assert.notEqual(nodeImageStateFile('/work/main'), nodeImageStateFile('/tmp/ci-clone'));
    assert.equal(nodeImageStateFile('/work/main'), nodeImageStateFile('/work/main'));
    assert.equal(await readNodeImage(), undefined, 'nothing recorded yet: setup has not run for this checkout');
    await writeFileAtomic(nodeImageStateFile('/tmp/ci-clone'), JSON.stringify({ image: 'kubelab/node:other' }));
    assert.equal(await readNodeImage(), undefined, "another checkout's record is not this one's");
    await writeNodeImage('kubelab/node:mine');
    assert.equal(await readNodeImage(), 'kubelab/node:mine');
  } finally {
    if (saved === undefined) delete process.env.KUBELAB_CACHE_DIR;
    else process.env.KUBELAB_CACHE_DIR = saved;
  }
});
