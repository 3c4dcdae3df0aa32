/**
 * The kind provider against real clusters: everything a lesson relies on (DNS, Services, NodePorts, LoadBalancers,
 * Ingress, storage, NetworkPolicy, Helm) works in a freshly created cluster, and deleting it leaves nothing behind.
 * Needs `npm run setup` to have run (npm test does that first).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { parse } from 'yaml';
import { KindProvider } from '../providers/kind/provider.ts';
import { EventStatus } from '@kubelab/kit/status';
import { run } from '@kubelab/kit/exec';
import { inRange } from '@kubelab/kit/firewall';
import { nodeImageStoreMount } from '@kubelab/kit/artifacts';
import { loadBalancerRange } from '../providers/kind/load-balancer.ts';
import { createTestCluster, inToolbox, leftovers, testProvider, type TestCluster } from './cluster-fixture.ts';

const provider = testProvider();
const chartDir = fileURLToPath(new URL('./fixtures/web-chart/', import.meta.url));

const webApp = (namespace: string, replicas = 1, extraSpec = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${namespace} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:${extraSpec}
      containers:
        - name: web
          image: kubelab/web:1.0
          imagePullPolicy: Never
          ports: [{ containerPort: 5000 }]
          readinessProbe: { httpGet: { path: /api/v1/health, port: 5000 }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${namespace} }
spec:
  selector: { app: web }
  ports: [{ port: 5000, targetPort: 5000 }]
`;

function getWithHost(url: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { host }, timeout: 3000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${response.statusCode}: ${body.trim()}`))));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

/** A GET's body over a connection of its own, closed afterwards; rejects on anything but HTTP 200. */
function getOnNewConnection(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: 3000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${response.statusCode}`))));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

async function waitFor<T>(what: string, attempt: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await attempt();
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000}s: ${last instanceof Error ? last.message : last}`);
}

/**
 * Exposes the Deployment web of `namespace` as a LoadBalancer Service `web-lb` (port 80 → 5000) and waits for its
 * external IP, which must lie in the pool at the top of the cluster network's subnet.
 */
