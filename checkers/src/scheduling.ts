import {
  PolicyV1Api,
  type V1LabelSelector,
  type V1Node,
  type V1NodeSelectorTerm,
  type V1Pod,
  type V1PodDisruptionBudget,
  type V1PodSpec,
  type V1PodTemplateSpec,
  type V1Taint,
  type V1Toleration,
} from '@kubernetes/client-node';
import type { CheckContext } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import { describePodState, formatLabels } from './pods.ts';
import { matchesLabelSelector, requirementHolds } from './selectors.ts';
import type { Criterion } from './types.ts';

export type { V1PodDisruptionBudget } from '@kubernetes/client-node';

/**
 * Where pods may go and where they went: nodes, their labels, taints and cordons, what a pod spec asks of a node
 * (nodeSelector, node affinity, tolerations, pod anti-affinity), and PodDisruptionBudgets. The matchers below
 * evaluate a spec the way the scheduler does, so a check accepts every way of writing the same rule (a
 * nodeSelector or a required node affinity, `operator: Exists` or `Equal`), and judges what the rule means.
 */

const controlPlaneRole = 'node-role.kubernetes.io/control-plane';

export function isControlPlane(node: V1Node): boolean {
  return node.metadata?.labels?.[controlPlaneRole] !== undefined;
}

const nodeName = (node: V1Node) => node.metadata?.name ?? '<node>';

/** Every node of the cluster, sorted by name. */
export async function listNodes(cluster: CheckContext): Promise<V1Node[]> {
  const { items } = await cluster.core.listNode();
  return items.sort((a, b) => nodeName(a).localeCompare(nodeName(b)));
}

/** The pods of a namespace that `selector` selects, leaving out those already being deleted. */
export async function podsSelectedBy(cluster: CheckContext, selector: V1LabelSelector | undefined, namespace = 'default'): Promise<V1Pod[]> {
  if (!selector) return [];
  const { items } = await cluster.core.listNamespacedPod({ namespace });
  return items.filter((p) => !p.metadata?.deletionTimestamp && matchesLabelSelector(selector, p.metadata?.labels));
}

/** One node selector term (what node affinity is made of): every expression and field requirement holds. */
export function matchesNodeSelectorTerm(term: V1NodeSelectorTerm, node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  return (
    expressions.every((r) => requirementHolds(labels[r.key], r.operator, r.values)) &&
    fields.every((r) => r.key === 'metadata.name' && requirementHolds(node.metadata?.name, r.operator, r.values))
  );
}

/**
 * The node passes the pod's hard node rules: its nodeSelector and its required node affinity (any one of the
 * terms). Taints are a separate matter (see toleratesTaint).
 */
export function nodeMeetsPodRequirements(spec: V1PodSpec | undefined, node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  if (!Object.entries(spec?.nodeSelector ?? {}).every(([key, value]) => labels[key] === value)) return false;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms === undefined || terms.some((term) => matchesNodeSelectorTerm(term, node));
}

/** The toleration lets a pod onto a node with this taint (same key, value and effect, or a wildcard). */
export function toleratesTaint(toleration: V1Toleration, taint: V1Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  const operator = toleration.operator ?? 'Equal';
  if (!toleration.key) return operator === 'Exists';
  if (toleration.key !== taint.key) return false;
  return operator === 'Exists' || (operator === 'Equal' && (toleration.value ?? '') === (taint.value ?? ''));
}

/** A copy of the node with the label set (value) or removed (undefined): "would the rule take this node if…". */
function withLabel(node: V1Node, key: string, value: string | undefined): V1Node {
  const labels = { ...(node.metadata?.labels ?? {}) };
  if (value === undefined) delete labels[key];
  else labels[key] = value;
  return { ...node, metadata: { ...node.metadata, labels } };
}

