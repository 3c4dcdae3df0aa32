/** The pod network's facts computed without a cluster: kube-proxy's chain names and the web app's request log. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointChain, kubeProxyHash, serviceChain, servicePortName, webRequests } from '../src/index.ts';

test('chain names are kube-proxy\'s: base32 of sha256 of the port\'s name and protocol (and endpoint)', () => {
  // The kubernetes Service's chain is the same in every cluster; the others were read on a kind node.
  assert.equal(serviceChain('default', 'kubernetes', 'https'), 'KUBE-SVC-NPX46M4PTMTKRN6Y');
  assert.equal(serviceChain('default', 'web'), 'KUBE-SVC-LOLE4ISW44XBNF3G');
  assert.equal(serviceChain('default', 'web', undefined, 'TCP'), `KUBE-SVC-${kubeProxyHash('default/webtcp')}`);
  assert.equal(endpointChain('default', 'web', undefined, 'TCP', '10.244.1.4', 5000), 'KUBE-SEP-C6NJDZAOCNYALHH3');
  assert.equal(endpointChain('default', 'web', '', 'TCP', '10.244.2.4', 5000), 'KUBE-SEP-YKCVWC526WUJAZ43');
  assert.equal(servicePortName('shop', 'catalog', 'http'), 'shop/catalog:http');
  assert.match(kubeProxyHash(''), /^[A-Z2-7]{16}$/);
});

test('webRequests reads who asked for what, IPv4 and IPv6, and skips other lines', () => {
  const log = [
    '2026/12/06 19:09:15 kubelab/web 1.0 listening on :5000 (pod far)',
    '2026/12/06 19:09:18 GET /api/v1/info from 10.244.2.3:48400',
    '2026/12/06 19:09:19 GET / from [::1]:40000',
    '2026/12/06 19:09:20 POST /x from 127.0.0.1:1',
  ].join('\n');
  assert.deepEqual(webRequests(log), [
    { method: 'GET', path: '/api/v1/info', from: '10.244.2.3' },
    { method: 'GET', path: '/', from: '::1' },
    { method: 'POST', path: '/x', from: '127.0.0.1' },
  ]);
});
