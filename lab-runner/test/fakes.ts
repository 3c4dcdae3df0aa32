/**
 * Fakes for fast tests of the orchestrators (sessions, pool, server), with no Docker and no cluster: a
 * ClusterProvider whose every call can be held until the test releases it, or made to fail; clusters that can
 * vanish as if someone else deleted them; and a lesson whose check the test controls.
 */
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Criterion } from '@kubelab/checkers';
import { KubelabError } from '@kubelab/kit/errors';
import type { Status } from '@kubelab/kit/status';
import type { Profile } from '@kubelab/labs/profiles';
import type { Cluster, ClusterNode, ClusterProvider, ClusterSpec, HealthReport, ProviderInfo, ToolboxRun } from '../providers/provider.ts';
import { nodeViews, type NodeView, type NodeViewId, type NodeViewOutput } from '../providers/node-views.ts';
import type { LabLesson, Lessons } from '../sessions/manager.ts';
import type { Clock } from '../sessions/lifetime.ts';
import { buildApp } from '../app.ts';
import type { Timeouts } from '../plugins/edge.ts';
import { loadConfig, type Config } from '../config.ts';

export type FakeMethod = 'info' | 'create' | 'list' | 'kubeconfig' | 'health' | 'startToolbox' | 'runInToolbox' | 'nodeView' | 'delete';

/** A call of the fake provider that waits for the test. */
export interface Held {
  /** Resolves (with the cluster name, if the call has one) once the call has arrived and is waiting. */
  readonly reached: Promise<string | undefined>;
  /** Lets the call go on as usual. */
  release(): void;
  /** Makes the call throw. */
  fail(error: Error): void;
}

type Plan = { kind: 'hold'; held: Held; arrived(name: string | undefined): void; gate: Promise<Error | undefined> } | { kind: 'fail'; error: Error };

/** base64 of a PEM block that holds nothing: the shape of a kubeconfig's data fields, not a usable key. */
const pemData = (label: string): string => Buffer.from(`-----BEGIN ${label}-----\nZmFrZQ==\n-----END ${label}-----\n`).toString('base64');

/**
 * A kubeconfig of the shape kind writes (a CA and a client certificate), for a server that is not there: it
 * passes the kubeconfig allowlist, and a check through it fails to connect at once.
 */
const fakeKubeconfig = (name: string): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: 'https://127.0.0.1:9', 'certificate-authority-data': pemData('CERTIFICATE') } }],
    users: [{ name, user: { 'client-certificate-data': pemData('CERTIFICATE'), 'client-key-data': pemData('PRIVATE KEY') } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  });

const notFound = (name: string): KubelabError =>
  new KubelabError('E_CLUSTER_NOT_FOUND', `no cluster named "${name}"`, { hint: 'See `npx kubelab cluster list`.' });

export class FakeProvider implements ClusterProvider {
  /** Every call, in order, with the cluster it was about. */
  readonly calls: { method: FakeMethod; name: string | undefined }[] = [];
  /** Every spec create() was given, in order. */
  readonly createSpecs: ClusterSpec[] = [];
  readonly #clusters = new Map<string, Cluster>();
  readonly #plans = new Map<FakeMethod, Plan[]>();

  /** The next call of `method` waits until the test releases it (or fails it). */
  hold(method: FakeMethod): Held {
    let arrived!: (name: string | undefined) => void;
    let open!: (error: Error | undefined) => void;
    const reached = new Promise<string | undefined>((resolve) => (arrived = resolve));
    const gate = new Promise<Error | undefined>((resolve) => (open = resolve));
    const held: Held = { reached, release: () => open(undefined), fail: (error) => open(error) };
    this.#plan(method, { kind: 'hold', held, arrived, gate });
    return held;
  }

  /** The next call of `method` throws `error`. */
  fail(method: FakeMethod, error: Error): void {
    this.#plan(method, { kind: 'fail', error });
  }

