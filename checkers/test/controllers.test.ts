import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1CronJob, V1DaemonSet, V1EndpointSlice, V1Job, V1Node, V1Pod, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { cronJob, daemonSet, expandCron, headlessService, job, statefulSet } from '../src/index.ts';

// The builders judge controllers, their pods and Services built by hand here: no cluster needed.
const nodes: V1Node[] = [
  { metadata: { name: 'lab-control-plane', labels: { 'node-role.kubernetes.io/control-plane': '' } } },
  { metadata: { name: 'lab-worker', labels: {} } },
  { metadata: { name: 'lab-worker2', labels: {} } },
];

function pod(name: string, nodeName: string, ready = true): V1Pod {
  return {
    metadata: { name },
    spec: { nodeName, containers: [{ name: 'web', image: 'kubelab/web:1.0' }] },
    status: { phase: ready ? 'Running' : 'Pending', containerStatuses: [{ name: 'web', image: 'kubelab/web:1.0', imageID: '', ready, restartCount: 0 }] },
  };
}

const template = (image = 'docker.io/kubelab/web:1.0') => ({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image }] } });

describe('daemonSet', () => {
  const agent: V1DaemonSet = { metadata: { name: 'node-agent', uid: 'u1' }, spec: { selector: {}, template: template() } };

  test('onNodes reads where the pods are, node by node', () => {
    const pods = [pod('a', 'lab-worker'), pod('b', 'lab-worker2')];
    assert.equal(daemonSet.onNodes(pods, daemonSet.workers(nodes), 'each worker').passed, true);
    const plane = daemonSet.onNodes(pods, daemonSet.controlPlanes(nodes), 'the control plane', { id: 'control-plane' });
    assert.deepEqual([plane.id, plane.passed, plane.actual], ['control-plane', false, 'lab-control-plane: no pod']);
    assert.match(daemonSet.onNodes([pod('a', 'lab-worker', false)], [nodes[1]!], 'x').actual ?? '', /lab-worker: phase Pending/);
    assert.equal(daemonSet.onNodes(pods, [], 'no node').passed, false);
  });

  test('exists and image (written with or without the registry)', () => {
    assert.equal(daemonSet.exists(agent, 'node-agent').passed, true);
    assert.equal(daemonSet.exists(null, 'node-agent').actual, 'no such DaemonSet');
    assert.equal(daemonSet.image(agent, 'kubelab/web:1.0').passed, true);
    assert.equal(daemonSet.image({ ...agent, spec: { selector: {}, template: template('kubelab/web:2.0') } }, 'kubelab/web:1.0').passed, false);
  });
});

describe('statefulSet and headlessService', () => {
  const web: V1StatefulSet = {
    metadata: { name: 'web', uid: 'u2' },
    spec: {
      serviceName: 'web',
      selector: {},
      template: {
        metadata: {},
        spec: { containers: [{ name: 'web', image: 'kubelab/web:1.0', ports: [{ name: 'http', containerPort: 5000 }], readinessProbe: { httpGet: { path: '/api/v1/health', port: 'http' } } }] },
      },
    },
  };

  test('readyPods wants exactly name-0 … name-(n-1), all ready', () => {
    assert.equal(statefulSet.readyPods(web, [pod('web-0', 'a'), pod('web-1', 'b'), pod('web-2', 'a')], 3).passed, true);
    const short = statefulSet.readyPods(web, [pod('web-0', 'a', false)], 3);
    assert.equal(short.passed, false);
    assert.match(short.actual ?? '', /web-0: phase Pending.*web-1: missing; web-2: missing/);
    assert.match(statefulSet.readyPods(web, [pod('web-0', 'a'), pod('web-1', 'a'), pod('web-2', 'a'), pod('web-3', 'a')], 3).actual ?? '', /web-3: not wanted/);
    assert.equal(statefulSet.readyPods(null, [], 3).actual, 'no StatefulSet');
  });

  test('readinessProbe: the path, and the port by number or by name', () => {
    assert.equal(statefulSet.readinessProbe(web, '/api/v1/health', 5000).passed, true);
    assert.equal(statefulSet.readinessProbe(web, '/api/v1/health', 8080).passed, false);
    const bare: V1StatefulSet = { ...web, spec: { ...web.spec!, template: { spec: { containers: [{ name: 'web' }] } } } };
    assert.equal(statefulSet.readinessProbe(bare, '/api/v1/health', 5000).actual, 'web: no HTTP readiness probe');
  });

  test('isHeadless and podDnsNames', () => {
    const headless: V1Service = { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: 'None' } };
    const plain: V1Service = { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.12', type: 'ClusterIP' } };
    assert.equal(headlessService.isHeadless(headless, 'web').passed, true);
    assert.equal(headlessService.isHeadless(plain, 'web').actual, 'clusterIP 10.96.0.12 (type ClusterIP)');
    const slice = (hostnames: (string | undefined)[]): V1EndpointSlice => ({
      addressType: 'IPv4',
      endpoints: hostnames.map((hostname, i) => ({ addresses: [`10.244.0.${i}`], conditions: { ready: true }, ...(hostname ? { hostname } : {}) })),
    });
    const all = ['web-0', 'web-1', 'web-2'];
    assert.equal(headlessService.podDnsNames(headless, [slice(all)], all).passed, true);
    assert.match(headlessService.podDnsNames(headless, [slice([undefined, undefined])], all).actual ?? '', /2 endpoints without a hostname/);
    assert.match(headlessService.podDnsNames(plain, [slice(all)], all).actual ?? '', /not headless/);
    assert.match(headlessService.podDnsNames(headless, [slice(all)], all).description, /web-0\.web\.default\.svc\.cluster\.local/);
  });
});