export const formatTaint = (taint: Pick<V1Taint, 'key' | 'value' | 'effect'>): string => `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;

function describeTaints(nodes: V1Node[]): string {
  const tainted = nodes.filter((n) => n.spec?.taints?.length);
  return tainted.length ? tainted.map((n) => `${nodeName(n)}: ${n.spec!.taints!.map(formatTaint).join(', ')}`).join('; ') : 'no node has a taint';
}

/** Where a pod is, or why it is nowhere: the node it runs on, or the scheduler's message. */
export function describePlacement(target: V1Pod | null): string {
  if (!target) return 'no pod';
  const unscheduled = target.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  // The scheduler's message goes on about preemption after its first sentence, which says which filter stopped it.
  if (unscheduled) return `Pending, not scheduled: ${(unscheduled.message ?? unscheduled.reason ?? 'no reason given').split(/(?<=\.) /)[0]}`;
  const described = describePodState(target);
  const state = described === 'phase Running' && !isReady(target) ? 'Running but not ready' : described;
  return target.spec?.nodeName ? `${state} on ${target.spec.nodeName}` : state;
}

/** Pods and where they are, with pods in the same state told once: "web-1, web-2: Pending, not scheduled: …". */
function describeEach(pods: V1Pod[]): string {
  const byState = new Map<string, string[]>();
  for (const p of pods) {
    const state = describePlacement(p);
    byState.set(state, [...(byState.get(state) ?? []), p.metadata?.name ?? '<pod>']);
  }
  return [...byState].map(([state, names]) => `${names.join(', ')}: ${state}`).join('; ');
}

const isReady = (p: V1Pod) =>
  !p.metadata?.deletionTimestamp &&
  p.status?.phase === 'Running' &&
  (p.status.containerStatuses ?? []).length > 0 &&
  (p.status.containerStatuses ?? []).every((s) => s.ready);

/** Criterion builders for nodes: their labels, taints and cordons. Each takes the cluster's nodes (listNodes). */
export const clusterNodes = {
  list: listNodes,
  isControlPlane,

  /** Exactly one node carries `key=value`, and it is a worker. Id "label". */
  labelledWorker<const Id extends string = 'label'>(nodes: V1Node[], key: string, value: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const labelled = nodes.filter((n) => n.metadata?.labels?.[key] === value);
    const only = labelled.length === 1 ? labelled[0] : undefined;
    return buildCriterion(
      {
        id: 'label',
        description: `Exactly one worker carries the label \`${key}=${value}\`, and no other node does`,
        hint: `\`kubectl get nodes -L ${key}\` shows the label on every node; \`kubectl label node <node> ${key}-\` removes it.`,
      },
      options,
      {
        passed: only !== undefined && !isControlPlane(only),
        expected: `${key}=${value} on one worker`,
        actual: labelled.length
          ? labelled.map((n) => `${nodeName(n)}${isControlPlane(n) ? ' (the control plane)' : ''}`).join(', ')
          : `no node carries ${key}=${value}`,
      },
    );
  },

  /** No node carries the label `key` (with any value). Id "unlabelled". */
  noneLabelled<const Id extends string = 'unlabelled'>(nodes: V1Node[], key: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const labelled = nodes.filter((n) => n.metadata?.labels?.[key] !== undefined);
    return buildCriterion(
      {
        id: 'unlabelled',
        description: `No node carries a \`${key}\` label`,
        hint: `\`kubectl get nodes -L ${key}\` shows it; \`kubectl label node <node> ${key}-\` removes it.`,
      },
      options,
      {
        passed: labelled.length === 0,
        expected: `no node labelled ${key}`,
        actual: labelled.length ? labelled.map((n) => `${nodeName(n)}: ${key}=${n.metadata!.labels![key]}`).join(', ') : `no node labelled ${key}`,
      },
    );
  },

  /** Exactly one node has this taint, and it is a worker. Id "taint". */
  taintedWorker<const Id extends string = 'taint'>(nodes: V1Node[], taint: Pick<V1Taint, 'key' | 'value' | 'effect'>, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const same = (t: V1Taint) => t.key === taint.key && (t.value ?? '') === (taint.value ?? '') && t.effect === taint.effect;
    const tainted = nodes.filter((n) => (n.spec?.taints ?? []).some(same));
    const only = tainted.length === 1 ? tainted[0] : undefined;
    return buildCriterion(
      {
        id: 'taint',
        description: `Exactly one worker has the taint \`${formatTaint(taint)}\``,
        hint: `\`kubectl taint node <worker> ${formatTaint(taint)}\` adds it, and the same with a \`-\` at the end removes it. \`kubectl describe node <node> | grep Taints\` shows them.`,
      },
      options,
      {
        passed: only !== undefined && !isControlPlane(only),
        expected: `${formatTaint(taint)} on one worker`,
        actual: tainted.length ? `${formatTaint(taint)} on ${tainted.map(nodeName).join(', ')}` : describeTaints(nodes),
      },
    );
  },

  /** Every control-plane node still has its `node-role.kubernetes.io/control-plane:NoSchedule` taint. Id "control-plane-taint". */
  controlPlaneTainted<const Id extends string = 'control-plane-taint'>(nodes: V1Node[], options: CriterionOptions<Id> = {}): Criterion<Id> {
    const planes = nodes.filter(isControlPlane);
    const bare = planes.filter((n) => !(n.spec?.taints ?? []).some((t) => t.key === controlPlaneRole && t.effect === 'NoSchedule'));
    return buildCriterion(
      {
        id: 'control-plane-taint',
        description: 'The control-plane node keeps its taint `node-role.kubernetes.io/control-plane:NoSchedule`',
        hint: 'Removing the taint lets every workload onto the control plane. Put it back with `kubectl taint node <control-plane> node-role.kubernetes.io/control-plane:NoSchedule`, and tolerate it in the pod template instead.',
      },
      options,
      {
        passed: planes.length > 0 && bare.length === 0,
        expected: `${controlPlaneRole}:NoSchedule on the control plane`,
        actual: planes.length === 0 ? 'no control-plane node' : bare.length ? `${bare.map(nodeName).join(', ')} without it` : `${controlPlaneRole}:NoSchedule on ${planes.map(nodeName).join(', ')}`,
      },
    );
  },

  /** At least one worker is cordoned (spec.unschedulable), and no control-plane node is. Id "cordoned". */
  cordonedWorker<const Id extends string = 'cordoned'>(nodes: V1Node[], options: CriterionOptions<Id> = {}): Criterion<Id> {
    const cordoned = nodes.filter((n) => n.spec?.unschedulable === true);
    return buildCriterion(
      {
        id: 'cordoned',
        description: 'A worker is cordoned (SchedulingDisabled), and the control plane is not',
        hint: '`kubectl drain <worker>` cordons the node first; `kubectl get nodes` shows `SchedulingDisabled` next to it.',
      },
      options,
      {
        passed: cordoned.length > 0 && cordoned.every((n) => !isControlPlane(n)),
        expected: 'a worker with SchedulingDisabled',
        actual: cordoned.length ? `cordoned: ${cordoned.map(nodeName).join(', ')}` : 'no node is cordoned',
      },
    );
  },
};