  /** A cluster that exists already (made by an earlier run). */
  addCluster(name: string, profile: Profile = 'single'): Cluster {
    const nodes: ClusterNode[] = [{ name: `kubelab-${name}-control-plane`, role: 'control-plane', address: '10.0.0.2', state: 'running' }];
    if (profile === 'multi') {
      for (const worker of ['worker', 'worker2']) nodes.push({ name: `kubelab-${name}-${worker}`, role: 'worker', address: '10.0.0.3', state: 'running' });
    }
    const cluster: Cluster = { name, profile, network: `kubelab-${name}`, createdAt: new Date().toISOString(), nodes };
    this.#clusters.set(name, cluster);
    return structuredClone(cluster);
  }

  /** The cluster disappears as if someone else deleted it: no call is recorded. */
  vanish(name: string): void {
    this.#clusters.delete(name);
  }

  /** A node of the cluster stops (its container exited). */
  stopNodes(name: string): void {
    for (const node of this.#clusters.get(name)?.nodes ?? []) node.state = 'exited';
  }

  /** The clusters that exist now. */
  names(): string[] {
    return [...this.#clusters.keys()].sort();
  }

  /** The calls of one method, as the cluster names they were about. */
  callsOf(method: FakeMethod): (string | undefined)[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.name);
  }

  #plan(method: FakeMethod, plan: Plan): void {
    this.#plans.set(method, [...(this.#plans.get(method) ?? []), plan]);
  }

