import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipv4Subnet, loadBalancerRange, metallbPoolObjects } from '../providers/kind/load-balancer.ts';

test("a cluster network's load balancers come from the top of its subnet, clear of Docker's addresses and broadcast", () => {
  // Docker's defaults: 172.17–31.0.0/16, then 192.168.x.0/20.
  assert.deepEqual(loadBalancerRange('172.18.0.0/16'), { first: '172.18.255.200', last: '172.18.255.250' });
  assert.deepEqual(loadBalancerRange('192.168.16.0/20'), { first: '192.168.31.200', last: '192.168.31.250' });
  assert.deepEqual(loadBalancerRange('10.10.7.0/24'), { first: '10.10.7.200', last: '10.10.7.250' });
  // A base address with host bits set is the same network.
  assert.deepEqual(loadBalancerRange('172.18.3.4/16'), { first: '172.18.255.200', last: '172.18.255.250' });
  // Small networks: the top quarter, up to the address below broadcast.
  assert.deepEqual(loadBalancerRange('10.0.0.64/26'), { first: '10.0.0.111', last: '10.0.0.126' });
  assert.deepEqual(loadBalancerRange('10.0.0.0/29'), { first: '10.0.0.5', last: '10.0.0.6' });
});

test('a subnet no pool fits in is refused with what to change', () => {
  for (const subnet of ['fd00::/64', '10.0.0.0/30', '10.0.0.0', 'nonsense/16', '10.0.0.0/4']) {
    assert.throws(() => loadBalancerRange(subnet), (error: Error & { code?: string; hint?: string }) => error.code === 'E_CLUSTER_NETWORK' && /default-address-pools/.test(error.hint ?? ''), subnet);
  }
});

test("the IPv4 subnet is read from docker network inspect's IPAM config, an IPv6 one beside it ignored", () => {
  assert.equal(ipv4Subnet('[{"Subnet":"fc00:f853:ccd:e793::/64"},{"Subnet":"172.19.0.0/16","Gateway":"172.19.0.1"}]\n', 'kubelab-a'), '172.19.0.0/16');
  assert.throws(() => ipv4Subnet('[{"Subnet":"fc00::/64"}]', 'kubelab-a'), /kubelab-a has no IPv4 subnet/);
  assert.throws(() => ipv4Subnet('null', 'kubelab-a'), /no IPv4 subnet/);
});

test('the pool and its L2 advertisement name each other, in MetalLB’s namespace', () => {
  const [pool, advertisement] = metallbPoolObjects({ first: '172.18.255.200', last: '172.18.255.250' }) as { kind: string; metadata: { name: string; namespace: string }; spec: Record<string, string[]> }[];
  assert.equal(pool!.kind, 'IPAddressPool');
  assert.deepEqual(pool!.spec['addresses'], ['172.18.255.200-172.18.255.250']);
  assert.equal(advertisement!.kind, 'L2Advertisement');
  assert.deepEqual(advertisement!.spec['ipAddressPools'], [pool!.metadata.name]);
  assert.equal(pool!.metadata.namespace, 'metallb-system');
  assert.equal(advertisement!.metadata.namespace, 'metallb-system');
});
