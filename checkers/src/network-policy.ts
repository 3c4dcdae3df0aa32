/** Criteria and reads for the NetworkPolicy lesson: clients probed through the policies, and what they got. */
import { randomUUID } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import type { CheckContext } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import { describePodState, readPod } from './pods.ts';
import { httpEachScript, parseHttpProbes, runProbe, shellQuote, type HttpProbeEach, type LookupProbe, type ProbeOrigin, type ProbeResult } from './probe.ts';
import type { Criterion } from './types.ts';

/** One client of a policy check: a probe pod placed and labelled as that client, and what it asks for. */
export interface PolicyClient extends ProbeOrigin {
  /** GET side by side, each asked again while it is refused or dropped (see policyPatienceSeconds). */
  urls: readonly string[];
  /**
   * The URLs of `urls` this client must not reach. Before any request counts, the probe asks for them until all
   * are refused (for at most `policyPatienceSeconds`).
   *
   * A NetworkPolicy has no status: kube-router writes a change into the node's rules a second or more after it is
   * made (many seconds on a busy node), and a new pod's own rules only in the sync after it starts. A check run
   * right after `kubectl apply` sees the rules as they were, in either direction: a client the new policy admits
   * is still refused, or one it blocks still gets in. So the probe first waits out a stale "open" (the blocked URLs
   * answering), then asks again for every refused URL until it is answered: a stale "closed" ends the moment the
   * rules change. Waiting for only the expected answer would be fooled by a stale state that happens to look right.
   */
  blocked?: readonly string[];
  /** A name to resolve (getent, through the pod's resolv.conf) after the requests. */
  lookup?: string;
}

export interface PolicyProbe {
  /** One answer per URL, in the order of `urls`. */
  answers: HttpProbeEach[];
  /** The lookup of `lookup`, when one was asked for. */
  lookup?: LookupProbe;
}

/**
 * How long the probe waits for a stale state to end, in each of its two phases. Under a full test run's load (a
 * load average near 90 on 2 cores) a client a correct policy admitted was still refused after 12 s.
 */
export const policyPatienceSeconds = 20;

/** The bash a client's probe pod runs: the blocked URLs until refused, then every request, then the lookup. */
export function policyProbeScript(client: Pick<PolicyClient, 'urls' | 'blocked' | 'lookup'>, marker: string, patienceSeconds = policyPatienceSeconds): string {
  const lines: string[] = [];
  if (client.blocked?.length) {
    const anyAnswers = client.blocked.map((url) => `curl -s -o /dev/null --connect-timeout 2 -m 3 ${shellQuote(url)}`).join(' || ');
    lines.push(
      `settle_until=$(( $(date +%s) + ${patienceSeconds} ))`,
      `while ${anyAnswers}; do [ $(date +%s) -ge $settle_until ] && break; sleep 0.5; done`,
    );
  }
  lines.push(httpEachScript(client.urls, 2, marker, patienceSeconds));
  if (client.lookup !== undefined) {
    // Bounded: with DNS dropped rather than refused, glibc would wait 5 s per try and search domain.
    lines.push(`echo; echo "lookup:$(timeout 6 getent ahosts ${shellQuote(client.lookup)} | awk '{print $1}' | sort -u | tr '\\n' ' ')"`);
  }
  return lines.join('\n');
}

/** What policyProbeScript printed, read back. */
export function parsePolicyProbe(client: Pick<PolicyClient, 'urls' | 'lookup'>, result: ProbeResult, marker: string): PolicyProbe {
  // The lookup's line comes after the last request's section: it is not part of that answer's body.
  const requests = { ...result, output: result.output.split('\n').filter((l) => !l.startsWith('lookup:')).join('\n') };
  const answers = parseHttpProbes(client.urls, requests, marker);
  if (client.lookup === undefined) return { answers };
  const line = result.output.split('\n').find((l) => l.startsWith('lookup:'));
  const addresses = line ? line.slice('lookup:'.length).trim().split(/\s+/).filter(Boolean) : [];
  const outcome = !line ? 'the probe did not finish in time' : addresses.length ? addresses.join(', ') : 'does not resolve';
  return { answers, lookup: { answers: addresses, summary: `${client.lookup} from ${result.from}: ${outcome}` } };
}

