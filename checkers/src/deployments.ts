import {
  ApiException,
  DiscoveryV1Api,
  type IntOrString,
  type V1Container,
  type V1Deployment,
  type V1EndpointSlice,
  type V1LabelSelector,
  type V1Pod,
  type V1Probe,
  type V1ReplicaSet,
  type V1ReplicationController,
  type V1Service,
} from '@kubernetes/client-node';
import { getOrNull, type CheckContext } from './context.ts';
import { getThroughServiceProxy } from './queries.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import { sameImage } from './images.ts';
import { formatLabels } from './pods.ts';
import { matchesLabelSelector } from './selectors.ts';
import type { Criterion } from './types.ts';

type Labels = Record<string, string>;

/** The annotation the Deployment controller numbers revisions with (what `kubectl rollout history` lists). */
export const revisionAnnotation = 'deployment.kubernetes.io/revision';

/** Reads one Deployment, or null when it does not exist. */
export function readDeployment(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1Deployment | null> {
  return getOrNull(() => cluster.apps.readNamespacedDeployment({ name, namespace }));
}

/** Reads one Service, or null when it does not exist. */
export function readService(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1Service | null> {
  return getOrNull(() => cluster.core.readNamespacedService({ name, namespace }));
}

/** Reads one ReplicationController, or null when it does not exist. */
export function readReplicationController(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1ReplicationController | null> {
  return getOrNull(() => cluster.core.readNamespacedReplicationController({ name, namespace }));
}

const controllerUid = (object: { metadata?: { ownerReferences?: { controller?: boolean; uid: string }[] } }) =>
  object.metadata?.ownerReferences?.find((ref) => ref.controller)?.uid;

/** The ReplicaSets a Deployment controls (its revisions, old ones scaled to 0 included); [] for a missing one. */
export async function replicaSetsOf(cluster: CheckContext, target: V1Deployment | null): Promise<V1ReplicaSet[]> {
  const uid = target?.metadata?.uid;
  if (!target || !uid) return [];
  const list = await cluster.apps.listNamespacedReplicaSet({ namespace: target.metadata?.namespace ?? 'default' });
  return list.items.filter((rs) => controllerUid(rs) === uid);
}

/** The pods of a namespace that carry every label of `labels` (an equality selector). */
export async function podsLabelled(cluster: CheckContext, labels: Labels, namespace = 'default'): Promise<V1Pod[]> {
  const labelSelector = Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(',');
  return (await cluster.core.listNamespacedPod({ namespace, labelSelector })).items;
}

/** The EndpointSlices the control plane keeps for a Service (the addresses its traffic goes to). */
export async function endpointSlicesOf(cluster: CheckContext, service: string, namespace = 'default'): Promise<V1EndpointSlice[]> {
  const discovery = cluster.kubeConfig.makeApiClient(DiscoveryV1Api);
  return (await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` })).items;
}

/** The distinct addresses of the slices that are ready to take traffic. */
export function readyAddresses(slices: readonly V1EndpointSlice[]): string[] {
  const ready = slices.flatMap((slice) => (slice.endpoints ?? []).filter((e) => e.conditions?.ready === true).flatMap((e) => e.addresses));
  return [...new Set(ready)];
}

/**
 * GETs `path` from a Service through the API server's service proxy, as { body } or, when the proxy or the app
 * answers with an error, { error } in a line: a failed probe is a failed criterion, not an exception.
 */
export async function getFromService(
  cluster: CheckContext,
  target: { service: string; port: number | string; path: string; namespace?: string },
): Promise<{ body?: string; error?: string }> {
  try {
    const body: unknown = await getThroughServiceProxy(cluster, { namespace: target.namespace ?? 'default', ...target });
    return { body: typeof body === 'string' ? body : JSON.stringify(body) };
  } catch (error) {
    if (error instanceof ApiException) {
      const body: unknown = error.body;
      const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
      const message = /"message":\s*"([^"]*)"/.exec(text)?.[1] ?? text;
      return { error: `HTTP ${error.code}${message ? `: ${message.trim().slice(0, 120)}` : ''}` };
    }
    return { error: error instanceof Error ? error.message.split('\n')[0]!.slice(0, 160) : String(error) };
  }
}

/**
 * The number a maxSurge or maxUnavailable stands for on `replicas` pods, as the Deployment controller works it
 * out: a percentage rounds up for maxSurge (`roundUp`) and down for maxUnavailable.
 */
export function resolveIntOrPercent(value: IntOrString | undefined, replicas: number, roundUp: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const percent = /^(\d+)%$/.exec(value.trim());
  if (!percent) return /^\d+$/.test(value.trim()) ? Number(value) : undefined;
  const exact = (Number(percent[1]) * replicas) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** A selector as `kubectl get -l` would write it: `app=web, tier in (a,b), !canary`. */
export function formatSelector(selector: V1LabelSelector | undefined): string {
  if (!selector) return 'no selector';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const { key, operator, values } of selector.matchExpressions ?? []) {
    const list = `(${(values ?? []).join(',')})`;
    parts.push(
      operator === 'In' ? `${key} in ${list}` : operator === 'NotIn' ? `${key} notin ${list}` : operator === 'Exists' ? key : operator === 'DoesNotExist' ? `!${key}` : `${key} ${operator} ${list}`,
    );
  }
  return parts.length ? parts.join(', ') : 'an empty selector (everything)';
}

const nameOf = (object: { metadata?: { name?: string } } | null, fallback: string) => object?.metadata?.name ?? fallback;
const desiredReplicas = (target: V1Deployment) => target.spec?.replicas ?? 1;
const templateContainers = (target: V1Deployment | null): V1Container[] => target?.spec?.template?.spec?.containers ?? [];

function containerOf(target: V1Deployment | null, name: string | undefined): V1Container | undefined {
  const containers = templateContainers(target);
  return name === undefined ? containers[0] : containers.find((c) => c.name === name);
}

function missingContainer(target: V1Deployment | null, name: string | undefined): string {
  if (!target) return 'no deployment';
  return name === undefined ? 'no containers' : `no container named \`${name}\``;
}

/** For builders that look at one container of the pod template: by name, or its first container. */
type ContainerOption = { container?: string };

/** A port a probe or a Service's targetPort names, as a number: a number as it is, a name through the container's ports. */
function resolvePort(port: IntOrString | undefined, containers: readonly V1Container[]): number | undefined {
  if (port === undefined) return undefined;
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return containers.flatMap((c) => c.ports ?? []).find((p) => p.name === port)?.containerPort;
}

function describeProbe(probe: V1Probe | undefined, containers: readonly V1Container[]): string {
  if (!probe) return 'no probe';
  if (probe.httpGet) {
    const port = probe.httpGet.port;
    const resolved = resolvePort(port, containers);
    const shown = typeof port === 'string' && resolved !== undefined ? `${port} (= ${resolved})` : String(port);
    return `HTTP GET ${probe.httpGet.path ?? '/'} on port ${shown}`;
  }
  if (probe.tcpSocket) return `a TCP check on port ${String(probe.tcpSocket.port)}`;
  if (probe.exec) return `a command: ${(probe.exec.command ?? []).join(' ')}`;
  if (probe.grpc) return `a gRPC check on port ${probe.grpc.port}`;
  return 'a probe with no handler';
}

function probeCriterion<Id extends string>(
  kind: 'readiness' | 'liveness',
  target: V1Deployment | null,
  want: { path: string; port: number },
  options: CriterionOptions<Id> & ContainerOption,
): Criterion<Id> {
  const container = containerOf(target, options.container);
  const probe = kind === 'readiness' ? container?.readinessProbe : container?.livenessProbe;
  const containers = templateContainers(target);
  const field = kind === 'readiness' ? 'readinessProbe' : 'livenessProbe';
  return buildCriterion(
    {
      id: kind,
      description: `The container has a ${kind} probe: HTTP GET \`${want.path}\` on port ${want.port}`,
      hint: `Under the container, \`${field}: {httpGet: {path: ${want.path}, port: ${want.port}}}\`. The port is the container's (where the app listens), not the Service's.`,
    },
    options,
    {
      passed:
        probe?.httpGet !== undefined &&
        (probe.httpGet.path ?? '/') === want.path &&
        resolvePort(probe.httpGet.port, containers) === want.port &&
        (probe.httpGet.scheme ?? 'HTTP').toUpperCase() === 'HTTP',
      expected: `HTTP GET ${want.path} on port ${want.port}`,
      actual: container ? describeProbe(probe, containers) : missingContainer(target, options.container),
    },
  );
}

/** What `kubectl rollout status` would be waiting for, in its words. */
export function describeRollout(target: V1Deployment): string {
  const desired = desiredReplicas(target);
  const status = target.status ?? {};
  const parts = [
    `${status.updatedReplicas ?? 0} of ${desired} updated`,
    `${status.availableReplicas ?? 0} available`,
    `${status.replicas ?? 0} pods in all`,
  ];
  if ((status.unavailableReplicas ?? 0) > 0) parts.push(`${status.unavailableReplicas} unavailable`);
  if ((status.observedGeneration ?? 0) < (target.metadata?.generation ?? 0)) parts.push('the latest change not yet seen by the controller');
  if (target.spec?.paused) parts.push('paused');
  const stuck = status.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  if (stuck) parts.push('progress deadline exceeded');
  return parts.join(', ');
}

/** The revision the Deployment is at (what `kubectl rollout history` marks as the latest), or 0 if none yet. */
export function revisionOf(target: { metadata?: { annotations?: Record<string, string> } } | null): number {
  const revision = Number(target?.metadata?.annotations?.[revisionAnnotation] ?? 0);
  return Number.isFinite(revision) ? revision : 0;
}

/**
 * Criterion builders for Deployments, in the style of `pod`: each states one fact about a Deployment (or null,
 * for a missing one, which fails with "no deployment"), with a default id in its signature.
 *
 *   const hello = await deployment.read(cluster, 'hello');
 *   return [deployment.exists(hello, 'hello'), deployment.image(hello, 'kubelab/web:1.0'), deployment.replicas(hello, 3), deployment.available(hello)];
 */
export const deployment = {
  read: readDeployment,
  replicaSets: replicaSetsOf,

  /** The Deployment exists under the exact name the task asks for. Id "exists". */
  exists<const Id extends string = 'exists'>(
    target: V1Deployment | null,
    name: string,
    options: CriterionOptions<Id> & { namespace?: string } = {},
  ): Criterion<Id> {
    const namespace = options.namespace ?? 'default';
    return buildCriterion(
      {
        id: 'exists',
        description: `A Deployment named \`${name}\` exists in namespace \`${namespace}\``,
        hint: `Names must match exactly. \`kubectl get deployments -n ${namespace}\` lists them; a bare pod or a ReplicaSet is not a Deployment.`,
      },
      options,
      { passed: target !== null, expected: `deployment/${name}`, actual: target ? `deployment/${name}` : 'no such deployment' },
    );
  },

  /** The Deployment asks for exactly `count` replicas (spec.replicas; 1 when unset). Id "replicas". */
  replicas<const Id extends string = 'replicas'>(target: V1Deployment | null, count: number, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const name = nameOf(target, '<name>');
    return buildCriterion(
      {
        id: 'replicas',
        description: `The Deployment asks for ${count} replica${count === 1 ? '' : 's'}`,
        hint: `\`kubectl scale deployment ${name} --replicas=${count}\` changes it; \`kubectl create deployment\` takes \`--replicas\` too.`,
      },
      options,
      { passed: target !== null && desiredReplicas(target) === count, expected: `replicas: ${count}`, actual: target ? `replicas: ${desiredReplicas(target)}` : 'no deployment' },
    );
  },

  /**
   * Every replica it asks for is ready and available (READY n/n and AVAILABLE n in `kubectl get deployment`),
   * and it asks for at least one. Id "available".
   */
  available<const Id extends string = 'available'>(target: V1Deployment | null, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const name = nameOf(target, '<name>');
    const desired = target ? desiredReplicas(target) : 0;
    const ready = target?.status?.readyReplicas ?? 0;
    const available = target?.status?.availableReplicas ?? 0;
    return buildCriterion(
      {
        id: 'available',
        description: 'Every replica the Deployment asks for is ready and available',
        hint: `\`kubectl get deployment ${name}\` shows READY and AVAILABLE; \`kubectl describe pods -l <its selector>\` says why a pod is not ready.`,
      },
      options,
      {
        passed: target !== null && desired > 0 && ready === desired && available === desired,
        expected: target ? `${desired} ready and available` : 'all replicas ready and available',
        actual: target ? `${ready} ready, ${available} available of ${desired}` : 'no deployment',
      },
    );
  },

  /**
   * The latest change has rolled out completely, as `kubectl rollout status` means it: the controller has seen
   * it, every pod runs the newest template, no old pods are left, every one is available, and the rollout is
   * not paused. Id "rollout".
   */
  rolledOut<const Id extends string = 'rollout'>(target: V1Deployment | null, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const name = nameOf(target, '<name>');
    const desired = target ? desiredReplicas(target) : 0;
    const status = target?.status ?? {};
    return buildCriterion(
      {
        id: 'rollout',
        description: 'The latest rollout is complete: every pod runs the newest template and is available, and no old pod is left',
        hint: `\`kubectl rollout status deployment/${name}\` waits for it and says what it waits for; \`kubectl describe deployment ${name}\` shows the ReplicaSets and the events.`,
      },
      options,
      {
        passed:
          target !== null &&
          target.spec?.paused !== true &&
          (status.observedGeneration ?? 0) >= (target.metadata?.generation ?? 1) &&
          (status.updatedReplicas ?? 0) === desired &&
          (status.replicas ?? 0) === desired &&
          (status.availableReplicas ?? 0) === desired &&
          (status.unavailableReplicas ?? 0) === 0,
        expected: `${desired} of ${desired} updated and available, no old pods`,
        actual: target ? describeRollout(target) : 'no deployment',
      },
    );
  },

  /** The pod template runs `image`: every container does, or the one named by `container`. Id "image". */
  image<const Id extends string = 'image'>(target: V1Deployment | null, image: string, options: CriterionOptions<Id> & ContainerOption = {}): Criterion<Id> {
    const containers = options.container === undefined ? templateContainers(target) : [containerOf(target, options.container)].filter((c) => c !== undefined);
    const name = nameOf(target, '<name>');
    return buildCriterion(
      {
        id: 'image',
        description:
          options.container === undefined ? `The Deployment's pods run the image \`${image}\`` : `The container \`${options.container}\` of the Deployment's pods runs \`${image}\``,
        hint: `\`kubectl get deployment ${name} -o jsonpath='{.spec.template.spec.containers[*].image}'\` shows the images; \`kubectl set image deployment/${name} <container>=${image}\` changes one.`,
      },
      options,
      {
        passed: containers.length > 0 && containers.every((c) => sameImage(c.image, image)),
        expected: image,
        actual: containers.length ? containers.map((c) => c.image ?? 'no image').join(', ') : missingContainer(target, options.container),
      },
    );
  },

  /** The pod template sets the environment variable `name` to `value` (on its first container, or `container`). Id "env". */
  env<const Id extends string = 'env'>(
    target: V1Deployment | null,
    name: string,
    value: string,
    options: CriterionOptions<Id> & ContainerOption = {},
  ): Criterion<Id> {
    const container = containerOf(target, options.container);
    const found = container?.env?.find((e) => e.name === name)?.value;
    return buildCriterion(
      {
        id: 'env',
        description: `The Deployment's pods set the environment variable \`${name}=${value}\``,
        hint: `\`kubectl set env deployment/${nameOf(target, '<name>')} ${name}=${value}\` changes the pod template, which starts a rollout.`,
      },
      options,
      {
        passed: found === value,
        expected: `${name}=${value}`,
        actual: !container ? missingContainer(target, options.container) : found === undefined ? `${name} is not set` : `${name}=${found}`,
      },
    );
  },

  /**
   * The container's environment is exactly these variables, in any order: none missing, none left over (a revision
   * rolled back to, say). Id "environment".
   */
  environment<const Id extends string = 'environment'>(
    target: V1Deployment | null,
    vars: Labels,
    options: CriterionOptions<Id> & ContainerOption = {},
  ): Criterion<Id> {
    const container = containerOf(target, options.container);
    const have = (container?.env ?? []).map((e) => [e.name, e.value ?? (e.valueFrom ? '<from a reference>' : '')] as const);
    const want = Object.entries(vars);
    const show = (pairs: readonly (readonly [string, string])[]) => (pairs.length ? pairs.map(([k, v]) => `${k}=${v}`).join(', ') : 'no variables');
    return buildCriterion(
      {
        id: 'environment',
        description: `The Deployment's pods set exactly ${want.length ? want.map(([k, v]) => `\`${k}=${v}\``).join(' and ') : 'no environment variables'}`,
        hint: `\`kubectl set env deployment/${nameOf(target, '<name>')} --list\` shows the variables; \`kubectl set env … NAME-\` removes one.`,
      },
      options,
      {
        passed: container !== undefined && have.length === want.length && want.every(([k, v]) => have.some(([hk, hv]) => hk === k && hv === v)),
        expected: show(want),
        actual: container ? show(have) : missingContainer(target, options.container),
      },
    );
  },

  /** The pod template carries every label of `labels` (others may be there too). Id "labels". */
  templateLabels<const Id extends string = 'labels'>(target: V1Deployment | null, labels: Labels, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const have = target?.spec?.template?.metadata?.labels ?? {};
    return buildCriterion(
      {
        id: 'labels',
        description: `The Deployment's pods are labelled ${Object.entries(labels).map(([k, v]) => `\`${k}=${v}\``).join(' and ')}`,
        hint: 'The pods get the labels of `spec.template.metadata.labels`.',
      },
      options,
      {
        passed: target !== null && Object.entries(labels).every(([key, value]) => have[key] === value),
        expected: formatLabels(labels),
        actual: target ? formatLabels(have) : 'no deployment',
      },
    );
  },

  /**
   * The selector means what the task asks, whatever its form: it selects every label set of `selects` and none of
   * `rejects` (so `matchLabels` and the matching `matchExpressions` are one answer). Id "selector".
   */
  selector<const Id extends string = 'selector'>(
    target: V1Deployment | null,
    want: { selects: readonly Labels[]; rejects: readonly Labels[]; meaning: string },
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const selector = target?.spec?.selector;
    const wrong = [
      ...want.selects.filter((labels) => !matchesLabelSelector(selector, labels)).map((labels) => `misses pods labelled ${formatLabels(labels)}`),
      ...want.rejects.filter((labels) => matchesLabelSelector(selector, labels)).map((labels) => `also takes pods labelled ${formatLabels(labels)}`),
    ];
    return buildCriterion(
      {
        id: 'selector',
        description: `The Deployment's selector takes ${want.meaning}`,
        hint: 'A selector may mix `matchLabels` (equality) and `matchExpressions` (`In`, `NotIn`, `Exists`, `DoesNotExist`); all of them must hold. It cannot be changed after creation: delete the Deployment and create it again.',
      },
      options,
      {
        passed: target !== null && wrong.length === 0,
        expected: want.meaning,
        actual: target ? `${formatSelector(selector)}${wrong.length ? ` (${wrong.join('; ')})` : ''}` : 'no deployment',
      },
    );
  },

  /**
   * A rolling update that adds at most `maxSurge` pods beyond the desired count and takes at most
   * `maxUnavailable` out of service, as the controller resolves them on the current replica count (so `25%` of 4
   * replicas is 1): a task that allows either form says so; one that wants a form checks it itself. Id "strategy".
   */
  strategy<const Id extends string = 'strategy'>(
    target: V1Deployment | null,
    want: { maxSurge: number; maxUnavailable: number },
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const name = nameOf(target, '<name>');
    const strategy = target?.spec?.strategy;
    const replicas = target ? desiredReplicas(target) : 0;
    const surge = resolveIntOrPercent(strategy?.rollingUpdate?.maxSurge, replicas, true);
    const unavailable = resolveIntOrPercent(strategy?.rollingUpdate?.maxUnavailable, replicas, false);
    const show = (value: IntOrString | undefined, resolved: number | undefined) =>
      value === undefined ? 'unset' : typeof value === 'string' && value.includes('%') ? `${value} (= ${resolved} of ${replicas})` : String(value);
    const type = strategy?.type ?? 'RollingUpdate';
    return buildCriterion(
      {
        id: 'strategy',
        description: `Updates roll out adding at most ${want.maxSurge} extra pod${want.maxSurge === 1 ? '' : 's'} and taking at most ${want.maxUnavailable} out of service (maxSurge ${want.maxSurge}, maxUnavailable ${want.maxUnavailable})`,
        hint: `Both live under \`spec.strategy.rollingUpdate\`: \`kubectl edit deployment ${name}\`, or \`kubectl patch deployment ${name} -p '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":${want.maxSurge},"maxUnavailable":${want.maxUnavailable}}}}}'\`.`,
      },
      options,
      {
        passed: target !== null && type === 'RollingUpdate' && surge === want.maxSurge && unavailable === want.maxUnavailable,
        expected: `RollingUpdate, maxSurge ${want.maxSurge}, maxUnavailable ${want.maxUnavailable}`,
        actual: !target
          ? 'no deployment'
          : type !== 'RollingUpdate'
            ? `${type} (every old pod stops before a new one starts)`
            : `RollingUpdate, maxSurge ${show(strategy?.rollingUpdate?.maxSurge, surge)}, maxUnavailable ${show(strategy?.rollingUpdate?.maxUnavailable, unavailable)}`,
      },
    );
  },

  /**
   * The Deployment has reached at least revision `atLeast` (the number `kubectl rollout history` shows last):
   * it was updated in place, not deleted and created again. Id "history".
   */
  revision<const Id extends string = 'history'>(target: V1Deployment | null, atLeast: number, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const name = nameOf(target, '<name>');
    const revision = revisionOf(target);
    return buildCriterion(
      {
        id: 'history',
        description: `The Deployment's history goes on: it is at revision ${atLeast} or later`,
        hint: `\`kubectl rollout history deployment/${name}\` lists the revisions. A Deployment deleted and created again starts over at revision 1.`,
      },
      options,
      { passed: target !== null && revision >= atLeast, expected: `revision ≥ ${atLeast}`, actual: target ? `revision ${revision || 'none yet'}` : 'no deployment' },
    );
  },

  /** The container has an HTTP readiness probe on `path` and `port` (a named port counts by its number). Id "readiness". */
  readinessProbe<const Id extends string = 'readiness'>(
    target: V1Deployment | null,
    want: { path: string; port: number },
    options: CriterionOptions<Id> & ContainerOption = {},
  ): Criterion<Id> {
    return probeCriterion('readiness', target, want, options);
  },

  /** The container has an HTTP liveness probe on `path` and `port` (a named port counts by its number). Id "liveness". */
  livenessProbe<const Id extends string = 'liveness'>(
    target: V1Deployment | null,
    want: { path: string; port: number },
    options: CriterionOptions<Id> & ContainerOption = {},
  ): Criterion<Id> {
    return probeCriterion('liveness', target, want, options);
  },

  /**
   * Every one of `pods` (pods carrying the app's labels, say) that is not already on its way out belongs to the
   * Deployment, through one of its ReplicaSets: none is left over from an older controller. Id "owned".
   */
  ownsPods<const Id extends string = 'owned'>(
    target: V1Deployment | null,
    replicaSets: readonly V1ReplicaSet[],
    pods: readonly V1Pod[],
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const ours = new Set(replicaSets.filter((rs) => target?.metadata?.uid !== undefined && controllerUid(rs) === target.metadata.uid).map((rs) => rs.metadata?.uid));
    const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
    const strays = live.filter((p) => !ours.has(controllerUid(p)));
    const owner = (p: V1Pod) => {
      const ref = p.metadata?.ownerReferences?.find((r) => r.controller);
      return ref ? `${ref.kind} ${ref.name}` : 'no owner';
    };
    return buildCriterion(
      {
        id: 'owned',
        description: `Every such pod belongs to the Deployment \`${nameOf(target, '<name>')}\` (through its ReplicaSet)`,
        hint: '`kubectl get pods --show-labels` and `kubectl get pod <name> -o jsonpath=\'{.metadata.ownerReferences}\'` show who owns each pod. Delete the ones nothing manages any more.',
      },
      options,
      {
        passed: target !== null && strays.length === 0,
        expected: 'every pod owned by one of its ReplicaSets',
        actual: !target
          ? 'no deployment'
          : strays.length
            ? strays.map((p) => `${p.metadata?.name ?? '?'} (${owner(p)})`).join(', ')
            : `${live.length} pod${live.length === 1 ? '' : 's'}, all its own`,
      },
    );
  },
};

