/**
 * The lab-runner process itself (node lab-runner/server.ts): a second server on the same data directory stops at
 * startup and says who holds it and what to do; a signal closes the first one gracefully and frees the
 * directory; a bad setting is named. No lab is started, so the provider is never asked anything.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { lockFile } from '../store/lock.ts';
import { tempDir, until } from './fakes.ts';

const serverFile = fileURLToPath(new URL('../server.ts', import.meta.url));

let dir: { path: string; remove(): Promise<void> };
before(async () => {
  dir = await tempDir('server-test');
});
after(async () => {
  await dir.remove();
});

interface Running {
  child: ChildProcess;
  stderr(): string;
  exit: Promise<number | null>;
}

function startServer(env: Record<string, string>): Running {
  const child = spawn(process.execPath, [serverFile], {
    env: { PATH: process.env.PATH ?? '', HOME: dir.path, PORT: '0', KUBELAB_SITE_DIR: join(dir.path, 'no-site'), KUBELAB_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exit };
}

describe('the lab-runner process', { timeout: 30_000 }, () => {
  test('a second server on the same data directory exits with E_SERVER_RUNNING; SIGTERM closes the first and frees it', async () => {
    const dataDir = join(dir.path, 'shared');
    const first = startServer({ KUBELAB_DATA_DIR: dataDir });
    try {
      let port = 0;
      await until(
        () => {
          if (!existsSync(lockFile(dataDir))) return false;
          port = (JSON.parse(readFileSync(lockFile(dataDir), 'utf8') || '{}') as { port?: number }).port ?? 0;
          return port > 0;
        },
        `the first server listens (stderr: ${first.stderr()})`,
        15_000,
      );
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string };
      assert.equal(health.status, 'ok');

      const second = startServer({ KUBELAB_DATA_DIR: dataDir });
      assert.equal(await second.exit, 1, second.stderr());
      assert.match(second.stderr(), new RegExp(`error \\[E_SERVER_RUNNING\\]: another lab server \\(pid ${first.child.pid}, port ${port}\\) already uses the data directory ${dataDir}`));
      assert.match(second.stderr(), /→ Stop that server, or give this one a data directory of its own: KUBELAB_DATA_DIR=/);
      assert.doesNotMatch(second.stderr(), /Kubelab is running/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, 'the first server is untouched');

      first.child.kill('SIGTERM');
      assert.equal(await first.exit, 0, first.stderr());
      assert.ok(!existsSync(lockFile(dataDir)), 'the lock is released');
    } finally {
      first.child.kill('SIGKILL');
    }
  });

  test('an invalid setting stops the server at startup, naming the variable', async () => {
    const server = startServer({ KUBELAB_DATA_DIR: join(dir.path, 'bad'), KUBELAB_MAX_SESSIONS: 'many' });
    assert.equal(await server.exit, 1);
    assert.match(server.stderr(), /error \[E_BAD_CONFIG\]: invalid KUBELAB_MAX_SESSIONS="many": expected a whole number/);
    assert.match(server.stderr(), /→ Fix or unset KUBELAB_MAX_SESSIONS \(unset, it defaults to 2\)/);
  });
});
