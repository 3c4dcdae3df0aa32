import { isIP } from 'node:net';
import { KubelabError } from '@kubelab/kit/errors';

/**
 * LoadBalancer Services, the kind way: MetalLB in L2 mode (its manifest is made by setup, see
 * @kubelab/kit/artifacts metallbManifestPath) hands out addresses from a pool on the cluster's own Docker network,
 * and its speaker answers ARP for them from a node, so the host, and the cluster's toolbox, reach a Service at its
 * external IP like any other address on that network. On a cloud, the cloud's controller does this job.
 */

/** The namespace MetalLB's manifest installs into, and the names of the pool and advertisement Kubelab adds. */
export const metallbNamespace = 'metallb-system';
export const poolName = 'lab-network';

/** The addresses handed to LoadBalancer Services on one cluster network: a first and a last, both included. */
export interface AddressRange {
  first: string;
  last: string;
}

/** How many addresses a pool holds at most: far more Services of type LoadBalancer than a lesson makes. */
const poolSize = 51;

const toNumber = (address: string): number => address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
const toAddress = (value: number): string => [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

/**
 * The pool for a cluster network's IPv4 subnet: addresses at its top, which Docker, handing out container
 * addresses from the bottom up, reaches last. A cluster has a few containers (its nodes and a toolbox), so on
 * the /16 and /20 networks Docker makes by default the pool is never touched: on 172.18.0.0/16 it is
 * 172.18.255.200–172.18.255.250, on 192.168.16.0/20 192.168.31.200–192.168.31.250. Broadcast and the few addresses
 * under it stay free. A network smaller than /24 gets the top quarter of it instead, up to the broadcast address.
 */
export function loadBalancerRange(subnet: string): AddressRange {
  const [base, bitsText] = subnet.split('/');
  const bits = Number(bitsText);
  if (!base || isIP(base) !== 4 || !Number.isInteger(bits) || bits < 8 || bits > 29) {
    throw new KubelabError('E_CLUSTER_NETWORK', `cannot place a load-balancer address pool in the subnet "${subnet}"`, {
      hint: 'Kubelab needs an IPv4 subnet between /8 and /29 for each cluster network (Docker picks /16 or /20 by default): check default-address-pools in /etc/docker/daemon.json.',
    });
  }
  const size = 2 ** (32 - bits);
  const network = Math.floor(toNumber(base) / size) * size;
  const broadcast = network + size - 1;
  const last = size >= 256 ? broadcast - 5 : broadcast - 1;
  const count = Math.min(poolSize, Math.floor(size / 4));
  return { first: toAddress(last - count + 1), last: toAddress(last) };
}

/** The IPv4 subnet of a Docker network, from `docker network inspect --format '{{json .IPAM.Config}}'`. */
export function ipv4Subnet(ipamConfig: string, network: string): string {
  const configs = (JSON.parse(ipamConfig) ?? []) as { Subnet?: string }[];
  const subnet = configs.map((c) => c.Subnet).find((s): s is string => s !== undefined && isIP(s.split('/')[0]!) === 4);
  if (!subnet) throw new KubelabError('E_CLUSTER_NETWORK', `the Docker network ${network} has no IPv4 subnet`, { hint: 'Delete the cluster and create it again; `docker network inspect ' + network + '` shows what Docker made.' });
  return subnet;
}

/** The pool and its L2 advertisement (all nodes, all interfaces but the ones MetalLB excludes by default). */
export function metallbPoolObjects(range: AddressRange): Record<string, unknown>[] {
  const metadata = { name: poolName, namespace: metallbNamespace, labels: { 'app.kubernetes.io/managed-by': 'kubelab' } };
  return [
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata,
      spec: { addresses: [`${range.first}-${range.last}`] },
    },
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata,
      spec: { ipAddressPools: [poolName] },
    },
  ];
}
