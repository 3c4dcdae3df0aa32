import { httpEachScript, parseHttpProbes, runProbe, shellQuote, type CheckContext, type Criterion, type HttpProbeEach, type KubernetesObject, type LookupProbe, type V1Deployment, type V1Namespace, type V1Service } from '@kubelab/labs';

export const webImage = 'kubelab/web:1.0';
export const toolboxImage = 'kubelab/toolbox:1.0';
export const health = '/api/v1/health';

export function namespace(name: string, labels: Record<string, string> = {}): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(Object.keys(labels).length ? { labels } : {}) } };
}

/** A one-replica kubelab/web Deployment (port 5000, named http), ready once /api/v1/health answers. */
export function webDeployment(
  name: string,
  ns: string,
  labels: Record<string, string>,
  options: { adminPort?: number } = {},
): V1Deployment {
  const container = (containerName: string, port: number, portName: string) => ({
    name: containerName,
    image: webImage,
    ...(port === 5000 ? {} : { env: [{ name: 'PORT', value: String(port) }] }),
    ports: [{ name: portName, containerPort: port }],
    readinessProbe: { httpGet: { path: health, port }, periodSeconds: 2 },
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [container('web', 5000, 'http'), ...(options.adminPort ? [container('admin', options.adminPort, 'admin')] : [])],
        },
      },
    },
  };
}

/** A one-replica kubelab/toolbox Deployment that only waits: a client to `kubectl exec` curl and dig from. */
export function clientDeployment(name: string, ns: string, labels: Record<string, string>): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: name, image: toolboxImage, command: ['sleep', 'infinity'] }],
        },
      },
    },
  };
}

/** A ClusterIP Service; each port is [service port, target port, name]. */
export function clusterService(name: string, ns: string, selector: Record<string, string>, ports: [number, number | string, string][]): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector, ports: ports.map(([port, targetPort, portName]) => ({ name: portName, port, targetPort })) },
  };
}

/**
 * A NetworkPolicy as YAML has it. Not typed V1NetworkPolicy: the client library spells an ingress rule's `from`
 * as `_from`, and apply() writes the object as it is.
 */
export interface PolicySpec {
  podSelector: object;
  policyTypes?: string[];
  ingress?: { from?: object[]; ports?: { protocol?: string; port?: number | string }[] }[];
  egress?: { to?: object[]; ports?: { protocol?: string; port?: number | string }[] }[];
}

export function networkPolicy(name: string, ns: string, spec: PolicySpec, labels?: Record<string, string>): KubernetesObject & { spec: PolicySpec } {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns, ...(labels ? { labels } : {}) }, spec };
}

/** bash: wait until the namespace's Deployments have rolled out. */
export function rolledOut(ns: string): string {
  return `kubectl -n ${ns} rollout status deployment --timeout=120s >/dev/null`;
}

/**
 * bash, after a policy change: a NetworkPolicy has no status to wait for; kube-router writes its rules within a
 * second or two of the change.
 */
export const enforced = 'sleep 2  # a NetworkPolicy has no status to wait for; kube-router applies it within a second or two';

/** A client got an HTTP answer: the policy (or no policy) let the connection in. */
export function admitted<const Id extends string>(id: Id, description: string, probe: HttpProbeEach, hint: string): Criterion<Id> {
  return {
    id,
    description,
    passed: probe.status !== undefined,
    expected: 'an HTTP answer',
    actual: probe.summary,
    hint,
  };
}

/**
 * A client got no answer, and the probe finished (a probe cut short proves nothing). A policy-denied connection is
 * refused on every attempt.
 */
export function blocked<const Id extends string>(id: Id, description: string, probe: HttpProbeEach, hint: string): Criterion<Id> {
  return {
    id,
    description,
    passed: probe.finished && probe.status === undefined,
    expected: 'no answer: the connection is refused or times out',
    actual: probe.summary,
    hint,
  };
}

/**
 * bash: delete every NetworkPolicy of a namespace (the setup after it re-applies the rest). kube-router drops
 * their rules within a second or two, before a probe pod would have started.
 */
export function deletePolicies(name: string): string {
  return `kubectl -n ${name} delete networkpolicy --all --ignore-not-found`;
}

/** bash: take off a namespace's labels, but for its name and `keep`: the ones a learner added to select it. */
export function resetNamespaceLabels(name: string, keep: string[]): string {
  const kept = ['kubernetes.io/metadata.name', ...keep].map((key) => `-e ${key}`).join(' ');
  return `{ kubectl get namespace ${name} -o go-template='{{range $k, $v := .metadata.labels}}{{$k}}{{"\\n"}}{{end}}' 2>/dev/null || true; } | { grep -vx ${kept} || true; } | sed 's/$/-/' | xargs -r kubectl label namespace ${name}`;
}

/**
 * One client pod for an egress policy: it resolves `name` and GETs `urls`, as httpFromPodEach does, once the
 * policy has caught up with it. kube-router adds a new pod's address to a policy's rules a moment after the pod
 * starts, and until then the pod's egress is not restricted yet; so the probe first waits (at most about 6 s) for
 * `deniedUrl`, which the task says is blocked, to stop answering. A policy that never blocks it is seen as such.
 */
export async function egressProbe(
  cluster: CheckContext,
  options: { namespace: string; labels: Record<string, string>; name: string; urls: string[]; deniedUrl: string; signal?: AbortSignal },
): Promise<{ lookup: LookupProbe; answers: HttpProbeEach[] }> {
  const marker = `kubelab-probe-${crypto.randomUUID()}`;
  const script = `for i in $(seq 10); do curl -s -o /dev/null --connect-timeout 1 -m 2 ${shellQuote(options.deniedUrl)} || break; sleep 0.5; done
echo "lookup:$(getent ahosts ${shellQuote(options.name)} | awk '{print $1}' | sort -u | tr '\\n' ' ')"
${httpEachScript(options.urls, 3, marker)}`;
  const result = await runProbe(cluster, script, { namespace: options.namespace, labels: options.labels, timeoutSeconds: 28, signal: options.signal });
  const line = result.output.split('\n').find((l) => l.startsWith('lookup:'));
  const answers = line ? line.slice('lookup:'.length).trim().split(/\s+/).filter(Boolean) : [];
  const outcome = result.exitCode === null && !line ? 'the probe did not finish in time' : answers.length ? answers.join(', ') : 'does not resolve';
  return { lookup: { answers, summary: `${options.name} from ${result.from}: ${outcome}` }, answers: parseHttpProbes(options.urls, result, marker) };
}

/**
 * Runs one client's probe, and runs it once more, a second later, if a request that must be blocked got in and the
 * check has the time (at most 12 s gone of its 30): kube-router may still have been writing the rules of a policy
 * made a moment ago, on a busy node. A policy that really admits the client admits it twice.
 */
export async function probeClient(
  run: () => Promise<HttpProbeEach[]>,
  mustBlock: number[],
  started: number,
  signal: AbortSignal,
): Promise<HttpProbeEach[]> {
  const first = await run();
  if (signal.aborted || Date.now() - started > 12_000 || !mustBlock.some((i) => first[i]?.status !== undefined)) return first;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return signal.aborted ? first : run();
}
