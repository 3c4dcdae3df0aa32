/**
 * A cluster carries the add-ons its lesson names (frontmatter `addons`), and a cluster made for no lesson in
 * particular (the warm pool, `kubelab cluster create`) carries them all. labs:test proves each lesson on a cluster
 * with only its own, so a lesson that uses an add-on it does not name fails there.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubelabError } from '@kubelab/kit/errors';
import { clusterAddons } from '@kubelab/labs/profiles';
import { chosenAddons } from '../providers/kind/provider.ts';
import { checksFor, readinessChecks } from '../providers/kind/readiness.ts';
import { fakeServer, nodeAccessLesson, tempDir } from './fakes.ts';

let dir: { path: string; remove(): Promise<void> };
before(async () => {
  dir = await tempDir('addons-test');
});
after(async () => {
  await dir.remove();
});

test('a create installs the add-ons asked for, in one order; all of them when none are named; an unknown one is refused', () => {
  assert.deepEqual(chosenAddons(undefined), [...clusterAddons]);
  assert.deepEqual(chosenAddons([]), []);
  assert.deepEqual(chosenAddons(['metrics', 'ingress', 'metrics']), ['ingress', 'metrics']);
  assert.throws(
    () => chosenAddons(['ingress', 'istio']),
    (error) => error instanceof KubelabError && error.code === 'E_USAGE' && /unknown add-on "istio"/.test(error.message) && /ingress, load-balancer, metrics/.test(error.hint ?? ''),
  );
});

test('a cluster without an add-on is not held to its readiness check; the checks of Kubernetes itself always hold', () => {
  const ids = (addons: Parameters<typeof checksFor>[1]) => checksFor(readinessChecks, addons).map((check) => check.id);
  assert.deepEqual(ids([]), ['api-server', 'nodes-ready', 'pod-network', 'coredns', 'storage-class', 'course-images']);
  assert.deepEqual(ids(['load-balancer']), ['api-server', 'nodes-ready', 'pod-network', 'coredns', 'storage-class', 'load-balancer', 'course-images']);
  assert.deepEqual(ids([...clusterAddons]), readinessChecks.map((check) => check.id));
});

test("a lab made for a lesson asks for the lesson's add-ons; the warm pool's clusters for all of them", async () => {
  const server = await fakeServer({ dataDir: join(dir.path, 'data'), extraLessons: [nodeAccessLesson()], poolSize: 1 });
  try {
    // The pool fills first: a cluster for any lesson.
    for (let i = 0; i < 100 && server.provider.createSpecs.length === 0; i++) await sleep(20);
    assert.equal(server.provider.createSpecs[0]?.addons, undefined, 'the warm cluster gets every add-on');
    // Taking the warm cluster for one lab, the next lab finds none and has its own made: with the lesson's add-ons.
    for (const lesson of ['probe', 'static-pods']) {
      const started = await server.app.inject({ method: 'POST', url: '/api/sessions', headers: server.launch, payload: { lesson } });
      assert.equal(started.statusCode, 201, started.body);
    }
    for (let i = 0; i < 100 && !server.provider.createSpecs.some((spec) => spec.addons !== undefined); i++) await sleep(20);
    const forLesson = server.provider.createSpecs.find((spec) => spec.addons !== undefined);
    assert.deepEqual(forLesson?.addons, ['metrics'], 'static-pods names metrics, and gets only that');
  } finally {
    await server.close();
  }
});