/** Runs one client's probe pod (see PolicyClient) and reads what it got. */
export async function probePolicyClient(cluster: CheckContext, client: PolicyClient, signal?: AbortSignal): Promise<PolicyProbe> {
  const marker = `kubelab-probe-${randomUUID()}`;
  const { namespace, labels, node } = client;
  const result = await runProbe(cluster, policyProbeScript(client, marker), {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(labels !== undefined ? { labels } : {}),
    ...(node !== undefined ? { node } : {}),
    // Both phases, one more try and the lookup, and a start: within the check's 60 s, so a slow probe says so.
    timeoutSeconds: 2 * policyPatienceSeconds + 15,
    ...(signal ? { signal } : {}),
  });
  return parsePolicyProbe(client, result, marker);
}

/** Every client at once, one probe pod each: clients with other labels or namespaces need pods of their own. */
export function probePolicyClients(cluster: CheckContext, clients: readonly PolicyClient[], signal?: AbortSignal): Promise<PolicyProbe[]> {
  return Promise.all(clients.map((client) => probePolicyClient(cluster, client, signal)));
}

/** The pods of a namespace, by name (null for a missing one). */
function readPods(cluster: CheckContext, namespace: string, names: readonly string[]): Promise<(V1Pod | null)[]> {
  return Promise.all(names.map((name) => readPod(cluster, name, namespace)));
}

const isReady = (target: V1Pod | null) => target?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** These builders have no default words: each client of each check is its own fact. */
type NamedCriterion<Id extends string> = CriterionOptions<Id> & { id: Id; description: string };

/**
 * Builders for NetworkPolicy checks. A policy is judged by traffic: a client that must get in got an HTTP answer,
 * one that must not got none, from a probe that finished. The criteria quote the probe's summary: what was tried,
 * from where, and what came back.
 */
export const netpol = {
  probe: probePolicyClient,
  probeAll: probePolicyClients,
  readPods,

  /** The client got an HTTP answer (any status: the connection went through). */
  admitted<const Id extends string>(answer: HttpProbeEach | undefined, options: NamedCriterion<Id>): Criterion<Id> {
    return buildCriterion(
      {
        id: options.id,
        description: options.description,
        hint: 'Some policy must admit this client: list them with `kubectl get networkpolicy -n <namespace>` and read each with `kubectl describe`. Policies add up; a pod a policy selects takes only what one of them allows.',
      },
      options,
      { passed: answer?.status !== undefined, expected: 'an HTTP answer', actual: answer?.summary ?? 'not probed' },
    );
  },

  /** The client got no answer (refused, or timed out), and the probe finished: a probe cut short proves nothing. */
  blocked<const Id extends string>(answer: HttpProbeEach | undefined, options: NamedCriterion<Id>): Criterion<Id> {
    return buildCriterion(
      {
        id: options.id,
        description: options.description,
        hint: 'A pod is isolated only once some policy selects it (`spec.podSelector`); then it takes only what a rule allows. An empty rule (`- {}`) allows everything.',
      },
      options,
      {
        passed: answer?.finished === true && answer.status === undefined,
        expected: 'no answer: the connection is refused or times out',
        actual: answer?.summary ?? 'not probed',
      },
    );
  },

  /** The name resolved from the client: its DNS queries got through. */
  resolves<const Id extends string>(lookup: LookupProbe | undefined, options: NamedCriterion<Id>): Criterion<Id> {
    return buildCriterion(
      {
        id: options.id,
        description: options.description,
        hint: 'A name is looked up first, by a query to the cluster DNS (the kube-dns pods in kube-system) on UDP and TCP port 53.',
      },
      options,
      { passed: (lookup?.answers.length ?? 0) > 0, expected: 'an address', actual: lookup?.summary ?? 'not looked up' },
    );
  },

  /** Every named pod is there, running and ready: a client blocked because its server is gone proves nothing. */
  podsReady<const Id extends string>(pods: readonly (V1Pod | null)[], names: readonly string[], namespace: string, options: NamedCriterion<Id>): Criterion<Id> {
    const states = names.map((name, i) => {
      const target = pods[i] ?? null;
      return `${name}: ${target === null ? 'missing' : isReady(target) ? 'ready' : describePodState(target)}`;
    });
    return buildCriterion(
      {
        id: options.id,
        description: options.description,
        hint: `The task is about traffic, not about the pods: leave them as they are (\`kubectl get pods -n ${namespace}\`). Reset the exercise to get a missing one back.`,
      },
      options,
      { passed: pods.length === names.length && pods.every(isReady), expected: names.map((name) => `${name}: ready`).join(', '), actual: states.join(', ') },
    );
  },
};