async function exposeLoadBalancer(c: TestCluster, namespace: string): Promise<string> {
  await c.kubectl(['-n', namespace, 'expose', 'deployment', 'web', '--name=web-lb', '--type=LoadBalancer', '--port=80', '--target-port=5000']);
  const ip = await waitFor('an external IP (MetalLB)', async () => {
    const found = (await c.kubectl(['-n', namespace, 'get', 'service', 'web-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim();
    if (!found) throw new Error('EXTERNAL-IP still <pending>');
    return found;
  }, 60_000);
  const subnet = (await run(['docker', 'network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}}{{"\\n"}}{{end}}', c.cluster.network])).stdout.split('\n').find((s) => /^\d+\.[\d.]+\/\d+$/.test(s.trim()))!.trim();
  const pool = loadBalancerRange(subnet);
  const number = (address: string) => address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
  assert.ok(inRange(ip, subnet) && number(ip) >= number(pool.first) && number(ip) <= number(pool.last), `${ip} is in the pool ${pool.first}-${pool.last} of ${subnet}`);
  return ip;
}

describe('single-node cluster', { timeout: 1_800_000 }, () => {
  let c: TestCluster;
  const ns = 'it';

  before(async () => {
    c = await createTestCluster(provider, 'single', 'single');
    await c.kubectl(['create', 'namespace', ns]);
    await c.kubectl(['apply', '-f', '-'], webApp(ns));
    await c.kubectl(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=180s']);
  });

  after(async () => {
    if (!c) return;
    const name = c.cluster.name;
    await c.dispose();
    assert.deepEqual(await leftovers(name), [], 'delete leaves no containers or networks behind');
    assert.equal(existsSync(join(provider.stateDir, name)), false, 'delete removes the stored kubeconfigs');
  });

  test('reports every provisioning step and all nodes Ready', async () => {
    const steps = c.status.events.filter((e) => e.type === 'done').map((e) => e.id);
    assert.ok(steps.includes('create-cluster'));
    assert.ok(steps.includes('wait-ingress'));
    const nodes = JSON.parse(await c.kubectl(['get', 'nodes', '-o', 'json'])).items;
    assert.equal(nodes.length, 1);
    assert.ok(nodes[0].status.conditions.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True'));
  });

  test('the cluster appears in list() with its profile, rebuilt from Docker', async () => {
    const listed = (await new KindProvider().list()).find((x) => x.name === c.cluster.name);
    assert.ok(listed, 'cluster is listed');
    assert.equal(listed.profile, 'single');
    assert.equal(listed.nodes.length, 1);
    assert.match(listed.nodes[0]!.address, /^\d+\.\d+\.\d+\.\d+$/);
  });

  test("the cluster's kubeconfigs are kept private in the state directory, and a restarted provider serves them", async () => {
    const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
    assert.equal(mode(provider.stateDir), '700');
    assert.equal(mode(join(provider.stateDir, c.cluster.name)), '700');
    for (const file of ['external.kubeconfig', 'internal.kubeconfig']) assert.equal(mode(join(provider.stateDir, c.cluster.name, file)), '600', file);
    const restarted = new KindProvider({ stateDir: provider.stateDir });
    const external = await restarted.kubeconfig(c.cluster.name);
    const internal = await restarted.kubeconfig(c.cluster.name, { internal: true });
    assert.equal(external, await provider.kubeconfig(c.cluster.name));
    const server = (text: string) => (parse(text) as { clusters: { cluster: { server: string } }[] }).clusters[0]!.cluster.server;
    assert.match(server(external), /^https:\/\/127\.0\.0\.1:\d+$/, 'the host reaches the API server on loopback');
    assert.equal(server(internal), `https://kubelab-${c.cluster.name}-control-plane:6443`, 'the toolbox reaches it on the cluster network');
  });

  test('health() reports every readiness check as passing', async () => {
    const report = await provider.health(c.cluster.name);
    assert.equal(report.ready, true, JSON.stringify(report.checks));
    assert.equal(report.checks.length, 8);
  });

  test('creating a cluster with a name that exists fails clearly and leaves the existing one alone', async () => {
    await assert.rejects(
      provider.create({ name: c.cluster.name, profile: 'single' }, new EventStatus(), AbortSignal.timeout(60_000)),
      (error: { code?: string; message: string }) => error.code === 'E_CLUSTER_EXISTS' && error.message.includes(c.cluster.name),
    );
    assert.equal((await provider.health(c.cluster.name)).ready, true);
  });

  test('kubelab/web answers {"status":"OK"} through a ClusterIP Service by DNS name from a toolbox pod', async () => {
    const body = await inToolbox(c, ns, `curl -sS --max-time 10 http://web.${ns}.svc.cluster.local:5000/api/v1/health`);
    assert.deepEqual(JSON.parse(body.trim()), { status: 'OK' });
  });

  test('a NodePort Service is reachable from the host through the node container address', async () => {
    await c.kubectl(['-n', ns, 'expose', 'deployment', 'web', '--name=web-np', '--type=NodePort', '--port=5000']);
    const port = JSON.parse(await c.kubectl(['-n', ns, 'get', 'service', 'web-np', '-o', 'json'])).spec.ports[0].nodePort;
    const node = c.cluster.nodes[0]!.address;
    const response = await waitFor('NodePort answers', () => fetch(`http://${node}:${port}/api/v1/health`, { signal: AbortSignal.timeout(3000) }));
    assert.deepEqual(await response.json(), { status: 'OK' });
  });

  test("a LoadBalancer Service gets an external IP on the cluster's network, and the host reaches the app there", async () => {
    const ip = await exposeLoadBalancer(c, ns);
    // From this process, as a client outside the cluster: the host ARPs for the address, and a speaker answers.
    const response = await waitFor('the external IP answers', () => fetch(`http://${ip}/api/v1/health`, { signal: AbortSignal.timeout(3000) }), 60_000);
    assert.deepEqual(await response.json(), { status: 'OK' });
    const pod = (await c.kubectl(['-n', ns, 'get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    assert.equal((await (await fetch(`http://${ip}/`, { signal: AbortSignal.timeout(3000) })).text()).trim(), pod, "the app answers with the serving pod's hostname");
    const events = await c.kubectl(['-n', ns, 'get', 'events', '--field-selector', 'involvedObject.name=web-lb', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    assert.match(events, /IPAllocated/, 'MetalLB says it allocated the address');
  });

  test('an Ingress routed by Traefik is reachable from the host', async () => {
    await c.kubectl(['-n', ns, 'create', 'ingress', 'web', '--rule=web.kubelab.test/*=web:5000']);
    const pod = (await c.kubectl(['-n', ns, 'get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const node = c.cluster.nodes[0]!.address;
    // fetch() silently drops a Host header, so ask with node:http, as a browser resolving web.kubelab.test would.
    const text = await waitFor('Ingress routes', () => getWithHost(`http://${node}:30800/`, 'web.kubelab.test'));
    assert.equal(text.trim(), pod, 'the app answers with the serving pod\'s hostname');
  });

  test('a Gateway API HTTPRoute served by Traefik is reachable from the host', async () => {
    await c.kubectl(['apply', '-f', '-'], `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: web, namespace: ${ns} }
spec:
  gatewayClassName: traefik
  listeners:
    - { name: http, protocol: HTTP, port: 8000 }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: ${ns} }
spec:
  parentRefs: [{ name: web }]
  hostnames: [gw.kubelab.test]
  rules:
    - backendRefs: [{ name: web, port: 5000 }]
`);
    const node = c.cluster.nodes[0]!.address;
    const body = await waitFor('HTTPRoute routes', () => getWithHost(`http://${node}:30800/api/v1/health`, 'gw.kubelab.test'));
    assert.deepEqual(JSON.parse(body), { status: 'OK' });
  });

  test('a PVC binds through the default StorageClass and keeps data', async () => {
    await c.kubectl(['apply', '-f', '-'], `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: ${ns} }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 64Mi } }
---
apiVersion: v1
kind: Pod
metadata: { name: writer, namespace: ${ns} }
spec:
  restartPolicy: Never
  containers:
    - name: writer
      image: kubelab/toolbox:1.0
      imagePullPolicy: Never
      command: [bash, -c, 'echo persisted > /data/file && cat /data/file']
      volumeMounts: [{ name: data, mountPath: /data }]
  volumes: [{ name: data, persistentVolumeClaim: { claimName: data } }]
`);
    await waitFor('PVC bound', async () => {
      const phase = (await c.kubectl(['-n', ns, 'get', 'pvc', 'data', '-o', 'jsonpath={.status.phase}'])).trim();
      if (phase !== 'Bound') throw new Error(`phase ${phase}`);
    }, 180_000);
    await c.kubectl(['-n', ns, 'wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/writer', '--timeout=120s']);
    assert.equal((await c.kubectl(['-n', ns, 'logs', 'writer'])).trim(), 'persisted');
  });

  test('a NetworkPolicy makes a previously working connection fail', async () => {
    const probe = `curl -s -o /dev/null -w '%{http_code}' --max-time 4 http://web.${ns}.svc.cluster.local:5000/api/v1/health || echo failed`;
    assert.equal((await inToolbox(c, ns, probe)).trim(), '200', 'reachable before the policy');
    await c.kubectl(['apply', '-f', '-'], `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-web, namespace: ${ns} }
spec:
  podSelector: { matchLabels: { app: web } }
  policyTypes: [Ingress]
`);
    await waitFor('policy enforced', async () => {
      const result = (await inToolbox(c, ns, probe)).trim();
      if (!result.endsWith('failed') && !result.startsWith('000')) throw new Error(`still answered: ${result}`);
    }, 90_000);
    await c.kubectl(['-n', ns, 'delete', 'networkpolicy', 'deny-web']);
  });

  test('kubectl top nodes works through metrics-server', async () => {
    const nodes = await waitFor('kubectl top nodes', () => c.kubectl(['top', 'nodes', '--no-headers']), 240_000);
    assert.match(nodes, new RegExp(`^${c.cluster.nodes[0]!.name}\\s+\\d+m\\s+`, 'm'));
  });

  test('helm install of a local chart succeeds and its app serves', async () => {
    await c.helm(['install', 'demo', chartDir, '--namespace', 'helm-it', '--create-namespace', '--wait', '--timeout', '180s']);
    const releases = JSON.parse(await c.helm(['list', '--namespace', 'helm-it', '--output', 'json']));
    assert.equal(releases[0]?.status, 'deployed');
    const body = await inToolbox(c, 'helm-it', 'curl -sS --max-time 10 http://demo-web:5000/api/v1/health');
    assert.deepEqual(JSON.parse(body.trim()), { status: 'OK' });
  });
});

describe('multi-node cluster', { timeout: 1_800_000 }, () => {
  let c: TestCluster;

  before(async () => {
    c = await createTestCluster(provider, 'multi', 'multi');
  });

  after(async () => {
    if (!c) return;
    const name = c.cluster.name;
    await c.dispose();
    assert.deepEqual(await leftovers(name), []);
  });

  test('has three Ready nodes: one control plane and two workers', async () => {
    const nodes = JSON.parse(await c.kubectl(['get', 'nodes', '-o', 'json'])).items as {
      metadata: { labels: Record<string, string> };
      status: { conditions: { type: string; status: string }[] };
    }[];
    assert.equal(nodes.length, 3);
    assert.ok(nodes.every((n) => n.status.conditions.some((x) => x.type === 'Ready' && x.status === 'True')));
    assert.equal(nodes.filter((n) => 'node-role.kubernetes.io/control-plane' in n.metadata.labels).length, 1);
  });

  test('its three nodes share the image store read-only: no node can change the images every other cluster runs', async () => {
    assert.equal(c.cluster.nodes.length, 3);
    for (const node of c.cluster.nodes) {
      const write = await run(['docker', 'exec', node.name, 'sh', '-c', `touch ${nodeImageStoreMount}/probe || touch ${nodeImageStoreMount}/snapshots/1/fs/probe`]).then(
        () => '',
        (error: Error) => error.message,
      );
      assert.match(write, /Read-only file system/, `${node.name} could write to the image store`);
    }
  });

  test('pods spread across both workers and reach each other across nodes', async () => {
    await c.kubectl(['create', 'namespace', 'spread']);
    await c.kubectl(['apply', '-f', '-'], webApp('spread', 4, `
      topologySpreadConstraints:
        - { maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, nodeTaintsPolicy: Honor, labelSelector: { matchLabels: { app: web } } }`));
    await c.kubectl(['-n', 'spread', 'rollout', 'status', 'deployment/web', '--timeout=180s']);
    const pods = JSON.parse(await c.kubectl(['-n', 'spread', 'get', 'pods', '-l', 'app=web', '-o', 'json'])).items as {
      spec: { nodeName: string };
      status: { podIP: string };
    }[];
    const workers = new Set(pods.map((p) => p.spec.nodeName));
    assert.equal(workers.size, 2, `pods landed on ${[...workers].join(', ')}`);
    assert.ok([...workers].every((n) => n.includes('worker')));
    // Every pod answers from a toolbox pod, whichever node each of them is on: routes between nodes work.
    const script = pods.map((p) => `curl -sS --max-time 5 http://${p.status.podIP}:5000/api/v1/health || echo "no answer from ${p.status.podIP}"`).join('; ');
    const answers = (await inToolbox(c, 'spread', script)).split('\n').filter((line) => line.trim());
    assert.equal(answers.length, 4);
    for (const answer of answers) assert.deepEqual(JSON.parse(answer), { status: 'OK' });
  });

  test("a LoadBalancer Service's external IP is announced from a worker and reaches pods on both workers", async () => {
    const ip = await exposeLoadBalancer(c, 'spread');
    const pods = new Set((await c.kubectl(['-n', 'spread', 'get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])).trim().split(' '));
    const answered = new Set<string>();
    await waitFor('answers from several pods', async () => {
      // A connection of its own each time (fetch would keep one alive): kube-proxy picks a pod per connection.
      answered.add((await getOnNewConnection(`http://${ip}/`)).trim());
      if (answered.size < 2) throw new Error(`only ${[...answered].join(', ') || 'no pod'} answered so far`);
    }, 60_000);
    for (const name of answered) assert.ok(pods.has(name), `${name} is a pod of web`);
    // kubeadm marks the control plane node.kubernetes.io/exclude-from-external-load-balancers: MetalLB leaves it out.
    const status = JSON.parse(await c.kubectl(['-n', 'metallb-system', 'get', 'servicel2statuses.metallb.io', '-o', 'json'])) as { items: { status?: { node?: string; serviceName?: string } }[] };
    const announcer = status.items.find((s) => s.status?.serviceName === 'web-lb')?.status?.node ?? '';
    assert.match(announcer, /worker/, `announced from ${announcer || 'no node'}`);
  });
});
