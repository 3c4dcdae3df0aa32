import type { V1Pod } from '@kubernetes/client-node';
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

/**
 * Runs `script` with bash in a probe pod (kubelab/toolbox:1.0) and returns its exit status and output; the pod is
 * deleted whatever happens. `timeoutSeconds` bounds the pod's whole life (activeDeadlineSeconds), so a probe
 * never outlives its check by much even if the checker goes away; the script's own commands should time out
 * sooner (`curl -m 3`). When `signal` aborts (the check's deadline), the probe stops and returns exitCode null.
 */
export async function runProbe(
  cluster: CheckContext,
  script: string,
  options: ProbeOrigin & { timeoutSeconds?: number; signal?: AbortSignal } = {},
): Promise<ProbeResult> {
  const namespace = options.namespace ?? probeNamespace;
  const from = describeOrigin(options);
  if (namespace === probeNamespace) await ensureProbeNamespace(cluster);
  const timeoutSeconds = options.timeoutSeconds ?? 20;
  const created = await cluster.core.createNamespacedPod({
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
        containers: [
          {
            name: 'probe',
            image: probeImage,
            imagePullPolicy: 'IfNotPresent',
            command: ['bash', '-c', script],
            // Explicit, so a learner namespace's quota and LimitRange (a workshop's) accept it as it is.
            resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
          },
        ],
      },
    },
  });
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
 * connection that is refused is tried four times, a second apart; one that a policy drops times out after
 * `connectSeconds`.
 */
export async function httpFromPod(
  cluster: CheckContext,
  url: string,
  options: ProbeOrigin & { connectSeconds?: number; signal?: AbortSignal } = {},
): Promise<HttpProbe> {
  const seconds = options.connectSeconds ?? 3;
  // The status and curl's error go on lines of their own first, so a body cannot pass for either.
  // A refusal within a second or so is retried: the network plugin writes a new pod's address into the
  // NetworkPolicy rules just after the pod starts, so an admitted probe can be refused by its first try. A
  // timeout is not retried (a dropped packet would cost the whole wait again).
  const script = `body=$(mktemp); err=$(mktemp)
for attempt in 1 2 3 4; do
  began=$(date +%s%N)
  code=$(curl -sS -o "$body" -w '%{http_code}' --connect-timeout ${seconds} -m ${seconds + 2} ${shellQuote(url)} 2>"$err"); status=$?
  [ "$code" != 000 ] && break
  [ $(( ($(date +%s%N) - began) / 1000000 )) -gt 1500 ] && break
  sleep 1
done
echo "status:$code"; echo "error:$(tr '\\n' ' ' < "$err" | head -c 300)"; head -c 2048 "$body"; exit $status`;
  const result = await runProbe(cluster, script, { ...options, timeoutSeconds: seconds + 20 });
  return parseHttpProbe(url, result);
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
  const result = await runProbe(cluster, `getent ahosts ${shellQuote(name)} | awk '{print $1}' | sort -u`, { ...options, timeoutSeconds: 20 });
  const answers = result.exitCode === 0 ? result.output.split('\n').map((line) => line.trim()).filter(Boolean) : [];
  const outcome = result.exitCode === null ? 'the probe did not finish in time' : answers.length ? answers.join(', ') : 'does not resolve';
  return { answers, summary: `${name} from ${result.from}: ${outcome}` };
}
