import { randomUUID } from 'node:crypto';
import { ApiException, type V1Pod } from '@kubernetes/client-node';
import type { CheckContext } from './context.ts';
import { getOrNull } from './context.ts';

/**
 * Network checks: a short-lived pod of the checker's runs a command inside the cluster (curl, dig, nc) and the
 * check reads what came back. The Kubernetes objects say what the learner declared; only traffic says whether a
 * Service reaches its pods, a name resolves, or a NetworkPolicy blocks one client and admits another. A probe
 * never touches the learner's workloads: it is a pod of its own, labelled `kubelab.dev/probe`, deleted when it
 * has answered, and auto-check ignores it (so a check that runs one does not trigger itself again).
 */
export const probeLabel = 'kubelab.dev/probe';

/** The checker's own namespace for probes that need no particular place; it is made on first use. */
export const probeNamespace = 'kubelab-probe';

/** Every course cluster carries it (labs/src/images.ts names it too; a labs test holds the two equal). */
export const probeImage = 'kubelab/toolbox:1.0';

/** The most of a probe's output kept: a criterion quotes it, and it is the cluster's (so the learner's) text. */
const maxProbeOutputBytes = 16 * 1024;

export interface ProbeOrigin {
  /** Where the probe runs: a learner namespace (to be a client a policy there selects), else the checker's own. */
  namespace?: string;
  /** Labels the probe pod carries besides its own marker, e.g. to be the client a NetworkPolicy admits. */
  labels?: Record<string, string>;
  /** A node to run on (a pod-to-pod probe across nodes); the scheduler picks one otherwise. */
  node?: string;
}

/**
 * A claim the probe mounts read-only, to read what a learner's pods wrote there without touching those pods. The
 * probe runs in the claim's namespace; a ReadWriteOnce volume is shared by the pods of one node, and the scheduler
 * puts the probe on the volume's node.
 */
export interface ProbeClaim {
  name: string;
  mountPath: string;
}

export interface ProbeResult {
  /** The command's exit status; null when the probe did not finish (the pod never started, or its deadline passed). */
  exitCode: number | null;
  /** stdout and stderr together, at most 16 KiB. */
  output: string;
  /** Where it ran, for a criterion's text: "a pod labelled role=frontend in namespace shop". */
  from: string;
}

/** `value` as one bash word: single quotes, and any quote inside closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function describeOrigin(origin: ProbeOrigin): string {
  const labels = Object.entries(origin.labels ?? {}).map(([key, value]) => `${key}=${value}`);
  return [
    labels.length ? `a pod labelled ${labels.join(',')}` : 'a probe pod',
    `in namespace ${origin.namespace ?? probeNamespace}`,
    ...(origin.node ? [`on ${origin.node}`] : []),
  ].join(' ');
}

async function ensureProbeNamespace(cluster: CheckContext): Promise<void> {
  if (await getOrNull(() => cluster.core.readNamespace({ name: probeNamespace }))) return;
  try {
    await cluster.core.createNamespace({ body: { metadata: { name: probeNamespace, labels: { [probeLabel]: 'true' } } } });
  } catch (error) {
    // Two checks at once may both make it.
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

function terminated(pod: V1Pod | null): { exitCode: number } | undefined {
  const state = pod?.status?.containerStatuses?.[0]?.state?.terminated;
  return state ? { exitCode: state.exitCode } : undefined;
}

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/** The API server's answer to a pod made while a namespace's new ResourceQuota has no usage counted yet. */
export function isQuotaNotCountedYet(error: unknown): boolean {
  if (!(error instanceof ApiException) || error.code !== 403) return false;
  const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body ?? '');
  return body.includes('status unknown for quota');
}

/**
 * Creates a pod, trying again for up to 5 s while the API server says a ResourceQuota of the namespace is too new
 * to have its usage counted. On a workshop's cluster the lab server gives every new namespace a quota, the probe
 * namespace included, and the quota controller counts it a moment later: the first probe of a fresh cluster met
 * this in two of three workshop runs of the Services lesson, and its check failed in 150 ms.
 */
