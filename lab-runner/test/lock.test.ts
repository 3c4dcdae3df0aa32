/**
 * One lab server per data directory. Two servers sharing the default data directory used to steal each other's
 * warm clusters: the second adopted the first one's from the shared database and deleted them when it stopped,
 * and the first then failed a learner's lab with "no cluster named pool-…".
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { launchTokenFile } from '@kubelab/kit/paths';
import { DataDirLock, lockFile } from '../store/lock.ts';
import { fakeServer, FakeProvider, tempDir, until } from './fakes.ts';

let dir: { path: string; remove(): Promise<void> };
let count = 0;
before(async () => {
  dir = await tempDir('lock-test');
});
after(async () => {
  await dir.remove();
});

const dataDir = (): string => join(dir.path, `data-${++count}`);

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  assert.ok(child.pid);
  return child.pid;
}

describe('the data directory lock', () => {
  test('a second server on the same data directory is refused with E_SERVER_RUNNING, and the first keeps its warm cluster', async () => {
    const data = dataDir();
    const provider = new FakeProvider();
    const first = await fakeServer({ dataDir: data, provider, poolSize: 1 });
    try {
      const port = Number(new URL(await first.listen()).port);
      await until(() => first.app.pool.counts().ready === 1, 'the first server has a warm cluster');
      const [warm] = provider.names();
      const callsBefore = provider.calls.length;

      await assert.rejects(fakeServer({ dataDir: data, provider, poolSize: 1 }), (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, 'E_SERVER_RUNNING');
        assert.match(error.message, new RegExp(`pid ${process.pid}\\b`));
        assert.match(error.message, new RegExp(`port ${port}\\b`), 'the port it listens on, not the configured 0');
        assert.match(error.message, new RegExp(data.replaceAll('/', '\\/')));
        assert.match(error.hint ?? '', /KUBELAB_DATA_DIR/);
        return true;
      });
      assert.equal(provider.calls.length, callsBefore, 'the refused server never reached the provider');
      assert.deepEqual(provider.names(), [warm], 'the warm cluster is still there');

      const { session } = await first.app.sessions.create('probe');
      await until(() => session.state !== 'provisioning', 'the lab is ready');
      assert.equal(session.state, 'ready', JSON.stringify(session.error));
      assert.equal(session.cluster, warm, 'the first server’s lab got its warm cluster');
    } finally {
      await first.close();
    }
    assert.ok(!existsSync(lockFile(data)), 'closing releases the lock');
    const again = await fakeServer({ dataDir: data, provider });
    await again.close();
  });

  test('a lock left by a process that is gone is taken over', async () => {
    const data = dataDir();
    const stale = { pid: await deadPid(), hostname: hostname(), port: 4321, startedAt: '2026-01-01T00:00:00.000Z' };
    await fakeServer({ dataDir: data }).then((s) => s.close()); // makes the directory
    await writeFile(lockFile(data), JSON.stringify(stale));
    const server = await fakeServer({ dataDir: data });
    try {
      const held = JSON.parse(await readFile(lockFile(data), 'utf8')) as { pid: number };
      assert.equal(held.pid, process.pid);
    } finally {
      await server.close();
    }
    assert.ok(!existsSync(lockFile(data)));
  });

  test('an empty lock is a server still writing it, unless it is old; a lock from another host is never taken over', async () => {
    const data = dataDir();
    DataDirLock.acquire(data, 1).release();
    await writeFile(lockFile(data), '');
    assert.throws(() => DataDirLock.acquire(data, 2), { code: 'E_SERVER_RUNNING' });
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(lockFile(data), minuteAgo, minuteAgo);
    const taken = DataDirLock.acquire(data, 3);
    assert.equal(taken.owner.pid, process.pid);
    taken.release();

    await writeFile(lockFile(data), JSON.stringify({ pid: await deadPid(), hostname: 'another-host', port: 4321, startedAt: '' }));
    assert.throws(() => DataDirLock.acquire(data, 4), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'E_SERVER_RUNNING');
      assert.match(error.message, /on another-host, port 4321/);
      return true;
    });
  });

  test('the data directory is this user\'s alone: 0700, the database 0600, and the launch token readable by no one else while the server runs', async () => {
    const data = dataDir();
    mkdirSync(data, { mode: 0o755 });
    const server = await fakeServer({ dataDir: data, config: { launchToken: 'launch-token-for-the-mode-test-0123456789' } });
    try {
      const mode = (path: string) => statSync(path).mode & 0o777;
      assert.equal(mode(data), 0o700, 'a data directory made by someone with a looser umask is tightened');
      for (const file of ['lab-runner.sqlite', 'lab-runner.sqlite-wal', 'lab-runner.sqlite-shm']) {
        if (existsSync(join(data, file))) assert.equal(mode(join(data, file)), 0o600, file);
      }
      assert.ok(!existsSync(launchTokenFile(data)), 'no token file before the server listens');
      await server.listen();
      assert.equal(mode(launchTokenFile(data)), 0o600);
      assert.equal((await readFile(launchTokenFile(data), 'utf8')).trim(), 'launch-token-for-the-mode-test-0123456789');

      await assert.rejects(fakeServer({ dataDir: data }), /E_SERVER_RUNNING|another lab server/);
      assert.ok(existsSync(launchTokenFile(data)), 'a refused second server leaves the running one\'s token alone');
    } finally {
      await server.close();
    }
    assert.ok(!existsSync(launchTokenFile(data)), 'the token file goes with the server');
  });
});
