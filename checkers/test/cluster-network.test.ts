import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  addressHost,
  clusterNetwork,
  describeResolvConf,
  isIpLiteral,
  loggedRequests,
  podResolvConf,
  reportedDbAddress,
  type HttpProbeEach,
} from '../src/index.ts';

// The pod network builders need no cluster: each judges objects and logs written by hand here.
const dns = '10.96.0.10';

const placed = (name: string, node: string | undefined, podIP?: string): V1Pod => ({
  metadata: { name },
  spec: { containers: [{ name }], ...(node ? { nodeName: node } : {}) },
  status: { phase: 'Running', ...(podIP ? { podIP } : {}) },
});

describe('loggedRequests and addresses', () => {
  test('kubelab/web log lines give method, path and the client host, other lines are skipped', () => {
    const log = [
      '2026/01/02 10:00:00 kubelab/web 1.0 listening on :5000 (pod server)',
      '2026/01/02 10:00:05 GET / from 10.244.2.7:41234',
      '2026/01/02 10:00:06 GET /api/v1/info from [fd00::5]:5555',
      '2026/01/02 10:00:07 GET /api/v1/db from 127.0.0.1:39000',
    ].join('\n');
    assert.deepEqual(loggedRequests(log), [
      { method: 'GET', path: '/', host: '10.244.2.7' },
      { method: 'GET', path: '/api/v1/info', host: 'fd00::5' },
      { method: 'GET', path: '/api/v1/db', host: '127.0.0.1' },
    ]);
  });

  test('addressHost strips a port, keeps names and bare IPv6', () => {
    assert.equal(addressHost('db.data:6379'), 'db.data');
    assert.equal(addressHost('db.data.svc.cluster.local.:6379'), 'db.data.svc.cluster.local.');
    assert.equal(addressHost('[fd00::1]:80'), 'fd00::1');
    assert.equal(addressHost('fd00::1'), 'fd00::1');
    assert.equal(addressHost('cache'), 'cache');
  });

  test('isIpLiteral tells addresses from names', () => {
    assert.equal(isIpLiteral('10.96.12.4'), true);
    assert.equal(isIpLiteral('fd00::1'), true);
    assert.equal(isIpLiteral('[fd00::1]'), true);
    assert.equal(isIpLiteral('db.data'), false);
    assert.equal(isIpLiteral('10.96.12.4.nip.io'), false);
  });

  test('reportedDbAddress reads the app JSON, and nothing else', () => {
    assert.equal(reportedDbAddress({ status: 503, body: '{"database":"unreachable","address":"db:6379","error":"x"}' }), 'db:6379');
    assert.equal(reportedDbAddress({ body: 'no endpoints available for service "web"' }), undefined);
  });
});

