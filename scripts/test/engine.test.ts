import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notRootOnly, runcWrapperScript, shellQuote } from '../setup/engine.ts';
import { dockerLogOptions, dockerLogRotation, lacksSysResource } from '@kubelab/kit/host';
import { run, which } from '@kubelab/kit/exec';

test('reads CAP_SYS_RESOURCE from the capability bounding set', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-caps-'));
  await writeFile(join(dir, 'missing'), 'Name:\tx\nCapBnd:\t000001fffeffffff\n');
  await writeFile(join(dir, 'full'), 'Name:\tx\nCapBnd:\t000001ffffffffff\n');
  assert.equal(lacksSysResource(join(dir, 'missing')), true);
  assert.equal(lacksSysResource(join(dir, 'full')), false);
});

test('the runc wrapper strips CAP_SYS_RESOURCE from bundle and process specs, then runs runc with the same args', async (t) => {
  const jq = await which('jq');
  if (!jq) return t.skip('jq is not installed (npm run setup installs it where the wrapper is needed)');
  // A path with a space and a quote must stay one word in the wrapper, and run nothing.
  const dir = await mkdtemp(join(tmpdir(), "kubelab runc 'x' -"));
  const fakeRunc = join(dir, 'runc');
  await writeFile(fakeRunc, `#!/bin/sh\necho "$@" > ${shellQuote(join(dir, 'args'))}\n`);
  await chmod(fakeRunc, 0o755);
  const wrapper = join(dir, 'wrapper');
  await writeFile(wrapper, runcWrapperScript(fakeRunc, jq), { mode: 0o755 });
  const caps = ['CAP_CHOWN', 'CAP_SYS_RESOURCE', 'CAP_SYS_ADMIN'];
  const sets = { bounding: caps, effective: caps, permitted: caps, inheritable: caps };
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', process: { capabilities: sets, args: ['sh'] } }));
  await writeFile(join(dir, 'process.json'), JSON.stringify({ capabilities: sets, args: ['ls'] }));

  await run([wrapper, '--root', '/run/x', 'create', '--bundle', dir, 'c1']);
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  for (const set of Object.values(config.process.capabilities) as string[][]) assert.deepEqual(set, ['CAP_CHOWN', 'CAP_SYS_ADMIN']);
  assert.deepEqual(config.process.args, ['sh'], 'the rest of the spec is untouched');
  assert.equal((await readFile(join(dir, 'args'), 'utf8')).trim(), `--root /run/x create --bundle ${dir} c1`);

  await run([wrapper, 'exec', `--process=${join(dir, 'process.json')}`, 'c1']);
  const processSpec = JSON.parse(await readFile(join(dir, 'process.json'), 'utf8'));
  assert.deepEqual(processSpec.capabilities.bounding, ['CAP_CHOWN', 'CAP_SYS_ADMIN']);
});

test('the wrapper is installed only where root alone can change it', () => {
  const tree: Record<string, { uid: number; mode: number }> = {
    '/': { uid: 0, mode: 0o755 },
    '/usr': { uid: 0, mode: 0o755 },
    '/usr/local': { uid: 0, mode: 0o755 },
    '/home': { uid: 0, mode: 0o755 },
    '/home/ann': { uid: 1000, mode: 0o755 },
    '/home/ann/.cache': { uid: 1000, mode: 0o755 },
    '/srv': { uid: 0, mode: 0o775 },
    '/tmp': { uid: 0, mode: 0o1777 },
  };
  const stat = (path: string) => {
    const found = tree[path];
    if (!found) throw new Error(`ENOENT ${path}`);
    return found;
  };
  assert.equal(notRootOnly('/usr/local/libexec/kubelab', stat), undefined, 'missing folders under root-only ones are fine: mkdir makes them root\'s');
  assert.match(notRootOnly('/home/ann/.cache/kubelab/bin', stat) ?? '', /\/home\/ann\/.cache is owned by uid 1000/);
  assert.match(notRootOnly('/srv/kubelab', stat) ?? '', /\/srv may be written by its group/);
  assert.match(notRootOnly('/tmp/kubelab', stat) ?? '', /\/tmp may be written .* by everyone \(mode 1777\)/);
});

test('shellQuote keeps any path one inert word', async () => {
  for (const word of ["it's", 'a b', '$(touch /tmp/x)', '`id`', "'"]) {
    const { stdout } = await run(['sh', '-c', `printf %s ${shellQuote(word)}`]);
    assert.equal(stdout, word);
  }
});

test("reads whether dockerd rotates container logs, from its flags first and then daemon.json", () => {
  const dockerd = ['/usr/sbin/dockerd', '--host', 'unix:///var/run/docker.sock'];
  assert.deepEqual(dockerLogRotation([...dockerd, ...dockerLogOptions]), { driver: 'json-file', maxSize: '10m', rotated: true }, 'as setup starts it');
  assert.deepEqual(dockerLogRotation(dockerd), { driver: 'json-file', rotated: false }, "Docker's default: unbounded");
  assert.deepEqual(dockerLogRotation(dockerd, '{"log-opts": {"max-size": "50m"}}'), { driver: 'json-file', maxSize: '50m', rotated: true });
  assert.deepEqual(dockerLogRotation([...dockerd, '--log-opt=max-size=5m'], '{"log-opts": {"max-size": "50m"}}').maxSize, '5m', 'a flag wins over the file');
  assert.equal(dockerLogRotation(dockerd, '{"log-driver": "local"}').rotated, true, 'the local driver rotates by default');
  assert.equal(dockerLogRotation([...dockerd, '--log-driver', 'json-file'], '{"log-driver": "local"}').rotated, false, 'a flag wins over the file');
  assert.equal(dockerLogRotation(dockerd, '{ not json').rotated, false, 'an unreadable daemon.json reads as no options');
});