  /** Records the call and plays its plan: nothing, a wait for the test (abortable), or a failure. */
  async #enter(method: FakeMethod, name: string | undefined, signal?: AbortSignal): Promise<void> {
    this.calls.push({ method, name });
    const plan = this.#plans.get(method)?.shift();
    if (!plan) return;
    if (plan.kind === 'fail') throw plan.error;
    plan.arrived(name);
    const aborted = signal
      ? new Promise<Error>((resolve) => {
          if (signal.aborted) resolve(new KubelabError('E_ABORTED', 'stopped'));
          signal.addEventListener('abort', () => resolve(new KubelabError('E_ABORTED', 'stopped')), { once: true });
        })
      : new Promise<never>(() => {});
    const error = await Promise.race([plan.gate, aborted]);
    if (error) throw error;
  }

  async info(): Promise<ProviderInfo> {
    await this.#enter('info', undefined);
    return { name: 'fake', reachable: true };
  }

  /** Reports one step, like the kind provider's create; a held create shows it running. */
  async create(spec: ClusterSpec, status: Status, signal: AbortSignal): Promise<Cluster> {
    const step = status.start('create-cluster', 'Creating the cluster');
    this.createSpecs.push(spec);
    try {
      await this.#enter('create', spec.name, signal);
      signal.throwIfAborted();
      if (this.#clusters.has(spec.name)) throw new KubelabError('E_CLUSTER_EXISTS', `a cluster named "${spec.name}" already exists`);
      const cluster = this.addCluster(spec.name, spec.profile);
      step.done();
      return cluster;
    } catch (error) {
      step.fail(error);
      throw error;
    }
  }

  async list(): Promise<Cluster[]> {
    await this.#enter('list', undefined);
    return [...this.#clusters.values()].map((cluster) => structuredClone(cluster));
  }

  async kubeconfig(name: string): Promise<string> {
    await this.#enter('kubeconfig', name);
    if (!this.#clusters.has(name)) throw notFound(name);
    return fakeKubeconfig(name);
  }

  async health(name: string): Promise<HealthReport> {
    await this.#enter('health', name);
    return { cluster: name, ready: this.#clusters.has(name), checks: [] };
  }

  /** Like `docker run`, it needs the cluster when it starts; a held start finishes even if the cluster went meanwhile. */
  async startToolbox(name: string): Promise<{ container: string }> {
    if (!this.#clusters.has(name)) {
      this.calls.push({ method: 'startToolbox', name });
      throw notFound(name);
    }
    await this.#enter('startToolbox', name);
    return { container: `kubelab-${name}-toolbox` };
  }

  /** A shell that needs no container: the terminal tests of the route, not of the toolbox. */
  /**
   * Set: the terminal runs the toolbox's own bashrc in a host bash (with the environment the lab-runner gives it),
   * so the journal's marks come from the real rc file, without a cluster.
   */
  toolboxShell = false;

  shellArgv(_name: string, env: Record<string, string> = {}): string[] {
    if (!this.toolboxShell) return ['sh'];
    const rc = fileURLToPath(new URL('../../labs/images/toolbox/bashrc', import.meta.url));
    return ['env', 'HISTFILE=/dev/null', 'PS1=$ ', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'bash', '--noprofile', '--rcfile', rc, '-i'];
  }

  /** Answers with the script it was given, so a test sees what would have run (the kind provider's tests run it for real). */
  async runInToolbox(name: string, script: string, limits: { maxBytes: number }): Promise<ToolboxRun> {
    await this.#enter('runInToolbox', name);
    if (!this.#clusters.has(name)) throw notFound(name);
    const output = `ran: ${script}\n`;
    return { output: output.slice(0, limits.maxBytes), exitCode: 0, truncated: output.length > limits.maxBytes, timedOut: false };
  }

  /** Answers with the view's argv, so a test sees which fixed command would have run, and where. */
  async nodeView(name: string, node: string, view: NodeViewId): Promise<NodeViewOutput> {
    await this.#enter('nodeView', name);
    const cluster = this.#clusters.get(name);
    if (!cluster) throw notFound(name);
    const found = cluster.nodes.find((n) => n.name === node);
    const spec: NodeView = nodeViews[view];
    if (!found || (spec.controlPlaneOnly && found.role !== 'control-plane')) throw new KubelabError('E_NOT_FOUND', `cluster ${name} has no node named "${node}"`);
    return { output: `${found.name}$ ${spec.argv.join(' ')}\n`, exitCode: 0, truncated: false };
  }

  async delete(name: string): Promise<void> {
    await this.#enter('delete', name);
    this.#clusters.delete(name);
  }
}

/** A check the test answers: each call waits until the test says what it found. */
export class CheckGate {
  readonly #waiting: { resolve: (criteria: Criterion[]) => void; reject: (error: Error) => void }[] = [];
  readonly #arrivals: (() => void)[] = [];
  calls = 0;

  /** The check function of the fake exercise. */
  readonly check = (): Promise<Criterion[]> => {
    this.calls++;
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      for (const arrived of this.#arrivals.splice(0)) arrived();
    });
  };

  /** Resolves once a check is waiting for its answer. */
  async reached(): Promise<void> {
    if (this.#waiting.length > 0) return;
    await new Promise<void>((resolve) => this.#arrivals.push(resolve));
  }

  /** Answers the oldest waiting check. */
  answer(passed: boolean): void {
    this.#next().resolve([{ id: 'probe', description: 'The probe found what it looked for', passed }]);
  }

  /** The oldest waiting check cannot read the cluster (runCheck turns that into a failed check-ran criterion). */
  crash(message = 'connect ECONNREFUSED 127.0.0.1:9'): void {
    this.#next().reject(new Error(message));
  }

  #next(): { resolve: (criteria: Criterion[]) => void; reject: (error: Error) => void } {
    const waiting = this.#waiting.shift();
    if (!waiting) throw new Error('no check is waiting');
    return waiting;
  }
}

/**
 * One fake lesson, "probe": single-node, with one exercise whose check is the gate's and whose setup and cleanup
 * are no-op scripts (run for real by bash, with the fake kubeconfig). `extra` lessons come after it.
 */
export function fakeLessons(gate = new CheckGate(), extra: readonly LabLesson[] = []): { lessons: Lessons; lesson: LabLesson; gate: CheckGate } {
  const lesson: LabLesson = {
    slug: 'probe',
    profile: 'single',
    page: { title: 'Probe' },
    exercises: [
      {
        id: 'probe',
        title: 'Probe the cluster',
        hints: ['There is nothing to do.'],
        solution: 'true',
        setup: ': setup',
        cleanup: ': cleanup',
        nearMisses: [{ name: 'nothing', apply: 'true', failsOn: 'probe' }],
        variants: [{ name: 'nothing either', apply: 'true' }],
        check: gate.check,
        timeoutMs: 15_000,
      },
    ],
  };
  const all = [lesson, ...extra];
  return {
    lesson,
    gate,
    lessons: { all: async () => all, find: async (slug) => all.find((candidate) => candidate.slug === slug) },
  };
}

/**
 * A lesson that needs node access ("static pods"), marked `nodeAccess: true` as its frontmatter would: a
 * workshop server refuses its lab. Its one exercise passes at once.
 */
export function nodeAccessLesson(slug = 'static-pods'): LabLesson {
  return {
    slug,
    profile: 'single',
    page: { title: 'Static pods', nodeAccess: true, addons: ['metrics'] },
    exercises: [
      {
        id: 'manifest',
        title: 'Write a static pod manifest',
        hints: ['The kubelet watches /etc/kubernetes/manifests.'],
        solution: 'true',
        cleanup: ': cleanup',
        nearMisses: [{ name: 'nothing', apply: 'true', failsOn: 'probe' }],
        variants: [{ name: 'nothing either', apply: 'true' }],
        check: async () => [{ id: 'probe', description: 'Nothing to check', passed: true }],
        timeoutMs: 15_000,
      },
    ],
  };
}

/** A clock the test moves by hand (Date.now() when made). */
export class TestClock {
  #now: number;

  constructor(start = Date.now()) {
    this.#now = start;
  }

  readonly now: Clock = () => this.#now;

  advance(ms: number): void {
    this.#now += ms;
  }

  /** Minutes, as the lifetimes are configured. */
  advanceMinutes(minutes: number): void {
    this.advance(minutes * 60_000);
  }
}

/** A temporary directory for one test, removed by the returned function. */
export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `kubelab-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Waits until `condition` holds, checking every few milliseconds; fails after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface FakeServer {
  app: FastifyInstance;
  provider: FakeProvider;
  gate: CheckGate;
  config: Config;
  /** http://127.0.0.1:<port> once listen() ran (https:// with a certificate). */
  baseUrl: string;
  /** The header a client that is not a browser starts labs with: the launch token as a bearer token. */
  launch: { authorization: string };
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The whole lab-runner on the fake provider and the probe lesson, in a data directory of its own (or `dataDir`,
 * to play a restart), silent unless KUBELAB_TEST_LOGS=1. `provider` models the same Docker across restarts.
 * `config` overrides settings; `timeouts` the HTTP server's.
 *
 * Its configured port is 80 because app.inject sends Host: localhost:80, and a server that is not listening
 * answers the loopback names on its configured port; once listen() ran, on the port it got.
 */
export async function fakeServer(options: {
  dataDir: string;
  provider?: FakeProvider;
  gate?: CheckGate;
  poolSize?: number;
  maxSessions?: number;
  config?: Partial<Config>;
  timeouts?: Partial<Timeouts>;
  /** Where the JSON log lines go (at info); silent otherwise, unless KUBELAB_TEST_LOGS=1. */
  logStream?: NodeJS.WritableStream;
  /** Lessons beside "probe" (nodeAccessLesson(), for one). */
  extraLessons?: readonly LabLesson[];
  /** The clock session lifetimes are measured with (a TestClock's `now`). */
  clock?: Clock;
}): Promise<FakeServer> {
  const provider = options.provider ?? new FakeProvider();
  const { lessons, gate } = fakeLessons(options.gate, options.extraLessons);
  const config = loadConfig(
    {},
    {
      port: 80,
      dataDir: options.dataDir,
      siteDir: join(options.dataDir, 'no-site'),
      poolSize: options.poolSize ?? 0,
      maxSessions: options.maxSessions ?? 4,
      ...(options.logStream ? { logLevel: 'info' as const } : {}),
      ...options.config,
    },
  );
  const logger = options.logStream !== undefined || process.env.KUBELAB_TEST_LOGS === '1';
  const app = await buildApp({ config, provider, lessons, logger, logStream: options.logStream, timeouts: options.timeouts, ...(options.clock ? { clock: options.clock } : {}) });
  await app.ready();
  const server: FakeServer = {
    app,
    provider,
    gate,
    config,
    baseUrl: '',
    launch: { authorization: `Bearer ${config.launchToken}` },
    async listen() {
      await app.listen({ port: 0, host: '127.0.0.1' });
      server.baseUrl = `${app.tlsCertificate ? 'https' : 'http'}://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      return server.baseUrl;
    },
    close: () => app.close(),
  };
  return server;
}
