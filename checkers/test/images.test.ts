import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeImage, sameImage } from '../src/images.ts';

test('the ways of writing one Docker Hub image are the same image', () => {
  for (const written of ['kubelab/web:1.0', 'docker.io/kubelab/web:1.0', 'index.docker.io/kubelab/web:1.0', ' kubelab/web:1.0 ']) {
    assert.ok(sameImage(written, 'kubelab/web:1.0'), written);
  }
  assert.equal(normalizeImage('debian'), 'docker.io/library/debian:latest');
  assert.ok(sameImage('docker.io/library/debian:latest', 'debian'));
});

test('another tag, repository, registry or digest is another image', () => {
  assert.ok(!sameImage('kubelab/web:2.0', 'kubelab/web:1.0'));
  assert.ok(!sameImage('kubelab/web', 'kubelab/web:1.0'), 'no tag means latest');
  assert.ok(!sameImage('kubelab/webapp:1.0', 'kubelab/web:1.0'));
  assert.ok(!sameImage('localhost:5000/kubelab/web:1.0', 'kubelab/web:1.0'));
  assert.ok(!sameImage('registry.example/kubelab/web:1.0', 'kubelab/web:1.0'));
  assert.ok(!sameImage(undefined, 'kubelab/web:1.0'));
  assert.equal(normalizeImage('localhost:5000/web'), 'localhost:5000/web:latest', 'a registry port is not a tag');
  assert.equal(normalizeImage('kubelab/web@sha256:abc'), 'docker.io/kubelab/web@sha256:abc');
});
