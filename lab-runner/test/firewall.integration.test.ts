/**
 * The host firewall for lab networks on real clusters (issue 8: "from A's toolbox and from A's pods, the lab
 * server, the host's other ports and B's cluster network are unreachable"). Two clusters, A and B, made through the
 * provider (their bridges are kl-<hash>); on the host, a stand-in for a workshop lab server listening on every
 * address, another service on another port, and a "LAN" service on a private address outside Docker (a network
 * namespace behind a veth pair, 10.123.0.2). From A's toolbox and from a pod in A: the lab server's port (through A's
 * gateway, the host's main address and B's gateway), the other port, the LAN service, cloud metadata, B's node and
 * a LoadBalancer Service's external IP in B (MetalLB, on B's network) are unreachable; A's own API server, DNS names
 * inside A and the host's own resolver still work, and the host still reaches A's API server, a NodePort in A and
 * a LoadBalancer Service's external IP in A. The rules are installed as `npm run setup` installs them (they stay
 * installed). Needs root (iptables, ip netns); skipped otherwise.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { networkInterfaces } from 'node:os';
import { run } from '@kubelab/kit/exec';
import { ensureRules, execStatus, families, firewallRules, forwardHookOf, hostNameservers, offlineMode } from '@kubelab/kit/firewall';
import { isRoot, labBridgeName } from '@kubelab/kit/host';
import { createTestCluster, inToolbox, leftovers, testProvider, type TestCluster } from './cluster-fixture.ts';

const canRun = process.platform === 'linux' && isRoot();
/** CI proves the firewall: there a run that cannot probe it fails instead of skipping (a skip would show green). */
const mustRun = Boolean(process.env['CI']);
const provider = testProvider();

/** The "LAN": a network namespace with 10.123.0.2, reached from the host through a veth pair. */
const LAN = { netns: 'kubelab-fwtest', hostSide: 'klfwtest0', address: '10.123.0.2', port: 8080 };

let a: TestCluster | undefined;
let b: TestCluster | undefined;
let labServer: http.Server | undefined;
let otherService: http.Server | undefined;
let lanServer: ChildProcess | undefined;
const ports = { labServer: 0, other: 0 };
/** The external IP MetalLB gave a LoadBalancer Service in B. */
let loadBalancerB = '';
const timings: Record<string, number> = {};

