import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { eventually, logIncludes, pod, podLog, type CheckContext } from '../src/index.ts';
import type { Criterion } from '../src/types.ts';

// The criterion builders need no cluster: each judges a V1Pod (or a log) built by hand here.
function webPod(overrides: { labels?: Record<string, string>; image?: string; phase?: string; ready?: boolean } = {}): V1Pod {
  return {
    metadata: { name: 'web', namespace: 'default', labels: overrides.labels ?? { app: 'web' } },
    spec: { containers: [{ name: 'web', image: overrides.image ?? 'kubelab/web:1.0' }] },
    status: {
      phase: overrides.phase ?? 'Running',
      containerStatuses: [{ name: 'web', image: 'kubelab/web:1.0', imageID: '', ready: overrides.ready ?? true, restartCount: 0 }],
    },
  };
}

const facts = (c: Criterion) => [c.id, c.passed, c.expected, c.actual];

describe('pod criterion builders', () => {
  test('hasLabel states the label once: expected, passed and actual follow from it', () => {
    assert.deepEqual(facts(pod.hasLabel(webPod(), 'app', 'web')), ['label', true, 'app=web', 'app=web']);
    assert.deepEqual(facts(pod.hasLabel(webPod({ labels: { app: 'webapp', tier: 'x' } }), 'app', 'web')), ['label', false, 'app=web', 'app=webapp, tier=x']);
    assert.deepEqual(facts(pod.hasLabel(webPod({ labels: {} }), 'app', 'web')), ['label', false, 'app=web', 'no labels']);
    assert.deepEqual(facts(pod.hasLabel(null, 'app', 'web')), ['label', false, 'app=web', 'no pod']);
  });

  test('the id, description and hint can be overridden; the facts cannot', () => {
    const c = pod.hasLabel(webPod({ labels: { app: 'api' } }), 'app', 'web', { id: 'tagged', description: 'Tagged as web', hint: 'Tag it.' });
    assert.deepEqual([c.id, c.description, c.hint, c.passed, c.expected], ['tagged', 'Tagged as web', 'Tag it.', false, 'app=web']);
    const defaults = pod.hasLabel(webPod(), 'app', 'web');
    assert.match(defaults.description, /`app=web`/);
    assert.match(defaults.hint ?? '', /kubectl get pod web --show-labels/);
  });

  test('exists and running', () => {
    assert.deepEqual(facts(pod.exists(webPod(), 'web')), ['exists', true, 'pod/web', 'pod/web']);
    assert.deepEqual(facts(pod.exists(null, 'web')), ['exists', false, 'pod/web', 'no such pod']);
    assert.equal(pod.running(webPod()).passed, true);
    assert.deepEqual(facts(pod.running(webPod({ ready: false }))), ['running', false, 'phase Running, every container ready', 'phase Running']);
    assert.deepEqual(facts(pod.running(webPod({ phase: 'Pending' }))).slice(1, 2), [false]);
  });

  test('image: every container, or the one named', () => {
    assert.deepEqual(facts(pod.image(webPod(), 'kubelab/web:1.0')), ['image', true, 'kubelab/web:1.0', 'kubelab/web:1.0']);
    assert.deepEqual(facts(pod.image(webPod({ image: 'kubelab/web:2.0' }), 'kubelab/web:1.0')), ['image', false, 'kubelab/web:1.0', 'kubelab/web:2.0']);
    assert.deepEqual(facts(pod.image(webPod(), 'kubelab/web:1.0', { container: 'sidecar' })), ['image', false, 'kubelab/web:1.0', 'no container named `sidecar`']);
    assert.equal(pod.image(null, 'kubelab/web:1.0').actual, 'no pod');
  });

  test('containers: exactly these names, each with its image', () => {
    const duo: V1Pod = { metadata: { name: 'duo' }, spec: { containers: [{ name: 'web', image: 'kubelab/web:1.0' }, { name: 'probe', image: 'kubelab/toolbox:1.0' }] } };
    const want = { web: 'kubelab/web:1.0', probe: 'kubelab/toolbox:1.0' };
    assert.deepEqual(facts(pod.containers(duo, want)), ['containers', true, 'web=kubelab/web:1.0, probe=kubelab/toolbox:1.0', 'web=kubelab/web:1.0, probe=kubelab/toolbox:1.0']);
    assert.deepEqual(facts(pod.containers(webPod(), want)).slice(1), [false, 'web=kubelab/web:1.0, probe=kubelab/toolbox:1.0', 'web=kubelab/web:1.0']);
    assert.equal(pod.containers(null, want).actual, 'no pod');
  });

  test('command counts command and args together; env reads one variable', () => {
    const api: V1Pod = { metadata: { name: 'api' }, spec: { containers: [{ name: 'api', command: ['sh'], args: ['-c', 'run it'], env: [{ name: 'MODE', value: 'happy' }] }] } };
    assert.deepEqual(facts(pod.command(api, ['sh', '-c', 'run it'])), ['command', true, 'sh -c run it', 'sh -c run it']);
    assert.deepEqual(facts(pod.command(api, ['sleep', 'infinity'])).slice(1), [false, 'sleep infinity', 'sh -c run it']);
    assert.equal(pod.command(webPod(), ['sh']).actual, 'no command (the image default)');
    assert.deepEqual(facts(pod.env(api, 'MODE', 'friendly')), ['env', false, 'MODE=friendly', 'MODE=happy']);
    assert.deepEqual(facts(pod.env(api, 'OTHER', 'x')).slice(1), [false, 'OTHER=x', 'OTHER is not set']);
  });

  test('phase and restartPolicy (a pod without one restarts Always)', () => {
    assert.deepEqual(facts(pod.phase(webPod({ phase: 'Succeeded' }), 'Succeeded', { id: 'done' })), ['done', true, 'phase Succeeded', 'phase Succeeded']);
    assert.deepEqual(facts(pod.restartPolicy(webPod(), ['Never', 'OnFailure'])), ['restart-policy', false, 'restartPolicy Never or OnFailure', 'restartPolicy Always']);
    const once: V1Pod = { ...webPod(), spec: { restartPolicy: 'Never', containers: [] } };
    assert.equal(pod.restartPolicy(once, 'Never').passed, true);
    assert.equal(pod.restartPolicy(null, 'Never').passed, false);
  });

  test('logIncludes: the whole log, or only its last lines', () => {
    const log = 'curl: (7) refused\n\n{"status":"OK"}\n{"status":"OK"}\n';
    assert.deepEqual(facts(logIncludes(log, 'refused')), ['log', true, 'refused', 'curl: (7) refused / {"status":"OK"} / {"status":"OK"}']);
    assert.equal(logIncludes(log, 'refused', { lastLines: 2 }).passed, false);
    assert.deepEqual(facts(pod.logIncludes(log, '"status":"OK"', { lastLines: 2, id: 'net' })).slice(0, 3), ['net', true, '"status":"OK" in the last 2 lines of the log']);
    assert.deepEqual(facts(logIncludes('', 'hello')).slice(1), [false, 'hello', 'no output']);
  });
});