export async function createPodThroughNewQuota(create: () => Promise<V1Pod>, signal?: AbortSignal): Promise<V1Pod> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await create();
    } catch (error) {
      if (!isQuotaNotCountedYet(error) || Date.now() > deadline || signal?.aborted) throw error;
      await pause(250, signal);
    }
  }
}

/**
 * Runs `script` with bash in a probe pod (kubelab/toolbox:1.0) and returns its exit status and output; the pod is
 * deleted whatever happens. `timeoutSeconds` bounds the pod's whole life (activeDeadlineSeconds), so a probe
 * never outlives its check by much even if the checker goes away; the script's own commands should time out
 * sooner (`curl -m 3`). When `signal` aborts (the check's deadline), the probe stops and returns exitCode null.
 * The default of 45 s is mostly for the pod's start: on a host busy with other clusters (CI runs several) that
 * alone took over 20 s, and a probe cut short proves nothing either way.
 */
export async function runProbe(
  cluster: CheckContext,
  script: string,
  options: ProbeOrigin & { timeoutSeconds?: number; signal?: AbortSignal; claim?: ProbeClaim } = {},
): Promise<ProbeResult> {
  const namespace = options.namespace ?? probeNamespace;
  const from = describeOrigin(options);
  if (namespace === probeNamespace) await ensureProbeNamespace(cluster);
  const timeoutSeconds = options.timeoutSeconds ?? 45;
  const created = await createPodThroughNewQuota(() => cluster.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { generateName: 'kubelab-probe-', labels: { ...options.labels, [probeLabel]: 'true' } },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 0,
        activeDeadlineSeconds: timeoutSeconds,
        // A cordoned or tainted node (the scheduling lesson's) must not keep a probe from running.
        tolerations: [{ operator: 'Exists' }],
        ...(options.node ? { nodeName: options.node } : {}),
        ...(options.claim ? { volumes: [{ name: 'claim', persistentVolumeClaim: { claimName: options.claim.name, readOnly: true } }] } : {}),
        containers: [
          {
            name: 'probe',
            image: probeImage,
            imagePullPolicy: 'IfNotPresent',
            command: ['bash', '-c', script],
            ...(options.claim ? { volumeMounts: [{ name: 'claim', mountPath: options.claim.mountPath, readOnly: true }] } : {}),
            // Explicit, so a learner namespace's quota (a workshop's, which counts ephemeral storage too) accepts it
            // as it is, whether or not the namespace's LimitRange has reached the API server's admission yet.
            resources: {
              requests: { cpu: '10m', memory: '16Mi', 'ephemeral-storage': '16Mi' },
              limits: { cpu: '200m', memory: '64Mi', 'ephemeral-storage': '64Mi' },
            },
          },
        ],
      },
    },
  }), options.signal);
  const name = created.metadata!.name!;
  try {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let pod: V1Pod | null = created;
    let interval = 200;
    while (!terminated(pod) && Date.now() < deadline && !options.signal?.aborted) {
      await pause(interval, options.signal);
      interval = Math.min(interval * 1.5, 1000);
      pod = await getOrNull(() => cluster.core.readNamespacedPod({ name, namespace }));
      if (!pod) break;
    }
    const end = terminated(pod);
    const output = end
      ? await cluster.core
          .readNamespacedPodLog({ name, namespace, container: 'probe', limitBytes: maxProbeOutputBytes })
          .catch(() => '')
      : '';
    return { exitCode: end?.exitCode ?? null, output: typeof output === 'string' ? output.trim() : '', from };
  } finally {
    await cluster.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => {});
  }
}

export interface HttpProbe {
  /** The HTTP status; undefined when no HTTP answer came (refused, timed out, name not found). */
  status?: number;
  /** The start of the body (at most 2 KiB), or curl's error. */
  body: string;
  /** "GET http://web.shop/ from a pod labelled role=frontend in namespace shop: HTTP 200". */
  summary: string;
}

