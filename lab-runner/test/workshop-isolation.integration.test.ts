/**
 * A workshop's learner is not cluster-admin (issue 8, security review C2, H3, H7, M3): on a learner-mode cluster,
 * with the credential the toolbox holds, nothing privileged ever RUNS, and the ordinary things the course needs
 * still work. Every refusal is followed by a look, as admin, at what exists and what runs: a command that printed
 * an error proves nothing by itself (a Deployment is accepted and its pods are refused later, for instance).
 *
 * The cluster is made as a workshop server makes it (KindProvider with node limits, access learner) and the
 * namespace reconciler runs as the lab server runs it, through an Environment. The learner types in its toolbox:
 * every learner command here is `docker exec` into the toolbox, with the kubeconfig it was given.
 *
 * KUBELAB_TEST_ACCESS=admin runs the same file on an admin-mode cluster (no hardening): then it must fail, which
 * shows that it tests the hardening and not the test. Needs `npm run setup`; one cluster, about 3 minutes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { parse } from 'yaml';
import { run } from '@kubelab/kit/exec';
import { labBridgeName } from '@kubelab/kit/host';
import type { ClusterAccess } from '../providers/provider.ts';
import { toolboxContainerName } from '../providers/kind/toolbox.ts';
import { learnerCpuShares, learnerGroup, learnerUser, systemNamespaces } from '../providers/workshop.ts';
import { Environment } from '../sessions/environment.ts';
import { profileDefaults } from '../config.ts';
import { createTestCluster, testProvider, type TestCluster } from './cluster-fixture.ts';

const access: ClusterAccess = process.env.KUBELAB_TEST_ACCESS === 'admin' ? 'admin' : 'learner';
// A workshop server's own node limits. With 2048 MiB (less than a node's own use plus one namespace's quota, see
// config.ts), its CoreDNS was still not ready after 300 s in two full runs of 2026-12-07.
const limits = { memoryMiB: profileDefaults.workshop.nodeMemoryMiB, cpus: profileDefaults.workshop.nodeCpus, pids: profileDefaults.workshop.nodePids };
// Not an idle CPU class: npm test runs this beside other suites' clusters (noisy-neighbour.integration.test.ts proves the class).
const provider = testProvider({ nodeLimits: limits, idleNodes: false });
const log = Fastify({ logger: false }).log;
/** Every object an attack makes carries this label, so what is left of the attacks can be listed afterwards. */
const attackLabel = 'kubelab.test/attack';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** A command in the learner's toolbox; never throws, so the test can look at what happened. */
async function inToolbox(name: string, argv: string[], input?: string): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(['docker', 'exec', '-i', toolboxContainerName(name), ...argv], { input });
    return { ok: true, stdout, stderr };
  } catch (error) {
    return { ok: false, stdout: '', stderr: error instanceof Error ? error.message : String(error) };
  }
}

async function waitFor<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000}s${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
}

interface PodSpec {
  hostPID?: boolean;
  hostIPC?: boolean;
  hostNetwork?: boolean;
  volumes?: { name?: string; hostPath?: unknown }[];
  containers: { securityContext?: { privileged?: boolean } }[];
}

const pod = (name: string, namespace: string, spec: Partial<PodSpec> & { container?: Record<string, unknown> }) => {
  const { container, ...rest } = spec;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { [attackLabel]: name } },
    spec: {
      ...rest,
      containers: [{ name: 'c', image: 'kubelab/toolbox:1.0', imagePullPolicy: 'Never', command: ['sleep', 'infinity'], ...container }],
    },
  });
};