describe('job', () => {
  const thumbnails = (spec: V1Job['spec'], status: V1Job['status']): V1Job => ({ metadata: { name: 'thumbnails' }, spec, status });

  test('succeeded, parallelism and complete', () => {
    const done = thumbnails({ completions: 6, parallelism: 2, template: template() }, { succeeded: 6, conditions: [{ type: 'Complete', status: 'True' }] });
    assert.deepEqual([job.succeeded(done, 6).passed, job.parallelism(done, 2).passed, job.complete(done).passed], [true, true, true]);
    const once = thumbnails({ template: template() }, { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] });
    assert.equal(job.succeeded(once, 6).actual, '1 succeeded (completions: unset)');
    assert.equal(job.parallelism(once, 2).actual, 'parallelism 1');
    const failed = thumbnails({ completions: 6, parallelism: 2, backoffLimit: 1, template: template() }, { failed: 2, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] });
    assert.equal(job.complete(failed).actual, 'Failed (BackoffLimitExceeded): 0 succeeded, 2 failed, 0 running');
    assert.equal(job.complete(null).actual, 'no Job');
  });
});

describe('cronJob', () => {
  test('expandCron reads the five fields, lists, ranges, steps, names and macros', () => {
    assert.deepEqual(expandCron('30 2 * * *')?.slice(0, 2), [[30], [2]]);
    assert.deepEqual(expandCron('*/15 * * * *')?.[0], [0, 15, 30, 45]);
    assert.deepEqual(expandCron('0,15,30,45 * * * *'), expandCron('*/15 * * * *'));
    assert.deepEqual(expandCron('0 9 * * MON-FRI'), expandCron('0 9 * * 1-5'));
    assert.deepEqual(expandCron('0 0 * * 7')?.[4], [0]);
    assert.deepEqual(expandCron('@daily'), expandCron('0 0 * * *'));
    assert.deepEqual(expandCron('5/20 * * * *')?.[0], [5, 25, 45]);
    assert.equal(expandCron('2 30 * * *'), undefined);
    assert.equal(expandCron('* * * *'), undefined);
    assert.equal(expandCron('*/0 * * * *'), undefined);
  });

  const report = (schedule: string, timeZone?: string): V1CronJob => ({
    metadata: { name: 'report', uid: 'u3' },
    spec: { schedule, ...(timeZone ? { timeZone } : {}), jobTemplate: { spec: { template: template('kubelab/toolbox:1.0') } } },
  });

  test('schedule: the same times, however written, in UTC', () => {
    assert.equal(cronJob.schedule(report('30 2 * * *'), '30 2 * * *').passed, true);
    assert.equal(cronJob.schedule(report('30 02 * * 0-6'), '30 2 * * *').passed, true);
    assert.equal(cronJob.schedule(report('30 2 * * *', 'Etc/UTC'), '30 2 * * *').passed, true);
    assert.equal(cronJob.schedule(report('30 2 * * *', 'Europe/Paris'), '30 2 * * *').actual, '30 2 * * * in time zone Europe/Paris');
    assert.equal(cronJob.schedule(report('* 2 * * *'), '30 2 * * *').passed, false);
    assert.throws(() => cronJob.schedule(report('30 2 * * *'), 'nightly'), /not a five-field cron schedule/);
    assert.equal(cronJob.image(report('30 2 * * *'), 'docker.io/kubelab/toolbox:1.0').passed, true);
  });

  test('ranToCompletion and completed', () => {
    const run = (name: string, type: string): V1Job => ({ metadata: { name }, status: { conditions: [{ type, status: 'True' }] } });
    assert.equal(cronJob.ranToCompletion([run('a', 'Failed'), run('b', 'Complete')]).passed, true);
    assert.equal(cronJob.completed([run('a', 'Failed'), run('b', 'Complete')])?.metadata?.name, 'b');
    assert.equal(cronJob.ranToCompletion([]).actual, 'no Job made from the CronJob');
  });
});