/**
 * GETs `url` with curl from a probe pod: the in-cluster view (Service names, ClusterIPs, NetworkPolicy). A
 * connection that is refused is tried again, a second apart, for up to 12 s; one that a policy drops times out
 * after `connectSeconds`.
 */
export async function httpFromPod(
  cluster: CheckContext,
  url: string,
  options: ProbeOrigin & { connectSeconds?: number; signal?: AbortSignal } = {},
): Promise<HttpProbe> {
  const seconds = options.connectSeconds ?? 3;
  // The status and curl's error go on lines of their own first, so a body cannot pass for either.
  // A refusal within a second or so is retried: the network plugin writes a new pod's address into the
  // NetworkPolicy rules just after the pod starts, so an admitted probe can be refused by its first tries. A
  // timeout is not retried (a dropped packet would cost the whole wait again).
  const script = `${curlAttempts(url, seconds)}
${printCurlOutcome}; exit $status`;
  const result = await runProbe(cluster, script, { ...options, timeoutSeconds: seconds + 40 });
  return parseHttpProbe(url, result);
}

/** bash that GETs `url` as httpFromPod says, leaving the HTTP code in $code, curl's status in $status, the body in $body and curl's error in $err. */
function curlAttempts(url: string, seconds: number, patience?: number): string {
  // With a patience a timeout is asked again too: a NetworkPolicy has no status, and a Service's new rules come a
  // moment late, so only traffic shows that the node's tables have caught up with a change.
  return `body=$(mktemp); err=$(mktemp); give_up=$(( $(date +%s) + ${patience ?? refusalRetrySeconds} ))
while :; do
  began=$(date +%s%N)
  code=$(curl -sS -o "$body" -w '%{http_code}' --connect-timeout ${seconds} -m ${seconds + 2} ${shellQuote(url)} 2>"$err"); status=$?
  [ "$code" != 000 ] && break${patience === undefined ? `\n  [ $(( ($(date +%s%N) - began) / 1000000 )) -gt 1500 ] && break` : ''}
  [ $(date +%s) -ge $give_up ] && break
  sleep ${patience === undefined ? 1 : 0.5}
done`;
}

/**
 * How long a refused connection is tried again. kube-router adds a new pod's address to the rules of the policies
 * that admit it in a full sync of its rules, and syncs run one at a time: on a busy node (a full test run, a
 * workshop's server) one took up to 5 s, so a probe pod can wait two of them before it is admitted. Four tries a
 * second apart were too few there: an admitted client was refused.
 */
const refusalRetrySeconds = 12;

/** bash that prints what curlAttempts left, in the form parseHttpProbe reads. */
const printCurlOutcome = `echo "status:$code"; echo "error:$(tr '\\n' ' ' < "$err" | head -c 300)"; head -c 2048 "$body"`;

/** One answer of httpFromPodEach: an HttpProbe, and whether its request finished (a probe cut short proves nothing). */
export interface HttpProbeEach extends HttpProbe {
  /** False when the probe pod did not finish in time: neither an answer nor a refusal was seen. */
  finished: boolean;
}

/**
 * GETs every URL of `urls` at once from one probe pod, each as httpFromPod does (a fast refusal retried, a dropped
 * connection given up after `connectSeconds`), and returns the answers in the order of `urls`. One pod is one
 * client: a NetworkPolicy check asks it for the port it admits and the port it must not, for the time of one probe.
 */
export async function httpFromPodEach(
  cluster: CheckContext,
  urls: readonly string[],
  options: ProbeOrigin & { connectSeconds?: number; signal?: AbortSignal } = {},
): Promise<HttpProbeEach[]> {
  const seconds = options.connectSeconds ?? 3;
  const marker = `kubelab-probe-${randomUUID()}`;
  const result = await runProbe(cluster, httpEachScript(urls, seconds, marker), { ...options, timeoutSeconds: seconds + 40 });
  return parseHttpProbes(urls, result, marker);
}