/**
 * Criterion builders for what a pod (or a pod template) asks of the scheduler, judged by what the rules do on
 * this cluster's nodes, not by how they are written.
 */
export const placement = {
  /**
   * The pod can run only on nodes labelled `key=value`, and would run on one: no node without the label meets its
   * nodeSelector and required node affinity, and some node with it does. A pod pinned by hostname alone fails,
   * since the node without the label would still take it. Id "selector".
   */
  requiresNodeLabel<const Id extends string = 'selector'>(
    spec: V1PodSpec | undefined,
    nodes: V1Node[],
    key: string,
    value: string,
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const admitsUnlabelled = nodes.filter((n) => nodeMeetsPodRequirements(spec, withLabel(n, key, undefined)));
    const admitsLabelled = nodes.some((n) => nodeMeetsPodRequirements(spec, withLabel(n, key, value)));
    const selector = formatLabels(spec?.nodeSelector);
    const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.length ?? 0;
    return buildCriterion(
      {
        id: 'selector',
        description: `The pod may be scheduled only onto nodes labelled \`${key}=${value}\` (a nodeSelector or a required node affinity)`,
        hint: `Without a rule the scheduler picks any node, and landing on the right one is luck. Add \`nodeSelector: {${key}: ${value}}\` to the pod's spec.`,
      },
      options,
      {
        passed: spec !== undefined && admitsUnlabelled.length === 0 && admitsLabelled,
        expected: `only nodes with ${key}=${value}`,
        actual: !spec
          ? 'no pod'
          : admitsUnlabelled.length
            ? `nodes without the label are allowed too (nodeSelector: ${selector}; ${terms} required affinity term${terms === 1 ? '' : 's'})`
            : admitsLabelled
              ? `only nodes with ${key}=${value}`
              : `no node would do, even with ${key}=${value} (nodeSelector: ${selector})`,
      },
    );
  },

  /**
   * A preferred node affinity term (weight above 0) favours nodes labelled `key=value`: it matches such a node
   * and not the same node without the label. Id "prefers".
   */
  prefersNodeLabel<const Id extends string = 'prefers'>(
    spec: V1PodSpec | undefined,
    nodes: V1Node[],
    key: string,
    value: string,
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const preferred = spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const favours = preferred.filter(
      (p) => p.weight > 0 && nodes.some((n) => matchesNodeSelectorTerm(p.preference, withLabel(n, key, value)) && !matchesNodeSelectorTerm(p.preference, withLabel(n, key, undefined))),
    );
    return buildCriterion(
      {
        id: 'prefers',
        description: `The pods prefer nodes labelled \`${key}=${value}\` (a preferred node affinity)`,
        hint: `A preference goes under \`affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution\`: a \`weight\` (1-100) and a \`preference\` with \`matchExpressions\` on \`${key}\`.`,
      },
      options,
      {
        passed: favours.length > 0,
        expected: `a preferred term for ${key}=${value}`,
        actual: !spec
          ? 'no pod template'
          : favours.length
            ? `preferred, weight ${favours.map((p) => p.weight).join(', ')}`
            : preferred.length
              ? `${preferred.length} preferred term${preferred.length === 1 ? '' : 's'}, none for ${key}=${value}`
              : 'no preferred node affinity',
      },
    );
  },

  /** The pod spec tolerates the taint. Id "toleration". */
  tolerates<const Id extends string = 'toleration'>(spec: V1PodSpec | undefined, taint: Pick<V1Taint, 'key' | 'value' | 'effect'>, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const tolerations = spec?.tolerations ?? [];
    const shown = tolerations
      .filter((t) => !t.key?.startsWith('node.kubernetes.io/'))
      .map((t) => `${t.key ?? '*'} ${t.operator ?? 'Equal'}${t.value ? ` ${t.value}` : ''}${t.effect ? ` (${t.effect})` : ''}`);
    return buildCriterion(
      {
        id: 'toleration',
        description: `The pod tolerates the taint \`${formatTaint(taint)}\``,
        hint: `Add to the pod's spec: \`tolerations: [{key: ${taint.key}, operator: Equal, value: ${taint.value ?? '""'}, effect: ${taint.effect}}]\`. A taint added after a pod was placed does not move it (NoSchedule only stops new pods).`,
      },
      options,
      {
        passed: spec !== undefined && tolerations.some((t) => toleratesTaint(t, { key: taint.key, value: taint.value, effect: taint.effect })),
        expected: `a toleration for ${formatTaint(taint)}`,
        actual: !spec ? 'no pod' : shown.length ? shown.join(', ') : 'no tolerations of its own',
      },
    );
  },

  /** The pod is Running and ready on a node that `where` accepts (say, the labelled worker). Id "placed". */
  runsOn<const Id extends string = 'placed'>(
    target: V1Pod | null,
    nodes: V1Node[],
    where: { test: (node: V1Node) => boolean; description: string },
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const host = nodes.find((n) => nodeName(n) === target?.spec?.nodeName);
    return buildCriterion(
      {
        id: 'placed',
        description: `The pod is Running and ready on ${where.description}`,
        hint: 'A Pending pod says why in the Events of `kubectl describe pod <name>` ("0/3 nodes are available: …").',
      },
      options,
      {
        passed: target !== null && isReady(target) && host !== undefined && where.test(host),
        expected: `Running on ${where.description}`,
        actual: describePlacement(target),
      },
    );
  },

  /**
   * The template's pods repel each other per node: a required pod anti-affinity term on `kubernetes.io/hostname`
   * whose selector matches the template's own labels (in the same namespace). Id "rule".
   */
  keepsApart<const Id extends string = 'rule'>(template: V1PodTemplateSpec | undefined, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const labels = template?.metadata?.labels;
    const terms = template?.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    const ownNamespace = (t: (typeof terms)[number]) => !t.namespaceSelector && (t.namespaces === undefined || t.namespaces.length === 0 || t.namespaces.includes(template?.metadata?.namespace ?? 'default'));
    const apart = terms.some((t) => t.topologyKey === 'kubernetes.io/hostname' && ownNamespace(t) && matchesLabelSelector(t.labelSelector, labels));
    const preferred = template?.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0;
    const describeTerm = (t: (typeof terms)[number]) => `topologyKey ${t.topologyKey}, selecting ${t.labelSelector ? describeSelector(t.labelSelector) : 'nothing'}`;
    return buildCriterion(
      {
        id: 'rule',
        description: 'A required pod anti-affinity keeps the pods apart: no two on one node (`topologyKey: kubernetes.io/hostname`, a selector matching their own labels)',
        hint: 'Under the template\'s `affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution`, one term: `labelSelector.matchLabels` equal to the pods\' labels, and `topologyKey: kubernetes.io/hostname` (every node has its own hostname).',
      },
      options,
      {
        passed: apart,
        expected: `required anti-affinity on kubernetes.io/hostname against ${formatLabels(labels)}`,
        actual: !template
          ? 'no pod template'
          : terms.length
            ? terms.map(describeTerm).join('; ')
            : preferred
              ? `only a preferred anti-affinity (${preferred} term${preferred === 1 ? '' : 's'}): the scheduler may still put two together`
              : 'no required pod anti-affinity',
      },
    );
  },

  /** Exactly `count` pods, all Running and ready, each on a different node. Id "spread". */
  spreadAcrossNodes<const Id extends string = 'spread'>(pods: V1Pod[], count: number, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
    const ready = live.filter(isReady);
    const hosts = new Set(ready.map((p) => p.spec?.nodeName));
    return buildCriterion(
      {
        id: 'spread',
        description: `${count} pods, all ready, each on a different node`,
        hint: '`kubectl get pods -o wide` shows the node of each pod; a Pending one says why in `kubectl describe pod <name>`.',
      },
      options,
      {
        passed: live.length === count && ready.length === count && hosts.size === count,
        expected: `${count} ready pods on ${count} nodes`,
        actual: live.length ? describeEach(live) : 'no pods',
      },
    );
  },

  /** None of these pods runs on a cordoned node (and there is one). Id "drained". */
  noneOnCordoned<const Id extends string = 'drained'>(pods: V1Pod[], nodes: V1Node[], options: CriterionOptions<Id> = {}): Criterion<Id> {
    const cordoned = new Set(nodes.filter((n) => n.spec?.unschedulable === true).map(nodeName));
    const left = pods.filter((p) => !p.metadata?.deletionTimestamp && cordoned.has(p.spec?.nodeName ?? ''));
    return buildCriterion(
      {
        id: 'drained',
        description: 'No pod of the app is left on a cordoned node',
        hint: 'Cordoning only stops new pods. `kubectl drain <node> --ignore-daemonsets` also evicts the pods already there.',
      },
      options,
      {
        passed: cordoned.size > 0 && left.length === 0,
        expected: 'no pods on cordoned nodes',
        actual: cordoned.size === 0 ? 'no node is cordoned' : left.length ? left.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName}`).join(', ') : 'none',
      },
    );
  },

  /** At least `count` of these pods are Running and ready. Id "available". */
  readyAtLeast<const Id extends string = 'available'>(pods: V1Pod[], count: number, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const ready = pods.filter(isReady);
    return buildCriterion(
      {
        id: 'available',
        description: `At least ${count} pods of the app are ready`,
        hint: '`kubectl get pods -o wide` shows which pods are ready and where; `kubectl describe pod <name>` says why one is not.',
      },
      options,
      {
        passed: ready.length >= count,
        expected: `≥ ${count} ready`,
        actual: `${ready.length} ready of ${pods.length}${pods.length > ready.length ? ` (${describeEach(pods.filter((p) => !isReady(p)))})` : ''}`,
      },
    );
  },
};

function describeSelector(selector: V1LabelSelector): string {
  const expressions = (selector.matchExpressions ?? []).map((e) => `${e.key} ${e.operator}${e.values?.length ? ` (${e.values.join(', ')})` : ''}`);
  const parts = [...Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`), ...expressions];
  return parts.length ? parts.join(', ') : 'everything';
}

