import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatElapsed } from '@kubelab/kit/status';

test('durations read as a person writes them, carrying a rounded-up 60 into the next unit', () => {
  assert.equal(formatElapsed(850), '850ms');
  assert.equal(formatElapsed(12_340), '12.3s');
  assert.equal(formatElapsed(59_970), '1m00s');
  assert.equal(formatElapsed(119_600), '2m00s');
  assert.equal(formatElapsed(245_000), '4m05s');
  assert.equal(formatElapsed(1_578_000), '26m18s');
});