/**
 * The bash of httpFromPodEach, for a probe that does more in the same pod (a script's own output before it is
 * ignored by parseHttpProbes): the requests run side by side, then each answer is printed after a line
 * `<marker> <curl's exit status>`. With `patienceSeconds`, a request that gets no answer at all (refused or dropped) is asked
 * again, half a second apart, for that long instead.
 */
export function httpEachScript(urls: readonly string[], connectSeconds: number, marker: string, patienceSeconds?: number): string {
  return [
    'out=$(mktemp -d)',
    ...urls.map((url, index) => `(\n${curlAttempts(url, connectSeconds, patienceSeconds)}\n{ ${printCurlOutcome}; } > "$out/${index}"; echo $status > "$out/${index}.exit"\n) &`),
    'wait',
    ...urls.map((_, index) => `echo; echo "${marker} $(cat "$out/${index}.exit" 2>/dev/null)"; cat "$out/${index}" 2>/dev/null`),
  ].join('\n');
}

/** What httpFromPodEach's script printed, read back: a section per URL, each opened by `<marker> <curl's status>`. */
export function parseHttpProbes(urls: readonly string[], result: ProbeResult, marker: string): HttpProbeEach[] {
  const sections = new Map<number, ProbeResult>();
  let index = -1;
  const lines: string[] = [];
  const close = () => {
    if (index >= 0) sections.set(index, { ...sections.get(index)!, output: lines.join('\n').trim() });
  };
  for (const line of result.output.split('\n')) {
    const header = line.startsWith(`${marker} `) ? /^\S+ (\d*)$/.exec(line) : null;
    if (header && index + 1 < urls.length) {
      close();
      index += 1;
      lines.length = 0;
      sections.set(index, { exitCode: header[1] ? Number(header[1]) : null, output: '', from: result.from });
    } else if (index >= 0) {
      lines.push(line);
    }
  }
  close();
  return urls.map((url, i) => {
    const section = result.exitCode === null ? undefined : sections.get(i);
    const probe = parseHttpProbe(url, section ?? { exitCode: null, output: '', from: result.from });
    return { ...probe, finished: section?.exitCode != null };
  });
}

/** What httpFromPod's script printed, read back. */
export function parseHttpProbe(url: string, result: ProbeResult): HttpProbe {
  const [first = '', second = '', ...rest] = result.output.split('\n');
  const code = /^status:(\d{3})$/.exec(first)?.[1];
  const status = code && code !== '000' ? Number(code) : undefined;
  const error = second.replace(/^error:/, '').replace(/^curl: \(\d+\) /, '').trim();
  const body = status !== undefined ? rest.join('\n').trim() : error;
  const outcome =
    result.exitCode === null
      ? 'the probe did not finish in time'
      : status !== undefined
        ? `HTTP ${status}`
        : `no answer (${error || `curl exit ${result.exitCode}`})`;
  return { ...(status !== undefined ? { status } : {}), body, summary: `GET ${url} from ${result.from}: ${outcome}` };
}

export interface LookupProbe {
  /** The addresses (A/AAAA records) or, for a CNAME-only name, the canonical name; empty when it did not resolve. */
  answers: string[];
  summary: string;
}

/** Resolves `name` from a probe pod, through the pod's own resolv.conf (search domains and all), as an app would. */
export async function lookupFromPod(cluster: CheckContext, name: string, options: ProbeOrigin & { signal?: AbortSignal } = {}): Promise<LookupProbe> {
  const result = await runProbe(cluster, `getent ahosts ${shellQuote(name)} | awk '{print $1}' | sort -u`, { ...options, timeoutSeconds: 45 });
  const answers = result.exitCode === 0 ? result.output.split('\n').map((line) => line.trim()).filter(Boolean) : [];
  const outcome = result.exitCode === null ? 'the probe did not finish in time' : answers.length ? answers.join(', ') : 'does not resolve';
  return { answers, summary: `${name} from ${result.from}: ${outcome}` };
}
