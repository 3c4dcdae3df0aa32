/**
 * apply() in a learner-mode cluster: a namespace and a pod in it, applied together, would race the lab-runner's
 * namespace reconciler (the pod can miss its LimitRange defaults and meet its ceiling). These run the generated
 * script in bash with kubectl replaced by a shell function that logs each call and its input, and answers as a
 * learner-mode cluster or a plain one would; labs:test --profile workshop runs the real thing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Namespace, V1Pod } from '@kubernetes/client-node';
import { apply } from '../src/manifests.ts';

const namespace = (name: string): V1Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const pod = (ns: string): V1Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: ns }, spec: { containers: [{ name: 'web', image: 'kubelab/web:1.0' }] } });

/** Runs `script` with a fake kubectl; `cluster` says whether `default` holds the learner quota and whether waits succeed. */
function runWithFakeKubectl(script: string, cluster: { learnerMode: boolean; reconcilerRuns: boolean }) {
  const fake = `kubectl() {
  local input=""
  if [ "$1" = apply ]; then input=$(cat | grep -E '^kind:' | tr '\\n' ' '); fi
  echo "kubectl $* | $input" >>"$KUBECTL_LOG"
  case "$1" in
    get) ${cluster.learnerMode ? 'return 0' : 'return 1'} ;;
    wait) ${cluster.reconcilerRuns ? 'return 0' : 'echo "error: timed out waiting for the condition" >&2; return 1'} ;;
  esac
}
`;
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-apply-'));
  const log = join(dir, 'kubectl.log');
  writeFileSync(log, '');
  const result = spawnSync('bash', ['-euo', 'pipefail', '-c', fake + script], { encoding: 'utf8', env: { PATH: process.env.PATH, KUBECTL_LOG: log } });
  const logged = readFileSync(log, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  const calls = logged
    .split('\n')
    .filter((line) => line.startsWith('kubectl '))
    .map((line) => line.trim());
  return { status: result.status, calls, stderr: result.stderr };
}

test('namespaces are applied on their own, before the objects that live in them', () => {
  const { status, calls } = runWithFakeKubectl(apply([namespace('blue'), pod('blue')]), { learnerMode: false, reconcilerRuns: false });
  assert.equal(status, 0);
  assert.equal(calls[0], 'kubectl apply -f - | kind: Namespace');
  assert.equal(calls.at(-1), 'kubectl apply -f - | kind: Pod');
  assert.ok(!calls.some((call) => call.startsWith('kubectl wait')), 'a plain cluster has no reconciler to wait for');
});

test('in a learner-mode cluster the pods wait until each new namespace has its LimitRange, ResourceQuota and RoleBinding', () => {
  const { status, calls } = runWithFakeKubectl(apply([namespace('blue'), namespace('green'), pod('blue'), pod('green')]), { learnerMode: true, reconcilerRuns: true });
  assert.equal(status, 0);
  assert.deepEqual(calls, [
    'kubectl apply -f - | kind: Namespace kind: Namespace',
    'kubectl get -n default resourcequota/kubelab-learner -o name |',
    'kubectl wait --for=create -n blue limitrange/kubelab-learner resourcequota/kubelab-learner rolebinding/kubelab:learner-admin --timeout=60s |',
    'kubectl wait --for=create -n green limitrange/kubelab-learner resourcequota/kubelab-learner rolebinding/kubelab:learner-admin --timeout=60s |',
    'kubectl apply -f - | kind: Pod kind: Pod',
  ]);
});

test('a namespace never made ready stops the script with what to check, before the pod is applied', () => {
  const { status, calls, stderr } = runWithFakeKubectl(apply([namespace('blue'), pod('blue')]), { learnerMode: true, reconcilerRuns: false });
  assert.equal(status, 1);
  assert.ok(!calls.some((call) => call.endsWith('kind: Pod')), 'the pod was applied anyway');
  assert.match(stderr, /namespace blue did not get its learner LimitRange, ResourceQuota and RoleBinding within 60 s: is the lab-runner's namespace reconciler running\?/);
});

test('a manifest without namespaces, or of namespaces only, stays one kubectl apply', () => {
  assert.equal(runWithFakeKubectl(apply(pod('default')), { learnerMode: true, reconcilerRuns: true }).calls.length, 1);
  assert.equal(runWithFakeKubectl(apply([namespace('blue'), namespace('green')]), { learnerMode: true, reconcilerRuns: true }).calls.length, 1);
});

test('a namespace name that is not one is refused when the lesson loads, not in the shell', () => {
  assert.throws(() => apply([namespace('blue; rm -rf /'), pod('x')]), /is not a namespace name/);
});