describe('eventually', () => {
  test('retries until the probe yields a value', async () => {
    let calls = 0;
    assert.equal(await eventually(async () => (++calls >= 3 ? 'ready' : undefined), { intervalMs: 5, timeoutMs: 1000 }), 'ready');
    assert.equal(calls, 3);
  });

  test('gives undefined at the deadline', async () => {
    assert.equal(await eventually(async () => undefined, { intervalMs: 10, timeoutMs: 50 }), undefined);
  });

  test('stops waiting at once when the check is aborted', async () => {
    const controller = new AbortController();
    const began = performance.now();
    setTimeout(() => controller.abort(new Error('deadline')), 50);
    await assert.rejects(eventually(async () => undefined, { intervalMs: 5_000, timeoutMs: 60_000, signal: controller.signal }), { name: 'AbortError' });
    assert.ok(performance.now() - began < 2_000);
  });
});

describe('reading a log', () => {
  test('asks the API server for the last 50 lines and at most 64 KiB (a learner can log gigabytes), and gives "" when there is no log', async () => {
    const asked: unknown[] = [];
    const cluster = {
      core: {
        readNamespacedPodLog: async (params: unknown) => {
          asked.push(params);
          if (asked.length > 1) throw new Error('container "web" in pod "web" is waiting to start');
          return 'hello\n';
        },
      },
    } as unknown as CheckContext;
    assert.equal(await podLog(cluster, 'web', 'web'), 'hello\n');
    assert.deepEqual(asked[0], { name: 'web', namespace: 'default', container: 'web', tailLines: 50, limitBytes: 64 * 1024 });
    assert.equal(await podLog(cluster, 'web', 'web', 'team-a'), '');
    assert.equal((asked[1] as { namespace: string }).namespace, 'team-a');
  });
});