function listen(answer: string): Promise<{ server: http.Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = http.createServer((_request, response) => response.end(answer));
    server.on('error', reject);
    // Every address, as a workshop lab server (HOST=0.0.0.0) and many host daemons listen.
    server.listen(0, '0.0.0.0', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

const gatewayOf = async (network: string): Promise<string> =>
  (await run(['docker', 'network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', network])).stdout.trim();

/** This host's main IPv4 address (not loopback, not a Docker or lab bridge). */
function hostAddress(): string | undefined {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (/^(lo|docker|br-|kl-|veth|klfw)/.test(name)) continue;
    const v4 = addresses?.find((address) => address.family === 'IPv4' && !address.internal);
    if (v4) return v4.address;
  }
  return undefined;
}

/**
 * A bash script that tries a TCP connection to each target (3 s each, all at once) and prints "<name> open" or "<name> closed",
 * so one `docker exec` or one pod answers for all of them.
 */
function probeScript(targets: Record<string, string>): string {
  return Object.entries(targets)
    .map(([name, target]) => {
      const [host, port] = [target.slice(0, target.lastIndexOf(':')), target.slice(target.lastIndexOf(':') + 1)];
      return `(if timeout 3 bash -c 'exec 3<>/dev/tcp/${host}/${port}' 2>/dev/null; then echo "${name} open"; else echo "${name} closed"; fi) &`;
    })
    .concat('wait')
    .join('\n');
}

/** The HTTP status of a GET from the host, retried until one comes or `timeoutMs` passes (then 0). */
async function getStatus(url: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await new Promise<number>((resolve) => {
      http.get(url, { timeout: 3000 }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', () => resolve(0)).on('timeout', function (this: http.ClientRequest) { this.destroy(); });
    });
    if (status > 0 || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const parse = (output: string): Record<string, string> => Object.fromEntries(output.trim().split('\n').map((line) => line.trim().split(' ') as [string, string]));

async function setUpLan(): Promise<void> {
  await tearDownLan();
  const ip = (...args: string[]) => run(['ip', ...args]);
  await ip('netns', 'add', LAN.netns);
  await ip('link', 'add', LAN.hostSide, 'type', 'veth', 'peer', 'name', 'klfwtest1');
  await ip('link', 'set', 'klfwtest1', 'netns', LAN.netns);
  await ip('addr', 'add', '10.123.0.1/24', 'dev', LAN.hostSide);
  await ip('link', 'set', LAN.hostSide, 'up');
  await ip('netns', 'exec', LAN.netns, 'ip', 'addr', 'add', `${LAN.address}/24`, 'dev', 'klfwtest1');
  await ip('netns', 'exec', LAN.netns, 'ip', 'link', 'set', 'klfwtest1', 'up');
  await ip('netns', 'exec', LAN.netns, 'ip', 'link', 'set', 'lo', 'up');
  lanServer = spawn('ip', ['netns', 'exec', LAN.netns, process.execPath, '-e', `require('node:http').createServer((q, r) => r.end('lan')).listen(${LAN.port}, '${LAN.address}')`], { stdio: 'ignore' });
  // The host reaches it: the service is up and the test is about the labs, not the veth.
  const deadline = Date.now() + 10_000;
  while ((await execStatus(['timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${LAN.address}/${LAN.port}`])).code !== 0) {
    if (Date.now() > deadline) throw new Error('the LAN stand-in did not come up');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function tearDownLan(): Promise<void> {
  lanServer?.kill();
  await execStatus(['ip', 'link', 'del', LAN.hostSide]);
  await execStatus(['ip', 'netns', 'del', LAN.netns]);
}

describe('the host firewall on real clusters', { skip: canRun || mustRun ? false : 'needs root on Linux (iptables, ip netns)' }, () => {
  before(async () => {
    assert.ok(canRun, 'CI must prove the host firewall: run the tests as root on Linux (iptables, ip netns)');
    let began = performance.now();
    // As `npm run setup` installs them (idempotent: already there after setup).
    for (const family of families()) {
      await ensureRules(execStatus, firewallRules(family, { offline: offlineMode(), nameservers: hostNameservers() }, await forwardHookOf(execStatus, family)));
    }
    timings['install rules'] = performance.now() - began;
    const lab = await listen('lab server');
    const other = await listen('another host service');
    labServer = lab.server;
    otherService = other.server;
    ports.labServer = lab.port;
    ports.other = other.port;
    await setUpLan();
    began = performance.now();
    [a, b] = await Promise.all([createTestCluster(provider, 'single', 'fwa'), createTestCluster(provider, 'single', 'fwb')]);
    timings['two clusters'] = performance.now() - began;
    began = performance.now();
    loadBalancerB = await serveWebBehindLoadBalancer(b);
    // B's own host reaches it: the probes from A below fail because of the isolation, not of MetalLB.
    assert.equal(await getStatus(`http://${loadBalancerB}/`, 60_000), 200, `the host reaches B's LoadBalancer at ${loadBalancerB}`);
    timings['a LoadBalancer in B'] = performance.now() - began;
  });

  after(async () => {
    await Promise.allSettled([a?.dispose(), b?.dispose()]);
    labServer?.close();
    otherService?.close();
    await tearDownLan();
    for (const c of [a, b]) if (c) assert.deepEqual(await leftovers(c.cluster.name), [], `${c.cluster.name} left nothing behind`);
    process.stderr.write(`  firewall integration timings: ${Object.entries(timings).map(([what, ms]) => `${what} ${(ms / 1000).toFixed(1)} s`).join(', ')}\n`);
  });

  /** kubelab/web in `c`, exposed as a LoadBalancer Service `web` (port 80 → 5000); resolves with its external IP. */
  async function serveWebBehindLoadBalancer(c: TestCluster): Promise<string> {
    await c.kubectl(['create', 'deployment', 'web', '--image=kubelab/web:1.0', '--port=5000']);
    await c.kubectl(['patch', 'deployment', 'web', '--type=json', '-p', '[{"op":"add","path":"/spec/template/spec/containers/0/imagePullPolicy","value":"Never"}]']);
    await c.kubectl(['expose', 'deployment', 'web', '--type=LoadBalancer', '--port=80', '--target-port=5000']);
    await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    await c.kubectl(['wait', '--for=jsonpath={.status.loadBalancer.ingress[0].ip}', 'service/web', '--timeout=60s']);
    return (await c.kubectl(['get', 'service', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim();
  }

  /** What A's containers must not reach, and what they must. */
  async function targets(): Promise<{ blocked: Record<string, string>; allowed: Record<string, string> }> {
    const gatewayA = await gatewayOf(a!.cluster.network);
    const gatewayB = await gatewayOf(b!.cluster.network);
    const main = hostAddress();
    const nodeB = b!.cluster.nodes[0]!.address;
    const blocked: Record<string, string> = {
      'lab-server-via-A-gateway': `${gatewayA}:${ports.labServer}`,
      'lab-server-via-B-gateway': `${gatewayB}:${ports.labServer}`,
      'other-host-port': `${gatewayA}:${ports.other}`,
      'lan-service': `${LAN.address}:${LAN.port}`,
      'B-node-api-server': `${nodeB}:6443`,
      'B-node-kubelet': `${nodeB}:10250`,
      'B-load-balancer': `${loadBalancerB}:80`,
      metadata: '169.254.169.254:80',
    };
    if (main) blocked['lab-server-via-host-address'] = `${main}:${ports.labServer}`;
    const resolver = hostNameservers().find((address) => !address.includes(':'));
    const allowed: Record<string, string> = { 'A-api-server': `${a!.cluster.nodes[0]!.address}:6443` };
    if (resolver) allowed['host-dns-resolver'] = `${resolver}:53`;
    return { blocked, allowed };
  }

  test('the lab networks are kl- bridges, which the rules match', async () => {
    for (const c of [a!, b!]) {
      const bridge = (await run(['docker', 'network', 'inspect', '--format', '{{index .Options "com.docker.network.bridge.name"}}', c.cluster.network])).stdout.trim();
      assert.equal(bridge, labBridgeName(c.cluster.name));
      assert.match(bridge, /^kl-[0-9a-f]{12}$/);
    }
    // Without the firewall the host and the LAN answer: the probes below fail because of it, not of the test.
    const host = await execStatus(['timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${await gatewayOf(a!.cluster.network)}/${ports.labServer}`]);
    assert.equal(host.code, 0, "the host reaches its own lab server on A's gateway address");
  });

  test("from A's toolbox: the host, the LAN, metadata and B are unreachable; A's API server, DNS inside A and the host's resolver work", async () => {
    const began = performance.now();
    const { container } = await provider.startToolbox(a!.cluster.name);
    const { blocked, allowed } = await targets();
    const exec = (script: string) => run(['docker', 'exec', container, 'bash', '-c', script]);
    const results = parse((await exec(probeScript({ ...blocked, ...allowed }))).stdout);
    for (const name of Object.keys(blocked)) assert.equal(results[name], 'closed', `toolbox → ${name} (${blocked[name]}) must be unreachable`);
    for (const name of Object.keys(allowed)) assert.equal(results[name], 'open', `toolbox → ${name} (${allowed[name]}) must work`);
    // Its kubeconfig reaches A's API server; Docker's embedded DNS names A's node.
    assert.match((await exec('kubectl get --raw /readyz')).stdout, /^ok/);
    assert.match((await exec(`getent hosts ${a!.cluster.nodes[0]!.name}`)).stdout, new RegExp(a!.cluster.nodes[0]!.address.replaceAll('.', '\\.')));
    timings['toolbox probes'] = performance.now() - began;
  });

  test('from a pod in A: the same are unreachable; cluster DNS and the API server work', async () => {
    const began = performance.now();
    const { blocked, allowed } = await targets();
    const script = `${probeScript({ ...blocked, ...allowed, 'A-kubernetes-service': 'kubernetes.default.svc.cluster.local:443' })}\ngetent hosts kubernetes.default.svc.cluster.local >/dev/null && echo "cluster-dns open" || echo "cluster-dns closed"`;
    const results = parse(await inToolbox(a!, 'default', script));
    for (const name of Object.keys(blocked)) assert.equal(results[name], 'closed', `pod → ${name} (${blocked[name]}) must be unreachable`);
    for (const name of [...Object.keys(allowed), 'A-kubernetes-service', 'cluster-dns']) assert.equal(results[name], 'open', `pod → ${name} must work`);
    timings['pod probes'] = performance.now() - began;
  });

  test('the host still reaches A: its API server (published on 127.0.0.1), a NodePort and a LoadBalancer IP', async () => {
    assert.match(await a!.kubectl(['get', '--raw', '/readyz']), /^ok/);
    // A LoadBalancer Service is a NodePort Service too: one Service answers both ways.
    const loadBalancer = await serveWebBehindLoadBalancer(a!);
    const nodePort = (await a!.kubectl(['get', 'service', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}'])).trim();
    for (const url of [`http://${a!.cluster.nodes[0]!.address}:${nodePort}/`, `http://${loadBalancer}/`]) {
      const status = await getStatus(url, 60_000);
      assert.ok(status > 0 && status < 500, `the host could not reach ${url} (${status || 'no answer'})`);
    }
  });
});
