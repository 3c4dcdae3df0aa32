import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { describeServicePort, exposure, loadBalancerAddress, nodeInternalIp, resolveTargetPort } from '../src/index.ts';
import type { Criterion } from '../src/types.ts';

// The Services builders judge objects built by hand here: no cluster needed.
const facts = (c: Criterion) => [c.id, c.passed, c.expected, c.actual];

const containers: V1Container[] = [{ name: 'web', image: 'kubelab/web:1.0', ports: [{ name: 'http', containerPort: 8080 }] }];

function svc(spec: NonNullable<V1Service['spec']>, status?: V1Service['status']): V1Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy', namespace: 'default' }, spec, ...(status ? { status } : {}) };
}

function slice(name: string, options: { labelled?: boolean; addresses?: string[]; ports?: { name?: string; port: number }[] } = {}): V1EndpointSlice {
  return {
    metadata: { name, ...(options.labelled === false ? {} : { labels: { 'kubernetes.io/service-name': 'legacy' } }) },
    addressType: 'IPv4',
    ports: options.ports ?? [{ name: 'http', port: 5000 }],
    endpoints: [{ addresses: options.addresses ?? ['10.244.0.9'] }],
  };
}

describe('Services: reads of addresses and ports', () => {
  test('a node is reached at its InternalIP', () => {
    const node: V1Node = { status: { addresses: [{ type: 'Hostname', address: 'lab-control-plane' }, { type: 'InternalIP', address: '172.18.0.2' }] } };
    assert.equal(nodeInternalIp(node), '172.18.0.2');
    assert.equal(nodeInternalIp(null), undefined);
  });

  test('a load balancer address is an IP or a host name, once given', () => {
    assert.equal(loadBalancerAddress(svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '172.18.255.200' }] } })), '172.18.255.200');
    assert.equal(loadBalancerAddress(svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } })), 'lb.example.com');
    assert.equal(loadBalancerAddress(svc({ type: 'LoadBalancer' }, { loadBalancer: {} })), undefined);
  });

  test('a targetPort resolves by number, by digits, by name, and defaults to the port', () => {
    assert.equal(resolveTargetPort({ port: 80, targetPort: 8080 }, containers), 8080);
    assert.equal(resolveTargetPort({ port: 80, targetPort: '8080' }, containers), 8080);
    assert.equal(resolveTargetPort({ port: 80, targetPort: 'http' }, containers), 8080);
    assert.equal(resolveTargetPort({ port: 80, targetPort: 'metrics' }, containers), undefined);
    assert.equal(resolveTargetPort({ port: 80 }, containers), 80);
    assert.equal(describeServicePort({ port: 80, targetPort: 'http', name: 'web' }, containers), '80→http (8080) named web');
    assert.equal(describeServicePort({ port: 80, targetPort: 5000, nodePort: 30080 }), '80→5000 (node port 30080)');
  });
});

