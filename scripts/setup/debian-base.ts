import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../lib/exec.ts';
import { versions } from '../lib/versions.ts';
import { withHeartbeat, type StepHandle } from '../lib/status.ts';
import { builtByLabel, imageExists, tryPull } from './docker.ts';

export const debianBaseImage = `debian:${versions.debian.suite}-slim`;
const mirror = process.env.KUBELAB_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

/**
 * Makes `debian:bookworm-slim` available, so that every Dockerfile of ours (and any author's) starts
 * `FROM debian:bookworm-slim` both here and on a laptop with Docker Hub. Where it can't be pulled, it is
 * synthesized: debootstrap a minimal rootfs, trim it like the slim image, and `docker import` it.
 */
export async function ensureDebianBase(step: StepHandle): Promise<string> {
  if (await imageExists(debianBaseImage)) return 'present';
  step.progress(`pulling ${debianBaseImage}`);
  if (await tryPull(debianBaseImage)) return 'pulled';
  step.progress(`no registry answers; building ${debianBaseImage} with debootstrap from ${mirror}`);
  const root = await mkdtemp(join(tmpdir(), 'kubelab-debian-'));
  try {
    await withHeartbeat(step, (lastLine) =>
      run(['debootstrap', '--variant=minbase', versions.debian.suite, root, mirror], { onLine: lastLine }),
    );
    await writeFile(
      join(root, 'etc/apt/sources.list.d/debian.sources'),
      [
        `Types: deb\nURIs: ${mirror}\nSuites: ${versions.debian.suite} ${versions.debian.suite}-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
        `Types: deb\nURIs: ${mirror}-security\nSuites: ${versions.debian.suite}-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
      ].join('\n'),
    );
    await rm(join(root, 'etc/apt/sources.list'), { force: true });
    // What the official slim image drops: documentation, man pages and apt's package lists.
    for (const dir of ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'var/lib/apt/lists', 'var/cache/apt']) {
      await run(['sh', '-c', 'rm -rf "$1"/* 2>/dev/null; mkdir -p "$1"', 'sh', join(root, dir)]);
    }
    await run([
      'sh',
      '-c',
      'tar --numeric-owner -C "$1" -c . | docker import --change \'CMD ["bash"]\' --change "LABEL $2" --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" - "$3"',
      'sh',
      root,
      builtByLabel,
      debianBaseImage,
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return 'built with debootstrap';
}
