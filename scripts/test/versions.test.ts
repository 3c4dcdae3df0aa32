import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { versions } from '@kubelab/kit/versions';

test('the Node pin in scripts/node.sh matches scripts/versions.json', async () => {
  const script = await readFile(new URL('../node.sh', import.meta.url), 'utf8');
  assert.equal(/^NODE_VERSION=(\S+)/m.exec(script)?.[1], versions.node.version);
});

test('every pin records why it was chosen', () => {
  for (const [name, pin] of Object.entries(versions)) {
    if (name.startsWith('$')) continue;
    assert.ok(typeof pin.why === 'string' && pin.why.length > 20, `${name} has no reason`);
  }
});