/** Every PodDisruptionBudget of a namespace. */
export async function listDisruptionBudgets(cluster: CheckContext, namespace = 'default'): Promise<V1PodDisruptionBudget[]> {
  const policy = cluster.kubeConfig.makeApiClient(PolicyV1Api);
  return (await policy.listNamespacedPodDisruptionBudget({ namespace })).items;
}

/**
 * Criterion builders for PodDisruptionBudgets, judged by what the disruption controller computed (status), so
 * `minAvailable: 2`, `maxUnavailable: 1` and `minAvailable: 66%` of three pods are the same budget.
 */
export const disruptionBudget = {
  list: listDisruptionBudgets,

  /** The budgets that select pods carrying these labels. */
  covering(budgets: V1PodDisruptionBudget[], podLabels: Record<string, string> | undefined): V1PodDisruptionBudget[] {
    return budgets.filter((b) => matchesLabelSelector(b.spec?.selector, podLabels));
  },

  /** A budget covers the app's pods and keeps at least `count` of them healthy through evictions. Id "protected". */
  keepsAtLeast<const Id extends string = 'protected'>(covering: V1PodDisruptionBudget[], count: number, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const strongest = Math.max(-1, ...covering.map((b) => b.status?.desiredHealthy ?? -1));
    return buildCriterion(
      {
        id: 'protected',
        description: `A PodDisruptionBudget still protects the app: evictions must leave at least ${count} pods healthy`,
        hint: `Deleting the budget or lowering it lets a drain take the app down. Keep it, with \`minAvailable: ${count}\` or the \`maxUnavailable\` that leaves ${count}.`,
      },
      options,
      {
        passed: strongest >= count,
        expected: `a budget with desiredHealthy ≥ ${count}`,
        actual: covering.length ? covering.map(describeBudget).join('; ') : 'no PodDisruptionBudget selects the app\'s pods',
      },
    );
  },

  /**
   * Every budget that covers the app lets at least one pod go once all are healthy (desiredHealthy below the pods
   * it expects), so a drain can proceed one pod at a time. Id "allows-drain".
   */
  allowsEviction<const Id extends string = 'allows-drain'>(covering: V1PodDisruptionBudget[], options: CriterionOptions<Id> = {}): Criterion<Id> {
    const blocking = covering.filter((b) => (b.status?.desiredHealthy ?? 0) >= (b.status?.expectedPods ?? 0));
    return buildCriterion(
      {
        id: 'allows-drain',
        description: 'The budget lets one pod at a time be evicted when all are healthy, so a drain can proceed',
        hint: 'A budget that needs every pod up (minAvailable equal to the replicas, or maxUnavailable: 0) blocks every eviction: `kubectl drain` retries forever with "Cannot evict pod as it would violate the pod\'s disruption budget".',
      },
      options,
      {
        passed: covering.length > 0 && blocking.length === 0,
        expected: 'desiredHealthy below expectedPods',
        actual: covering.length ? covering.map(describeBudget).join('; ') : 'no PodDisruptionBudget selects the app\'s pods',
      },
    );
  },
};

function describeBudget(budget: V1PodDisruptionBudget): string {
  const rule = budget.spec?.minAvailable !== undefined ? `minAvailable ${budget.spec.minAvailable}` : budget.spec?.maxUnavailable !== undefined ? `maxUnavailable ${budget.spec.maxUnavailable}` : 'no rule';
  const status = budget.status;
  return `${budget.metadata?.name}: ${rule}${status ? ` (needs ${status.desiredHealthy} of ${status.expectedPods} healthy, allows ${status.disruptionsAllowed} disruption${status.disruptionsAllowed === 1 ? '' : 's'})` : ''}`;
}
