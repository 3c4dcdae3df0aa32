/**
 * No image we build keeps apt's cache. Each node container copies the node image's /var into a volume when it is
 * made, and each node's containerd unpacks the network images and, for the first probe, the toolbox: apt's
 * package caches (pkgcache.bin, srcpkgcache.bin, downloaded .debs) were 126 MB, 84 MB and 116 MB of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@kubelab/kit/paths';

const imageSources = ['scripts/setup/components.ts', 'scripts/setup/node-image.ts', ...globSync('labs/images/*/Dockerfile', { cwd: repoRoot })];

test('every apt-get install in an image we build clears the package caches in the same RUN', () => {
  let installs = 0;
  for (const file of imageSources) {
    const text = readFileSync(join(repoRoot, file), 'utf8');
    for (const match of text.matchAll(/apt-get install/g)) {
      installs++;
      const rest = text.slice(match.index);
      const instruction = rest.slice(0, rest.search(/\n\s*(RUN|COPY|ENV|FROM|WORKDIR|CMD|ENTRYPOINT|LABEL|USER|EXPOSE)\b|',\n|$/));
      assert.match(instruction, /apt-get clean/, `${file}: an apt-get install without apt-get clean`);
      assert.match(instruction, /rm -rf \/var\/lib\/apt\/lists\/\* \/var\/cache\/apt\/\*\.bin/, `${file}: an apt-get install that keeps apt's lists or pkgcache.bin`);
    }
  }
  assert.ok(installs >= 4, `found the images' apt-get installs (${installs})`);
});