describe(`a workshop learner (${access}-mode cluster)`, { timeout: 1_800_000 }, () => {
  let c: TestCluster;
  let name = '';
  let controlPlane = '';
  let environment: Environment | undefined;

  /** kubectl as the learner, in its toolbox. */
  const learner = (args: string[], input?: string) => inToolbox(name, ['kubectl', ...args], input);
  /** kubectl as admin, from the host (the lab-runner's kubeconfig). */
  const admin = (args: string[], input?: string) => c.kubectl(args, input);
  const json = async <T = Record<string, unknown>>(args: string[]): Promise<T> => JSON.parse(await admin([...args, '-o', 'json'])) as T;

  /** Every pod in the cluster, as admin sees them. */
  const allPods = async () =>
    (await json<{ items: { metadata: { name: string; namespace: string; labels?: Record<string, string> }; spec: PodSpec; status: { phase?: string } }[] }>(['get', 'pods', '-A'])).items;

  /**
   * What must hold after every attack: no pod of any attack exists, and no pod outside the namespaces Pod
   * Security exempts (the system's own DaemonSets live there) is privileged or uses the host's PID, IPC or
   * network namespace or a hostPath volume.
   */
  async function nothingPrivilegedRuns(): Promise<void> {
    const pods = await allPods();
    const attacks = pods.filter((p) => p.metadata.labels?.[attackLabel]);
    assert.deepEqual(attacks.map((p) => `${p.metadata.namespace}/${p.metadata.name} (${p.status.phase})`), [], 'no attack pod exists');
    const exempt = ['kube-system', 'local-path-storage', 'metallb-system'];
    const privileged = pods
      .filter((p) => !exempt.includes(p.metadata.namespace))
      .filter((p) => p.spec.hostPID || p.spec.hostIPC || p.spec.hostNetwork || p.spec.volumes?.some((v) => v.hostPath) || p.spec.containers.some((x) => x.securityContext?.privileged))
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    assert.deepEqual(privileged, [], 'no privileged or host-namespace pod outside the exempt system namespaces');
  }

  /** The learner's attempt is refused, and says why in words matching `why` (stderr of kubectl). */
  function refused(outcome: Outcome, why: RegExp, what: string): void {
    assert.equal(outcome.ok, false, `${what} was accepted: ${outcome.stdout}${outcome.stderr}`);
    assert.match(outcome.stderr, why, what);
  }

  before(async () => {
    c = await createTestCluster(provider, 'single', 'wsiso', access);
    name = c.cluster.name;
    controlPlane = `kubelab-${name}-control-plane`;
    // As a lab server does when a session takes the cluster: the environment starts the namespace reconciler.
    environment = new Environment(name, provider, log);
    await environment.startToolbox();
    if (access === 'learner') await waitFor('the namespace reconciler', async () => (environment!.reconcilingNamespaces ? true : undefined), 30_000, 100);
  });

  after(async () => {
    environment?.dispose();
    if (c) await c.dispose();
  });

  test('the toolbox holds the learner kubeconfig and no admin credential', async () => {
    const who = await inToolbox(name, ['kubectl', 'auth', 'whoami', '-o', 'json']);
    assert.ok(who.ok, who.stderr);
    const info = (JSON.parse(who.stdout) as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo;
    assert.equal(info.username, learnerUser);
    assert.ok(info.groups.includes(learnerGroup), info.groups.join(', '));
    assert.ok(!info.groups.includes('system:masters') && !info.groups.includes('kubeadm:cluster-admins'), info.groups.join(', '));
    assert.equal((await inToolbox(name, ['ls', '-A', '/root/.kube'])).stdout.trim(), 'config');

    // The admin's client key, as the kubeconfig holds it (base64) and as PEM: in no file of the toolbox. (Pieces
    // from the middle: every key's base64 starts with the same PEM header.)
    const admin = parse(readFileSync(join(provider.stateDir, name, 'external.kubeconfig'), 'utf8')) as { users: { user: Record<string, string> }[] };
    const keyData = admin.users[0]!.user['client-key-data']!;
    const pemLine = Buffer.from(keyData, 'base64').toString('utf8').split('\n')[2]!;
    const found = await inToolbox(name, ['grep', '-rlF', '-e', keyData.slice(200, 264), '-e', pemLine, '/', '--exclude-dir=proc', '--exclude-dir=sys', '--exclude-dir=dev']);
    assert.equal(found.stdout.trim(), '', `the admin key is in ${found.stdout}`);
  });

  test('the toolbox is hardened: read-only root, tmpfs home, 1 CPU, swap pinned, no NET_RAW, nofile 4096, its output log rotated; a restarted one gets its kubeconfig again', async () => {
    const container = toolboxContainerName(name);
    const [info] = JSON.parse((await run(['docker', 'inspect', container])).stdout) as {
      HostConfig: { ReadonlyRootfs: boolean; Tmpfs: Record<string, string>; CapAdd: string[]; NanoCpus: number; Memory: number; MemorySwap: number; PidsLimit: number; Ulimits: { Name: string; Soft: number; Hard: number }[]; LogConfig: { Type: string; Config: Record<string, string> } };
    }[];
    const host = info!.HostConfig;
    assert.equal(host.ReadonlyRootfs, true);
    assert.match(host.Tmpfs['/root'] ?? '', /mode=0700/);
    assert.ok('/tmp' in host.Tmpfs);
    assert.ok(!host.CapAdd.some((cap) => /NET_RAW/.test(cap)), host.CapAdd.join(', '));
    assert.equal(host.NanoCpus, 1e9);
    assert.ok(host.Memory > 0 && host.MemorySwap === host.Memory, `memory ${host.Memory}, swap ${host.MemorySwap}`);
    assert.equal(host.PidsLimit, 1024);
    assert.deepEqual(host.Ulimits.find((u) => u.Name === 'nofile'), { Name: 'nofile', Soft: 4096, Hard: 4096 });
    assert.equal((await inToolbox(name, ['touch', '/usr/local/bin/x'])).ok, false, 'the root filesystem is read-only');
    // A learner can write to the toolbox's own output (/proc/1/fd/1), which dockerd keeps on the host's disk.
    assert.deepEqual(host.LogConfig, { Type: 'json-file', Config: { 'max-file': '3', 'max-size': '10m' } });

    await run(['docker', 'stop', '--time', '1', container]);
    await provider.startToolbox(name);
    const who = await inToolbox(name, ['kubectl', 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(who.stdout.trim(), access === 'learner' ? learnerUser : 'kubernetes-admin', 'the fresh tmpfs home got the kubeconfig again');
  });

  test('node containers carry the configured limits and the learner CPU weight; the network has its kl- bridge', async () => {
    for (const node of c.cluster.nodes) {
      const [info] = JSON.parse((await run(['docker', 'inspect', node.name])).stdout) as { HostConfig: { Memory: number; MemorySwap: number; PidsLimit: number; NanoCpus: number; CpuShares: number } }[];
      assert.deepEqual(
        { memory: info!.HostConfig.Memory, swap: info!.HostConfig.MemorySwap, pids: info!.HostConfig.PidsLimit, cpus: info!.HostConfig.NanoCpus, shares: info!.HostConfig.CpuShares },
        { memory: limits.memoryMiB * 1024 * 1024, swap: limits.memoryMiB * 1024 * 1024, pids: limits.pids, cpus: limits.cpus * 1e9, shares: learnerCpuShares },
        node.name,
      );
    }
    const toolbox = (await run(['docker', 'inspect', '--format', '{{.HostConfig.CpuShares}}', toolboxContainerName(name)])).stdout.trim();
    assert.equal(Number(toolbox), learnerCpuShares, "the toolbox's CPU weight is a learner's too");
    const options = JSON.parse((await run(['docker', 'network', 'inspect', '--format', '{{json .Options}}', c.cluster.network])).stdout) as Record<string, string>;
    assert.equal(options['com.docker.network.bridge.name'], labBridgeName(name));
    assert.ok(existsSync(`/sys/class/net/${labBridgeName(name)}`), 'the bridge exists on the host under that name');
  });

  test('the kubelet is hardened (seccompDefault, podPidsLimit, disk eviction) and a pod gets a seccomp filter', async () => {
    const config = JSON.parse(await admin(['get', '--raw', `/api/v1/nodes/${controlPlane}/proxy/configz`])).kubeletconfig as Record<string, unknown>;
    assert.equal(config.seccompDefault, true);
    assert.equal(config.podPidsLimit, 1024);
    assert.equal((config.evictionHard as Record<string, string>)['nodefs.available'], '10%');
    await learner(['run', 'seccomp-probe', '--restart=Never', '--image=kubelab/toolbox:1.0', '--image-pull-policy=Never', '--', 'sh', '-c', 'grep Seccomp: /proc/self/status']);
    await waitFor('the probe pod ends', async () => ((await admin(['get', 'pod', 'seccomp-probe', '-o', 'jsonpath={.status.phase}'])).trim() === 'Succeeded' ? true : undefined));
    assert.match(await admin(['logs', 'seccomp-probe']), /Seccomp:\s+2/, 'mode 2: a seccomp filter');
    await admin(['delete', 'pod', 'seccomp-probe', '--wait=false']);
  });

  test('a privileged pod never runs: not directly, not through a Deployment, not in a namespace the learner makes', async () => {
    refused(await learner(['create', '-f', '-'], pod('priv', 'default', { container: { securityContext: { privileged: true } } })), /PodSecurity|forbidden/, 'a privileged pod');
    const deployment = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'priv-deploy', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'priv-deploy' } },
        template: {
          metadata: { labels: { app: 'priv-deploy', [attackLabel]: 'priv-deploy' } },
          spec: { containers: [{ name: 'c', image: 'kubelab/toolbox:1.0', imagePullPolicy: 'Never', command: ['sleep', 'infinity'], securityContext: { privileged: true } }] },
        },
      },
    });
    // The Deployment itself is the learner's to make (with a warning); its pods are what Pod Security refuses.
    await learner(['apply', '-f', '-'], deployment);
    await waitFor('the ReplicaSet reports that it cannot create its pod', async () => {
      const sets = await json<{ items: { status: { conditions?: { type: string }[] } }[] }>(['get', 'replicasets', '-l', 'app=priv-deploy']);
      return sets.items.some((rs) => rs.status.conditions?.some((x) => x.type === 'ReplicaFailure')) ? true : undefined;
    });
    await nothingPrivilegedRuns();
    await admin(['delete', 'deployment', 'priv-deploy', '--ignore-not-found']);

    assert.ok((await learner(['create', 'namespace', 'attacker'])).ok);
    await waitFor('admin in the new namespace', async () => ((await learner(['auth', 'can-i', 'create', 'pods', '-n', 'attacker'])).ok ? true : undefined), 10_000, 100);
    refused(await learner(['create', '-f', '-'], pod('priv', 'attacker', { container: { securityContext: { privileged: true } } })), /PodSecurity/, 'a privileged pod in the learner’s namespace');
    await nothingPrivilegedRuns();
  });

  test('hostPID, hostIPC, hostNetwork and hostPath pods never run', async () => {
    const attempts: [string, Partial<PodSpec> & { container?: Record<string, unknown> }][] = [
      ['host-pid', { hostPID: true }],
      ['host-ipc', { hostIPC: true }],
      ['host-network', { hostNetwork: true }],
      ['host-path', { volumes: [{ name: 'root', hostPath: { path: '/' } }], container: { volumeMounts: [{ name: 'root', mountPath: '/host' }] } }],
    ];
    for (const [id, spec] of attempts) {
      refused(await learner(['create', '-f', '-'], pod(id, 'default', spec)), /PodSecurity/, id);
      refused(await learner(['create', '-f', '-'], pod(id, 'kube-system', spec)), /forbidden/, `${id} in kube-system (exempt from Pod Security)`);
    }
    await nothingPrivilegedRuns();
  });

  test('no namespace gets a Pod Security level below baseline', async () => {
    refused(await learner(['label', 'namespace', 'default', 'pod-security.kubernetes.io/enforce=privileged', '--overwrite']), /baseline or restricted/, 'relabelling default to privileged');
    refused(await learner(['label', 'namespace', 'attacker', 'pod-security.kubernetes.io/enforce=privileged', '--overwrite']), /baseline or restricted/, 'relabelling its own namespace');
    refused(await learner(['label', 'namespace', 'attacker', 'pod-security.kubernetes.io/enforce-version=v1.0', '--overwrite']), /baseline or restricted/, 'pinning an old version');
    const privilegedNs = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'privileged-ns', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
    refused(await learner(['create', '-f', '-'], privilegedNs), /baseline or restricted/, 'a namespace made privileged');
    for (const ns of ['default', 'attacker']) {
      const labels = (await json<{ metadata: { labels?: Record<string, string> } }>(['get', 'namespace', ns])).metadata.labels ?? {};
      assert.equal(labels['pod-security.kubernetes.io/enforce'], undefined, `${ns} keeps the enforced default`);
    }
    assert.equal((await admin(['get', 'namespace', 'privileged-ns', '--ignore-not-found', '-o', 'name'])).trim(), '', 'the privileged namespace does not exist');
    refused(await learner(['delete', 'namespace', 'local-path-storage']), /system namespaces|forbidden/, 'deleting a system namespace');
    assert.ok((await learner(['label', 'namespace', 'attacker', 'pod-security.kubernetes.io/enforce=restricted'])).ok, 'stricter is fine');
  });

  test("MetalLB stays the cluster's: the learner reads its address pool but changes neither it nor its namespace, and gets an external IP from it", async () => {
    const pools = await learner(['-n', 'metallb-system', 'get', 'ipaddresspools', '-o', 'name']);
    assert.ok(pools.ok && /lab-network/.test(pools.stdout), `the learner reads the pool: ${pools.stderr}`);
    const before = await json<{ spec: { addresses: string[] } }>(['-n', 'metallb-system', 'get', 'ipaddresspool', 'lab-network']);
    refused(await learner(['-n', 'metallb-system', 'patch', 'ipaddresspool', 'lab-network', '--type=merge', '-p', '{"spec":{"addresses":["0.0.0.0/0"]}}']), /forbidden/, 'widening the pool');
    refused(await learner(['-n', 'metallb-system', 'delete', 'ipaddresspool', 'lab-network']), /forbidden/, 'deleting the pool');
    const ownPool = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'mine', namespace: 'default', labels: { [attackLabel]: 'pool' } }, spec: { addresses: ['10.0.0.0/8'] } };
    refused(await learner(['create', '-f', '-'], JSON.stringify(ownPool)), /forbidden/, 'a pool of its own, in its own namespace');
    // The policy refuses both (its first failing rule names itself: here its privileged Pod Security labels).
    refused(await learner(['label', 'namespace', 'metallb-system', 'pod-security.kubernetes.io/enforce=baseline', '--overwrite']), /kubelab-learner-guard' denied/, 'relabelling metallb-system');
    refused(await learner(['annotate', 'namespace', 'metallb-system', 'kubelab.test/attack=yes']), /kubelab-learner-guard' denied/, 'annotating metallb-system');
    refused(await learner(['label', 'namespace', 'kube-public', 'kubelab.test/attack=yes']), /system namespaces cannot be changed/, 'labelling a system namespace');
    refused(await learner(['delete', 'namespace', 'metallb-system']), /system namespaces/, 'deleting metallb-system');
    assert.deepEqual((await json<{ spec: { addresses: string[] } }>(['-n', 'metallb-system', 'get', 'ipaddresspool', 'lab-network'])).spec, before.spec, 'the pool is as it was');
    const namespace = await json<{ metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; status: { phase: string } }>(['get', 'namespace', 'metallb-system']);
    assert.equal(namespace.status.phase, 'Active');
    assert.equal(namespace.metadata.annotations?.['kubelab.test/attack'], undefined);
    assert.equal((await admin(['get', 'ipaddresspools', '-A', '-l', attackLabel, '-o', 'name'])).trim(), '', 'no pool of the learner exists');

    // What the course asks of a learner: a LoadBalancer Service, whose external IP the host reaches.
    assert.ok((await learner(['create', 'deployment', 'lb-web', '--image=kubelab/web:1.0', '--port=5000'])).ok);
    assert.ok((await learner(['expose', 'deployment', 'lb-web', '--type=LoadBalancer', '--port=80', '--target-port=5000'])).ok);
    const ip = await waitFor('an external IP', async () => (await admin(['get', 'service', 'lb-web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim() || undefined);
    assert.ok((await learner(['rollout', 'status', 'deployment/lb-web', '--timeout=120s'])).ok);
    const answer = await waitFor(`GET http://${ip}/api/v1/health`, async () => {
      const response = await fetch(`http://${ip}/api/v1/health`, { signal: AbortSignal.timeout(3000) });
      return response.ok ? await response.text() : undefined;
    });
    assert.match(answer, /"status":"OK"/);
    assert.ok((await learner(['delete', 'service,deployment', 'lb-web'])).ok);
  });

  test('the learner-guard policy, its binding and the learner role stay as they are; no cluster-admin binding', async () => {
    refused(await learner(['delete', 'validatingadmissionpolicy', 'kubelab-learner-guard']), /forbidden/, 'deleting the policy');
    refused(await learner(['delete', 'validatingadmissionpolicybinding', 'kubelab-learner-guard']), /forbidden/, 'deleting its binding');
    refused(await learner(['patch', 'validatingadmissionpolicybinding', 'kubelab-learner-guard', '--type=merge', '-p', '{"spec":{"validationActions":["Audit"]}}']), /forbidden/, 'weakening the binding');
    const vap = await json<{ spec: { failurePolicy: string } }>(['get', 'validatingadmissionpolicy', 'kubelab-learner-guard']);
    assert.equal(vap.spec.failurePolicy, 'Fail');
    const binding = await json<{ spec: { validationActions: string[] } }>(['get', 'validatingadmissionpolicybinding', 'kubelab-learner-guard']);
    assert.deepEqual(binding.spec.validationActions, ['Deny']);

    refused(await learner(['create', 'clusterrolebinding', 'mine', '--clusterrole=cluster-admin', `--group=${learnerGroup}`]), /forbidden/, 'binding cluster-admin');
    refused(
      await learner(['patch', 'clusterrole', 'kubelab:learner-cluster', '--type=json', '-p', '[{"op":"add","path":"/rules/-","value":{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}}]']),
      /forbidden/,
      'escalating the learner role',
    );
    assert.equal((await admin(['get', 'clusterrolebinding', 'mine', '--ignore-not-found', '-o', 'name'])).trim(), '');
    const rules = (await json<{ rules: { verbs: string[] }[] }>(['get', 'clusterrole', 'kubelab:learner-cluster'])).rules;
    assert.ok(!rules.some((rule) => rule.verbs.includes('*')), 'no wildcard verb in the learner role');
  });

  test('a CSR cannot be created or approved by the learner, and none is signed', async () => {
    const made = await inToolbox(name, ['sh', '-c', 'cd /tmp && openssl req -new -newkey rsa:2048 -nodes -keyout k.pem -subj "/CN=evil/O=kubeadm:cluster-admins" 2>/dev/null | base64 -w0']);
    assert.ok(made.ok, made.stderr);
    const csr = JSON.stringify({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'evil' },
      spec: { request: made.stdout.trim(), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] },
    });
    refused(await learner(['create', '-f', '-'], csr), /forbidden/, 'creating a CSR');
    await admin(['create', '-f', '-'], csr);
    refused(await learner(['certificate', 'approve', 'evil']), /forbidden/, 'approving a CSR');
    await sleep(3000);
    const status = (await json<{ status: { conditions?: { type: string }[]; certificate?: string } }>(['get', 'csr', 'evil'])).status;
    assert.ok(!status.conditions?.some((x) => x.type === 'Approved'), 'not approved');
    assert.equal(status.certificate, undefined, 'no certificate issued');
    await admin(['delete', 'csr', 'evil']);
  });

  test('no impersonation, no nodes/proxy, no kube-system tokens, no exec into kube-system', async () => {
    for (const as of [['--as=kubernetes-admin'], ['--as=x', '--as-group=system:masters'], ['--as=system:serviceaccount:kube-system:kube-router'], [`--as=system:node:${controlPlane}`, '--as-group=system:nodes']]) {
      const outcome = await learner([...as, 'get', 'secrets', '-n', 'kube-system']);
      refused(outcome, /impersonate/, `impersonating ${as.join(' ')}`);
    }
    for (const path of [`/api/v1/nodes/${controlPlane}/proxy/pods`, `/api/v1/nodes/${controlPlane}/proxy/configz`]) {
      refused(await learner(['get', '--raw', path]), /forbidden/i, `get ${path}`);
    }
    for (const account of ['default', 'kube-router', 'coredns', 'local-path-provisioner-service-account']) {
      const namespace = account.startsWith('local-path') ? 'local-path-storage' : 'kube-system';
      const outcome = await learner(['create', 'token', account, '-n', namespace]);
      refused(outcome, /forbidden/, `a token for ${namespace}/${account}`);
      assert.doesNotMatch(outcome.stdout, /eyJ/, 'no token printed');
    }
    // kube-router: a privileged, host-network pod; exec there would be node root.
    const router = (await admin(['-n', 'kube-system', 'get', 'pods', '-l', 'app=kube-router', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    assert.ok(router, 'kube-router runs');
    const exec = await learner(['exec', '-n', 'kube-system', router, '--', 'id']);
    refused(exec, /forbidden/, 'exec into a kube-system pod');
    assert.doesNotMatch(exec.stdout, /uid=/);
    refused(await learner(['debug', '-n', 'kube-system', router, '--image=kubelab/toolbox:1.0', '--', 'id']), /forbidden/, 'an ephemeral container in kube-system');
    refused(await learner(['get', 'secrets', '-n', 'kube-system']), /forbidden/, 'reading kube-system secrets');
  });

  test("kind's bootstrap token is gone: it authenticates nobody, and no bootstrap token secret is left", async () => {
    const api = `https://${controlPlane}:6443`;
    const status = await inToolbox(name, ['curl', '-sk', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Authorization: Bearer abcdef.0123456789abcdef', `${api}/api/v1/namespaces/kube-system/secrets`]);
    assert.equal(status.stdout.trim(), '401', 'the token is refused');
    const asToken = await inToolbox(name, ['sh', '-c', `: > /tmp/empty && KUBECONFIG=/tmp/empty kubectl --server=${api} --insecure-skip-tls-verify --token=abcdef.0123456789abcdef auth whoami`]);
    refused(asToken, /Unauthorized|unauthorized|must be logged in/, 'kubectl with the bootstrap token');
    const secrets = await admin(['-n', 'kube-system', 'get', 'secrets', '--field-selector', 'type=bootstrap.kubernetes.io/token', '-o', 'name']);
    assert.equal(secrets.trim(), '', 'no bootstrap token secret');
  });

  test('no hostPath or local PersistentVolume is made', async () => {
    const pv = (kind: 'hostPath' | 'local') =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `pv-${kind.toLowerCase()}`, labels: { [attackLabel]: kind } },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          ...(kind === 'hostPath'
            ? { hostPath: { path: '/' } }
            : {
                local: { path: '/' },
                nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'Exists' }] }] } },
              }),
        },
      });
    refused(await learner(['create', '-f', '-'], pv('hostPath')), /forbidden|not allowed/, 'a hostPath PV');
    refused(await learner(['create', '-f', '-'], pv('local')), /forbidden|not allowed/, 'a local PV');
    assert.equal((await admin(['get', 'pv', '-l', attackLabel, '-o', 'name'])).trim(), '', 'no such PV exists');
  });

  test('no CRD with a conversion webhook (the API server would call out to it), while a plain CRD is fine', async () => {
    const crd = (name: string, webhook: boolean) =>
      JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${name}s.attack.kubelab.test`, labels: { [attackLabel]: name } },
        spec: {
          group: 'attack.kubelab.test',
          scope: 'Namespaced',
          names: { plural: `${name}s`, singular: name, kind: name.charAt(0).toUpperCase() + name.slice(1), listKind: `${name.charAt(0).toUpperCase() + name.slice(1)}List` },
          versions: [
            { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
            { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
          ],
          ...(webhook
            ? {
                conversion: {
                  strategy: 'Webhook',
                  webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://10.0.0.1:9443/convert' } },
                },
              }
            : {}),
        },
      });
    refused(await learner(['create', '-f', '-'], crd('hook', true)), /conversion webhooks are not allowed/, 'a CRD with a conversion webhook');
    assert.equal((await admin(['get', 'crd', '-l', `${attackLabel}=hook`, '-o', 'name'])).trim(), '', 'no such CRD exists');
    // The rule is about the webhook, not CRDs: the API lesson has the learner make one.
    const plain = await learner(['create', '-f', '-'], crd('plain', false));
    assert.ok(plain.ok, `a plain CRD is allowed: ${plain.stderr}`);
    await admin(['delete', 'crd', 'plains.attack.kubelab.test', '--wait']);
  });

  test('no PriorityClass near the system ones (a learner pod could preempt the control plane): RBAC first, the policy behind it', async () => {
    const priorityClass = (name: string, value: number) =>
      JSON.stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name, labels: { [attackLabel]: name } }, value });
    // The learner's role has no PriorityClass writes at all.
    refused(await learner(['create', '-f', '-'], priorityClass('above-everyone', 1_000_000_000)), /forbidden/, 'a PriorityClass, by RBAC');
    // Were a binding to slip in (the admin grants one here), the policy still refuses a near-system value.
    const grant = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'attack-priorities' }, rules: [{ apiGroups: ['scheduling.k8s.io'], resources: ['priorityclasses'], verbs: ['create', 'delete'] }] },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'attack-priorities' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'attack-priorities' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: learnerGroup }],
        },
      ],
    });
    await admin(['apply', '-f', '-'], grant);
    try {
      await waitFor('the learner may create PriorityClasses', async () => ((await learner(['auth', 'can-i', 'create', 'priorityclasses'])).stdout.trim() === 'yes' ? true : undefined), 30_000, 500);
      refused(await learner(['create', '-f', '-'], priorityClass('above-everyone', 1_000_000_000)), /priority too high/, 'a PriorityClass of 1000000000');
      refused(await learner(['create', '-f', '-'], priorityClass('just-too-high', 1_000_000)), /priority too high/, 'a PriorityClass of 1000000');
      const ordinary = await learner(['create', '-f', '-'], priorityClass('ordinary', 1000));
      assert.ok(ordinary.ok, `an ordinary priority passes the policy: ${ordinary.stderr}`);
      assert.deepEqual((await admin(['get', 'priorityclass', '-l', attackLabel, '-o', 'name'])).trim().split('\n'), ['priorityclass.scheduling.k8s.io/ordinary'], 'only the ordinary one exists');
    } finally {
      await admin(['delete', 'priorityclass', 'ordinary', '--ignore-not-found']);
      await admin(['delete', 'clusterrolebinding,clusterrole', 'attack-priorities', '--ignore-not-found']);
    }
  });

  test('limits hold in learner namespaces: LimitRange and ResourceQuota (with ephemeral storage) are there and stay', async () => {
    const quota = await json<{ spec: { hard: Record<string, string> } }>(['-n', 'default', 'get', 'resourcequota', 'kubelab-learner']);
    for (const key of ['requests.ephemeral-storage', 'limits.ephemeral-storage', 'pods', 'configmaps', 'secrets']) assert.ok(key in quota.spec.hard, key);
    await json(['-n', 'default', 'get', 'limitrange', 'kubelab-learner']);
    refused(await learner(['-n', 'default', 'delete', 'resourcequota', 'kubelab-learner']), /forbidden/, 'deleting the quota');
    refused(await learner(['-n', 'default', 'delete', 'limitrange', 'kubelab-learner']), /forbidden/, 'deleting the limit range');
    const greedy = pod('greedy', 'default', { container: { resources: { requests: { 'ephemeral-storage': '50Gi' }, limits: { 'ephemeral-storage': '50Gi' } } } });
    refused(await learner(['create', '-f', '-'], greedy), /forbidden|exceeded|maximum/, 'a pod asking for 50Gi of ephemeral storage');
    await nothingPrivilegedRuns();
  });

  test('the learner can do what the course needs: a deployment and a service in default, with the namespace defaults', async () => {
    assert.ok((await learner(['create', 'deployment', 'web', '--image=kubelab/web:1.0', '--replicas=2'])).ok);
    assert.ok((await learner(['expose', 'deployment', 'web', '--port=5000'])).ok);
    const rollout = await learner(['rollout', 'status', 'deployment/web', '--timeout=180s']);
    assert.ok(rollout.ok, rollout.stderr);
    const endpoints = await waitFor('two endpoints', async () => {
      const slices = await json<{ items: { endpoints?: unknown[] }[] }>(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']);
      const count = slices.items.reduce((sum, slice) => sum + (slice.endpoints?.length ?? 0), 0);
      return count === 2 ? count : undefined;
    });
    assert.equal(endpoints, 2);
    const resources = (await json<{ items: { spec: { containers: { resources: { limits?: Record<string, string> } }[] } }[] }>(['get', 'pods', '-l', 'app=web'])).items[0]!.spec.containers[0]!.resources;
    assert.equal(resources.limits?.memory, '256Mi', 'the LimitRange gave the pod its defaults');
  });

  test('a namespace the learner creates is theirs to administer as soon as the watch sees it; system namespaces are not', async () => {
    const began = Date.now();
    assert.ok((await learner(['create', 'namespace', 'team-a'])).ok);
    // Within 10 s: the watch grants it, not the full resync (every 120 s). The latency itself is not asserted here:
    // on a quiet machine it is about a second, but npm test runs this beside two other suites' clusters (load
    // average near 90), where the two docker exec round trips alone took over 5 s.
    await waitFor('admin in team-a', async () => ((await learner(['auth', 'can-i', 'create', 'deployments', '-n', 'team-a'])).ok ? true : undefined), 10_000, 100);
    const elapsed = Date.now() - began;
    process.stderr.write(`  namespace admin granted ${elapsed} ms after kubectl create namespace (including two docker exec round trips)\n`);
    assert.ok((await learner(['-n', 'team-a', 'create', 'deployment', 'web', '--image=kubelab/web:1.0'])).ok);
    const rollout = await learner(['-n', 'team-a', 'rollout', 'status', 'deployment/web', '--timeout=180s']);
    assert.ok(rollout.ok, rollout.stderr);
    for (const kind of ['resourcequota/kubelab-learner']) {
      assert.equal((await admin(['-n', 'team-a', 'get', kind, '-o', 'name'])).trim().split('/')[1], kind.split('/')[1]);
    }
    // etcd revisions are one sequence, and neither object has been written since (the quota has: its status): the
    // LimitRange came before the grant, so no pod of the learner's met the namespace without its defaults.
    const revision = async (kind: string) => Number((await admin(['-n', 'team-a', 'get', kind, '-o', 'jsonpath={.metadata.resourceVersion}'])).trim());
    const [limits, grant] = [await revision('limitrange/kubelab-learner'), await revision('rolebinding/kubelab:learner-admin')];
    assert.ok(limits > 0 && limits < grant, `the LimitRange at revision ${limits}, the RoleBinding at ${grant}`);
    for (const ns of systemNamespaces.filter((n) => n !== 'kubelab-system')) {
      assert.equal((await admin(['-n', ns, 'get', 'rolebinding', 'kubelab:learner-admin', '--ignore-not-found', '-o', 'name'])).trim(), '', `no learner binding in ${ns}`);
      for (const [verb, resource] of [['create', 'pods'], ['get', 'secrets'], ['create', 'pods/exec'], ['create', 'serviceaccounts/token']] as const) {
        assert.equal((await learner(['auth', 'can-i', verb, resource, '-n', ns])).ok, false, `${verb} ${resource} in ${ns}`);
      }
    }
  });

  test('the learner reads nodes and cordons one', async () => {
    const nodes = await learner(['get', 'nodes', '-o', 'name']);
    assert.ok(nodes.ok && nodes.stdout.includes(controlPlane), nodes.stderr);
    assert.ok((await learner(['cordon', controlPlane])).ok);
    assert.equal((await admin(['get', 'node', controlPlane, '-o', 'jsonpath={.spec.unschedulable}'])).trim(), 'true');
    assert.ok((await learner(['uncordon', controlPlane])).ok);
  });

  test('after a lab-runner restart the reconciler runs again: a namespace made while it was down is granted', async () => {
    environment!.dispose();
    assert.ok((await learner(['create', 'namespace', 'while-down'])).ok);
    await sleep(2000);
    assert.equal((await learner(['auth', 'can-i', 'create', 'pods', '-n', 'while-down'])).ok, false, 'nothing grants it while no lab-runner runs');
    environment = new Environment(name, provider, log);
    // The new lab-runner's reconciler first lists every namespace: under a full run's load (load average near 75)
    // that took more than 10 s. A namespace made while it runs is held to 10 s above.
    await waitFor('admin in while-down', async () => ((await learner(['auth', 'can-i', 'create', 'pods', '-n', 'while-down'])).ok ? true : undefined), 60_000, 200);
  });

  test('what the learner cannot see from a shell, the node views show: read-only, fixed, bounded', async () => {
    const statics = await provider.nodeView(name, controlPlane, 'static-pods');
    assert.equal(statics.exitCode, 0, statics.output);
    for (const file of ['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']) assert.match(statics.output, new RegExp(`# ---- ${file.replace('.', '\\.')}`));
    const containers = await provider.nodeView(name, controlPlane, 'containers');
    assert.equal(containers.exitCode, 0, containers.output);
    assert.match(containers.output, /pause/, 'a pause container per pod');
    const nat = await provider.nodeView(name, controlPlane, 'nat-rules');
    assert.match(nat.output, /KUBE-SERVICES/);
    const kubelet = await provider.nodeView(name, controlPlane, 'kubelet-config');
    assert.match(kubelet.output, /seccompDefault: true/);
    assert.match((await provider.nodeView(name, controlPlane, 'node-processes')).output, /kubelet/);
    assert.ok([statics, containers, nat, kubelet].every((view) => !view.truncated));
    await assert.rejects(provider.nodeView(name, 'kubelab-elsewhere-control-plane', 'containers'), { code: 'E_NOT_FOUND' });
    // The learner's own credential still cannot do what the view does.
    refused(await learner(['debug', `node/${controlPlane}`, '--image=kubelab/toolbox:1.0', '--', 'ls', '/host/etc/kubernetes/manifests']), /forbidden|PodSecurity/, 'kubectl debug node');
    await nothingPrivilegedRuns();
  });

  test('in the end, nothing privileged runs anywhere', async () => {
    await nothingPrivilegedRuns();
  });
});