describe('podResolvConf', () => {
  test('ClusterFirst (also when unset): the cluster DNS, three search domains for the namespace, ndots:5', () => {
    const conf = podResolvConf({ containers: [] }, 'front', dns);
    assert.deepEqual(conf, {
      base: 'cluster',
      nameservers: [dns],
      searches: ['front.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:5'],
    });
    assert.equal(describeResolvConf(conf), `nameserver ${dns}; search front.svc.cluster.local svc.cluster.local cluster.local; options ndots:5`);
  });

  test('dnsConfig appends servers and searches without duplicates, and its options override by name', () => {
    const conf = podResolvConf(
      {
        containers: [],
        dnsConfig: { nameservers: [dns, '10.96.0.11'], searches: ['data.svc.cluster.local', 'svc.cluster.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
      },
      'front',
      dns,
    );
    assert.deepEqual(conf.nameservers, [dns, '10.96.0.11']);
    assert.deepEqual(conf.searches, ['front.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'data.svc.cluster.local']);
    assert.deepEqual(conf.options, ['ndots:2', 'edns0']);
  });

  test('None: only what dnsConfig says; Default and ClusterFirst on the host network: the node\'s file', () => {
    const none = podResolvConf({ containers: [], dnsPolicy: 'None', dnsConfig: { nameservers: ['10.96.0.53'], searches: ['svc.cluster.local'] } }, 'x', dns);
    assert.deepEqual(none, { base: 'none', nameservers: ['10.96.0.53'], searches: ['svc.cluster.local'], options: [] });
    assert.equal(podResolvConf({ containers: [], dnsPolicy: 'Default' }, 'x', dns).base, 'node');
    assert.equal(podResolvConf({ containers: [], hostNetwork: true }, 'x', dns).base, 'node');
    assert.equal(podResolvConf({ containers: [], hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, 'x', dns).base, 'cluster');
    assert.equal(describeResolvConf(podResolvConf({ containers: [], dnsPolicy: 'Default' }, 'x', dns)), "the node's own resolv.conf");
    assert.equal(describeResolvConf(podResolvConf({ containers: [], dnsPolicy: 'None' }, 'x', dns)), 'no nameserver');
  });

  test('at most three name servers', () => {
    const conf = podResolvConf({ containers: [], dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'] } }, 'x', dns);
    assert.deepEqual(conf.nameservers, [dns, '1.1.1.1', '2.2.2.2']);
  });
});

describe('clusterNetwork builders', () => {
  test('apart: two nodes pass; one node, or a pod not scheduled, fail', () => {
    const pass = clusterNetwork.apart([placed('server', 'w1', '10.244.1.4'), 'server'], [placed('client', 'w2', '10.244.2.5'), 'client']);
    assert.equal(pass.passed, true);
    assert.equal(pass.actual, 'server on w1 (10.244.1.4); client on w2 (10.244.2.5)');
    assert.equal(clusterNetwork.apart([placed('server', 'w1'), 'server'], [placed('client', 'w1'), 'client']).passed, false);
    const pending = clusterNetwork.apart([placed('server', 'w1'), 'server'], [placed('client', undefined), 'client']);
    assert.equal(pending.passed, false);
    assert.match(pending.actual ?? '', /client not scheduled yet/);
    assert.equal(clusterNetwork.apart([null, 'server'], [placed('client', 'w2'), 'client']).actual, 'no pod server; client on w2');
  });

  test('requestFrom: passes on a request from the client pod IP; names other sources', () => {
    const server = placed('server', 'w1', '10.244.1.4');
    const client = placed('client', 'w2', '10.244.2.5');
    const log = 'x GET / from 127.0.0.1:4000\ny GET / from 10.244.1.9:3000\n';
    const fail = clusterNetwork.requestFrom(log, [server, 'server'], [client, 'client'], new Map([['10.244.1.9', 'pod tmp on w1']]));
    assert.equal(fail.passed, false);
    assert.equal(fail.actual, 'server logged requests from 127.0.0.1, 10.244.1.9 (pod tmp on w1) only');
    const pass = clusterNetwork.requestFrom(`${log}z GET /api/v1/info from 10.244.2.5:5123\n`, [server, 'server'], [client, 'client']);
    assert.equal(pass.passed, true);
    assert.equal(pass.actual, 'server logged GET /api/v1/info from 10.244.2.5 (client)');
    assert.equal(clusterNetwork.requestFrom('', [server, 'server'], [client, 'client']).actual, 'server has logged no request yet');
    assert.equal(clusterNetwork.requestFrom(log, [server, 'server'], [null, 'client']).passed, false, 'no client, no pass');
  });

  test('clusterDns: the kube-dns address first', () => {
    const good = clusterNetwork.clusterDns(podResolvConf({ containers: [] }, 'shop', dns), dns);
    assert.equal(good.passed, true);
    const wrong = clusterNetwork.clusterDns(podResolvConf({ containers: [], dnsPolicy: 'None', dnsConfig: { nameservers: ['10.96.0.53'] } }, 'shop', dns), dns, { policy: 'None' });
    assert.equal(wrong.passed, false);
    assert.equal(wrong.actual, 'dnsPolicy None: nameserver 10.96.0.53');
    assert.equal(clusterNetwork.clusterDns(podResolvConf({ containers: [], dnsPolicy: 'Default' }, 'shop', dns), dns).passed, false);
    assert.equal(clusterNetwork.clusterDns(undefined, dns).actual, 'no pod');
  });

  test('byName: names pass, IPs and silence fail', () => {
    assert.equal(clusterNetwork.byName('db.data:6379').passed, true);
    const ip = clusterNetwork.byName('10.96.44.2:6379');
    assert.deepEqual([ip.passed, ip.actual], [false, 'the IP address 10.96.44.2']);
    assert.equal(clusterNetwork.byName(undefined).passed, false);
  });

  test('answeredLocally: every answer from the probe node\'s own pod', () => {
    const answer = (body: string, status = 200, finished = true): HttpProbeEach => ({ body, status, finished, summary: `GET x: HTTP ${status}` });
    const nodes = new Map([['cache-a', 'w1'], ['cache-b', 'w2']]);
    const local = clusterNetwork.answeredLocally(
      [
        { node: 'w1', answers: [answer('cache-a\n'), answer('cache-a')] },
        { node: 'w2', answers: [answer('cache-b'), answer('cache-b')] },
      ],
      nodes,
    );
    assert.equal(local.passed, true);
    const spread = clusterNetwork.answeredLocally(
      [
        { node: 'w1', answers: [answer('cache-a'), answer('cache-b')] },
        { node: 'w2', answers: [answer('cache-b'), { body: 'timed out', finished: true, summary: 'GET x: no answer (timed out)' }] },
      ],
      nodes,
    );
    assert.equal(spread.passed, false);
    assert.equal(
      spread.actual,
      'from w1: 1 of 2 answers by its own node\'s pod, others by cache-b on w2; from w2: 1 of 2 answers by its own node\'s pod, 1 without an answer (GET x: no answer (timed out))',
    );
    assert.equal(clusterNetwork.answeredLocally([], nodes).passed, false);
  });
});