/** Builders for the old ReplicationController, for lessons that retire one. */
export const replicationController = {
  read: readReplicationController,

  /** No ReplicationController of this name is left. Id "rc-gone". */
  gone<const Id extends string = 'rc-gone'>(target: V1ReplicationController | null, name: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      {
        id: 'rc-gone',
        description: `The ReplicationController \`${name}\` is gone`,
        hint: `\`kubectl get replicationcontrollers\` (short: \`rc\`) lists them; \`kubectl delete rc ${name}\` removes it and its pods.`,
      },
      options,
      {
        passed: target === null,
        expected: 'no such ReplicationController',
        actual: target ? `replicationcontroller/${name}, ${target.status?.replicas ?? 0} pods` : 'no such ReplicationController',
      },
    );
  },
};

/**
 * Builders for Services (type, ports, selector, endpoints, an answer through the API server's service proxy).
 * The default ids start with "service" so one check can hold them beside a Deployment's.
 */
export const service = {
  read: readService,
  endpointSlices: endpointSlicesOf,
  readyAddresses,
  get: getFromService,

  /** The Service exists under the exact name the task asks for. Id "service". */
  exists<const Id extends string = 'service'>(target: V1Service | null, name: string, options: CriterionOptions<Id> & { namespace?: string } = {}): Criterion<Id> {
    const namespace = options.namespace ?? 'default';
    return buildCriterion(
      {
        id: 'service',
        description: `A Service named \`${name}\` exists in namespace \`${namespace}\``,
        hint: `\`kubectl get services -n ${namespace}\` lists them; \`kubectl expose\` and \`kubectl create service\` make one, or a manifest with \`kind: Service\`.`,
      },
      options,
      { passed: target !== null, expected: `service/${name}`, actual: target ? `service/${name}` : 'no such service' },
    );
  },

  /**
   * A NodePort Service whose `port` is open on every node at `nodePort` and goes to the pods' `targetPort` (a
   * named targetPort counts by the number the pod template gives that name). Id "node-port".
   */
  nodePort<const Id extends string = 'node-port'>(
    target: V1Service | null,
    want: { port: number; nodePort: number; targetPort: number; pods?: V1Deployment | null },
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const containers = templateContainers(want.pods ?? null);
    const ports = target?.spec?.ports ?? [];
    const type = target?.spec?.type ?? 'ClusterIP';
    const match = ports.find((p) => p.port === want.port && p.nodePort === want.nodePort && resolvePort(p.targetPort ?? p.port, containers) === want.targetPort && (p.protocol ?? 'TCP') === 'TCP');
    const show = (p: (typeof ports)[number]) => `${p.port}→${String(p.targetPort ?? p.port)}${p.nodePort ? ` (node port ${p.nodePort})` : ''}`;
    return buildCriterion(
      {
        id: 'node-port',
        description: `The Service is of type NodePort: port ${want.port} goes to the pods' port ${want.targetPort}, and every node opens it at ${want.nodePort}`,
        hint: `\`type: NodePort\` and, under \`ports\`, \`port: ${want.port}\`, \`targetPort: ${want.targetPort}\` and \`nodePort: ${want.nodePort}\`. Without \`nodePort\`, Kubernetes picks a random one (30000–32767).`,
      },
      options,
      {
        passed: target !== null && type === 'NodePort' && match !== undefined,
        expected: `NodePort, ${want.port}→${want.targetPort} (node port ${want.nodePort})`,
        actual: target ? `${type}, ${ports.length ? ports.map(show).join(', ') : 'no ports'}` : 'no service',
      },
    );
  },

  /** The Service's selector takes the Deployment's pods (every key=value of it is on the pod template). Id "service-selector". */
  selects<const Id extends string = 'service-selector'>(target: V1Service | null, pods: V1Deployment | null, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const selector = target?.spec?.selector;
    const labels = pods?.spec?.template?.metadata?.labels ?? {};
    return buildCriterion(
      {
        id: 'service-selector',
        description: `The Service's selector takes the pods of the Deployment \`${nameOf(pods, '<name>')}\``,
        hint: 'A Service finds its pods by label: every `key: value` of its `selector` must be on the pods (`kubectl get pods --show-labels`).',
      },
      options,
      {
        passed: target !== null && pods !== null && selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v),
        expected: `a selector within ${formatLabels(labels)}`,
        actual: !target ? 'no service' : selector && Object.keys(selector).length ? formatLabels(selector) : 'no selector',
      },
    );
  },

  /** At least `count` ready endpoints: pods the Service would send traffic to now. Id "endpoints". */
  endpoints<const Id extends string = 'endpoints'>(addresses: readonly string[], count: number, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      {
        id: 'endpoints',
        description: `The Service has ${count} ready endpoint${count === 1 ? '' : 's'} (pods it sends traffic to)`,
        hint: '`kubectl get endpointslices -l kubernetes.io/service-name=<service>` lists them. None means the selector matches no ready pod.',
      },
      options,
      {
        passed: addresses.length >= count,
        expected: `${count} ready endpoint${count === 1 ? '' : 's'}`,
        actual: addresses.length ? `${addresses.length}: ${addresses.join(', ')}` : 'no ready endpoints',
      },
    );
  },

  /**
   * What the app answered through the Service (a body, or the error that came back instead) includes `text`.
   * Id "http".
   */
  responds<const Id extends string = 'http'>(answer: { body?: string; error?: string }, path: string, text: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const shown = answer.body !== undefined ? answer.body.trim().slice(0, 120) || 'an empty body' : (answer.error ?? 'no answer');
    return buildCriterion(
      {
        id: 'http',
        description: `The app answers \`${text}\` at \`${path}\` through the Service`,
        hint: `Try it yourself: \`kubectl run curl --rm -it --image=kubelab/toolbox:1.0 --restart=Never -- curl -sS http://<service>${path}\`.`,
      },
      options,
      { passed: answer.body?.includes(text) === true, expected: text, actual: shown },
    );
  },
};