describe('Services: criterion builders', () => {
  test('type: ClusterIP must have a virtual IP; other types as named', () => {
    assert.deepEqual(facts(exposure.type(svc({ ports: [{ port: 80 }] }), 'ClusterIP')), ['type', true, 'ClusterIP', 'ClusterIP']);
    assert.deepEqual(facts(exposure.type(svc({ clusterIP: 'None' }), 'ClusterIP')).slice(1), [false, 'ClusterIP', 'ClusterIP (headless: clusterIP None)']);
    assert.equal(exposure.type(svc({ type: 'NodePort' }), 'ClusterIP').passed, false);
    assert.equal(exposure.type(svc({ type: 'LoadBalancer' }), 'LoadBalancer').passed, true);
    assert.deepEqual(facts(exposure.type(null, 'LoadBalancer')).slice(1), [false, 'LoadBalancer', 'no service']);
  });

  test('ports: a number or the container port name both reach the port; the port itself must match', () => {
    assert.equal(exposure.ports(svc({ ports: [{ port: 80, targetPort: 'http' }] }), { port: 80, targetPort: 8080, containers }).passed, true);
    assert.equal(exposure.ports(svc({ ports: [{ port: 80, targetPort: 8080 }] }), { port: 80, targetPort: 8080, containers }).passed, true);
    const wrong = exposure.ports(svc({ ports: [{ port: 80, targetPort: 5000 }] }), { port: 80, targetPort: 8080, containers });
    assert.deepEqual(facts(wrong).slice(1), [false, '80→http or 8080', '80→5000']);
    assert.equal(exposure.ports(svc({ ports: [{ port: 80 }] }), { port: 80, targetPort: 8080, containers }).actual, '80→80');
    assert.equal(exposure.ports(svc({ ports: [{ port: 5000, targetPort: 5000 }] }), { port: 80, targetPort: 5000 }).passed, false);
    assert.equal(exposure.ports(svc({ ports: [{ port: 80, targetPort: 8080, protocol: 'UDP' }] }), { port: 80, targetPort: 8080 }).passed, false);
  });

  test('withoutSelector: an empty or missing selector passes', () => {
    assert.equal(exposure.withoutSelector(svc({ ports: [{ port: 80 }] })).passed, true);
    assert.equal(exposure.withoutSelector(svc({ selector: {} })).passed, true);
    assert.deepEqual(facts(exposure.withoutSelector(svc({ selector: { app: 'legacy' } }))).slice(1), [false, 'no selector', 'selector app=legacy']);
    assert.equal(exposure.withoutSelector(null).passed, false);
  });

  test('sliceHolds: only a slice labelled for the Service counts, and an unlabelled one is named', () => {
    assert.equal(exposure.sliceHolds([slice('legacy-1')], 'legacy', '10.244.0.9').passed, true);
    const unlabelled = exposure.sliceHolds([slice('legacy-1', { labelled: false })], 'legacy', '10.244.0.9');
    assert.equal(unlabelled.passed, false);
    assert.match(unlabelled.actual!, /legacy-1 holds 10\.244\.0\.9 but is not labelled kubernetes\.io\/service-name=legacy/);
    const elsewhere = exposure.sliceHolds([slice('legacy-1', { addresses: ['10.244.0.3'] })], 'legacy', '10.244.0.9');
    assert.deepEqual([elsewhere.passed, elsewhere.actual], [false, 'legacy-1: 10.244.0.3']);
    assert.equal(exposure.sliceHolds([], 'legacy', '10.244.0.9').actual, 'no EndpointSlice labelled kubernetes.io/service-name=legacy');
    assert.equal(exposure.sliceHolds([slice('legacy-1')], 'legacy', undefined).passed, false);
  });

  test("slicePort: the slice's port of the Service port's name must be the address's port", () => {
    const named = svc({ ports: [{ name: 'http', port: 80 }] });
    const want = { address: '10.244.0.9', port: 5000 };
    assert.equal(exposure.slicePort(named, [slice('legacy-1')], want).passed, true);
    assert.equal(exposure.slicePort(svc({ ports: [{ port: 80 }] }), [slice('legacy-1', { ports: [{ port: 5000 }] })], want).passed, true);
    const toServicePort = exposure.slicePort(named, [slice('legacy-1', { ports: [{ name: 'http', port: 80 }] })], want);
    assert.deepEqual([toServicePort.passed, toServicePort.actual], [false, "legacy-1: port named http → 80; the Service's port is named http"]);
    const otherName = exposure.slicePort(named, [slice('legacy-1', { ports: [{ port: 5000 }] })], want);
    assert.deepEqual([otherName.passed, otherName.actual], [false, "legacy-1: port unnamed → 5000; the Service's port is named http"]);
    assert.equal(exposure.slicePort(named, [slice('legacy-1', { labelled: false })], want).actual, 'no slice of the Service holds the address');
  });

  test('externalIp: pending, another type, or an address', () => {
    assert.deepEqual(facts(exposure.externalIp(svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '172.18.255.200' }] } }))).slice(1, 4), [true, 'an address in status.loadBalancer.ingress', '172.18.255.200']);
    assert.equal(exposure.externalIp(svc({ type: 'LoadBalancer' })).actual, 'none yet (pending)');
    assert.equal(exposure.externalIp(svc({ type: 'NodePort' })).actual, 'none (a NodePort Service gets none)');
  });

  test('answeredBy: HTTP 200 from a pod of the right name; a reason when not tried', () => {
    const ok = { status: 200, body: 'catalog-7d9c5b-x2x4q\n', summary: 'GET http://catalog/ from a probe pod in namespace kubelab-probe: HTTP 200' };
    assert.deepEqual(facts(exposure.answeredBy(ok, 'catalog-')).slice(0, 2), ['http', true]);
    assert.match(exposure.answeredBy(ok, 'catalog-').actual!, /answered by catalog-7d9c5b-x2x4q$/);
    assert.equal(exposure.answeredBy(ok, 'shop-').passed, false);
    const refused = { body: 'Failed to connect', summary: 'GET http://catalog/ from a probe pod: no answer (Failed to connect)' };
    assert.deepEqual([exposure.answeredBy(refused, 'catalog-').passed, exposure.answeredBy(refused, 'catalog-').actual], [false, refused.summary]);
    const skipped = exposure.answeredBy('the criteria above must pass first', 'catalog-', { id: 'node-http' });
    assert.deepEqual(facts(skipped), ['node-http', false, 'HTTP 200 from catalog-…', 'not tried: the criteria above must pass first']);
  });
});
