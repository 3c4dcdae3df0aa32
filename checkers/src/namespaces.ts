import type { V1Container, V1LimitRange, V1Namespace, V1Pod, V1ResourceQuota } from '@kubernetes/client-node';
import { getOrNull, type CheckContext } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import type { Criterion } from './types.ts';

export type { V1LimitRange, V1ResourceQuota } from '@kubernetes/client-node';

/**
 * Namespaces and what bounds them: ResourceQuotas, LimitRanges and the requests and limits they give pods.
 * Quantities are compared by value, as the API server does, so `1` and `1000m`, `1Gi` and `1024Mi` are the same.
 */

const suffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity (`500m`, `1.5`, `128Mi`, `1e3`) as a number, or undefined when it is not one. */
export function parseQuantity(quantity: string | number | undefined): number | undefined {
  if (typeof quantity === 'number') return quantity;
  if (quantity === undefined) return undefined;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(quantity.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * (match[2] ? Number(`1${match[2]}`) : suffixes[match[3] ?? '']!);
  return Number.isFinite(value) ? value : undefined;
}

/** The two quantities are the same amount (a relative tolerance absorbs the floating point of `0.1` and `100m`). */
export function sameQuantity(a: string | number | undefined, b: string | number | undefined): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (x === undefined || y === undefined) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
}

/** Reads one namespace, or null when it does not exist. */
export function readNamespace(cluster: CheckContext, name: string): Promise<V1Namespace | null> {
  return getOrNull(() => cluster.core.readNamespace({ name }));
}

/** Reads one ResourceQuota, or null when it does not exist. */
export function readResourceQuota(cluster: CheckContext, name: string, namespace: string): Promise<V1ResourceQuota | null> {
  return getOrNull(() => cluster.core.readNamespacedResourceQuota({ name, namespace }));
}

/** Every LimitRange of a namespace (none when the namespace does not exist). */
export async function listLimitRanges(cluster: CheckContext, namespace: string): Promise<V1LimitRange[]> {
  return (await getOrNull(() => cluster.core.listNamespacedLimitRange({ namespace })))?.items ?? [];
}

/** The CPU and memory a container asks for and may use, as the API server stored them (after any LimitRange). */
export interface ContainerResources {
  requests: { cpu?: string; memory?: string };
  limits: { cpu?: string; memory?: string };
}

export function resourcesOf(container: V1Container | undefined): ContainerResources {
  const pick = (list: Record<string, string> | undefined) => ({ cpu: list?.cpu, memory: list?.memory });
  return { requests: pick(container?.resources?.requests), limits: pick(container?.resources?.limits) };
}

export function formatResources(resources: ContainerResources): string {
  const side = (list: { cpu?: string; memory?: string }) => `cpu ${list.cpu ?? 'none'}, memory ${list.memory ?? 'none'}`;
  return `requests ${side(resources.requests)}; limits ${side(resources.limits)}`;
}

/** The defaults one LimitRange gives a container that sets nothing, or undefined when it gives none. */
export function limitRangeDefaults(limitRange: V1LimitRange): ContainerResources | undefined {
  const item = limitRange.spec?.limits?.find((limit) => limit.type === 'Container' && (limit._default || limit.defaultRequest));
  if (!item) return undefined;
  const pick = (list: Record<string, string> | undefined) => ({ cpu: list?.cpu, memory: list?.memory });
  return { requests: pick(item.defaultRequest ?? item._default), limits: pick(item._default) };
}

function sameResources(a: ContainerResources, b: ContainerResources): boolean {
  const same = (x: string | undefined, y: string | undefined) => (x === undefined ? y === undefined : sameQuantity(x, y));
  return (
    same(a.requests.cpu, b.requests.cpu) && same(a.requests.memory, b.requests.memory) && same(a.limits.cpu, b.limits.cpu) && same(a.limits.memory, b.limits.memory)
  );
}

const created = (object: { metadata?: { creationTimestamp?: Date | string } }) => {
  const stamp = object.metadata?.creationTimestamp;
  return stamp === undefined ? Number.NaN : new Date(stamp).getTime();
};

const formatHard = (hard: Record<string, string>) =>
  Object.entries(hard)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ') || 'nothing';

/**
 * Criterion builders for namespaces and their bounds, in the style of `pod`. Every builder takes a missing
 * object (null) and then fails, saying so.
 */
export const namespaces = {
  read: readNamespace,
  readResourceQuota,
  listLimitRanges,

  /** The namespace exists (and is not being deleted). Id "namespace". */
  exists<const Id extends string = 'namespace'>(target: V1Namespace | null, name: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const phase = target?.status?.phase ?? 'Active';
    return buildCriterion(
      {
        id: 'namespace',
        description: `The namespace \`${name}\` exists`,
        hint: `\`kubectl create namespace ${name}\` makes it; \`kubectl get namespaces\` lists them.`,
      },
      options,
      {
        passed: target !== null && phase === 'Active',
        expected: `namespace/${name}, Active`,
        actual: target ? `namespace/${name}, ${phase}` : 'no such namespace',
      },
    );
  },

  /**
   * The ResourceQuota allows exactly these amounts, each compared by value (`1` is `1000m`); other entries may be
   * there too. Id "quota".
   */
  quotaHard<const Id extends string = 'quota'>(
    target: V1ResourceQuota | null,
    name: string,
    expected: Record<string, string>,
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const hard = target?.spec?.hard ?? {};
    return buildCriterion(
      {
        id: 'quota',
        description: `The ResourceQuota \`${name}\` allows ${formatHard(expected)}`,
        hint: `\`kubectl describe resourcequota ${name} -n ${target?.metadata?.namespace ?? '<namespace>'}\` shows what it allows and what is used.`,
      },
      options,
      {
        passed: target !== null && Object.entries(expected).every(([key, value]) => sameQuantity(hard[key], value)),
        expected: formatHard(expected),
        actual: target ? formatHard(hard) : `no ResourceQuota named \`${name}\``,
      },
    );
  },

  /**
   * The container's CPU and memory requests and limits are the defaults of a LimitRange of its namespace that
   * existed before the pod: the pod was created without them, and a LimitRange filled them in. With several
   * LimitRanges, any of them may be the one that did. Id "defaults".
   */
  defaultedBy<const Id extends string = 'defaults'>(
    target: V1Pod | null,
    limitRanges: readonly V1LimitRange[],
    options: CriterionOptions<Id> & { container?: string } = {},
  ): Criterion<Id> {
    const containers = target?.spec?.containers ?? [];
    const container = options.container === undefined ? containers[0] : containers.find((c) => c.name === options.container);
    const have = resourcesOf(container);
    const earlier = limitRanges.filter((range) => target !== null && created(range) <= created(target));
    const source = earlier.find((range) => {
      const defaults = limitRangeDefaults(range);
      return defaults !== undefined && sameResources(defaults, have);
    });
    const offered = limitRanges
      .map((range) => {
        const defaults = limitRangeDefaults(range);
        return defaults ? `${range.metadata?.name}: ${formatResources(defaults)}${earlier.includes(range) ? '' : ' (made after the pod)'}` : undefined;
      })
      .filter((text) => text !== undefined);
    return buildCriterion(
      {
        id: 'defaults',
        description: 'The container got its CPU and memory requests and limits from a LimitRange of the namespace (the pod itself set none)',
        hint: 'Create the pod without any `resources`: the LimitRange fills them in at creation. A pod made before the LimitRange keeps what it had.',
      },
      options,
      {
        passed: source !== undefined,
        expected: offered.length ? `the defaults of a LimitRange (${offered.join('; ')})` : 'a LimitRange with defaults in the namespace',
        actual: target ? (container ? formatResources(have) : 'no container') : 'no pod',
      },
    );
  },

  /** The label `key` on the pod states `quantity` (compared by value: `100m` and `0.1` are the same). Id "label-quantity". */
  labelStates<const Id extends string = 'label-quantity'>(
    target: V1Pod | null,
    key: string,
    quantity: string | undefined,
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const label = target?.metadata?.labels?.[key];
    return buildCriterion(
      {
        id: 'label-quantity',
        description: `The pod's label \`${key}\` states ${quantity ? `\`${quantity}\`` : 'the value asked for'}`,
        hint: `Read the value on the pod: \`kubectl get pod ${target?.metadata?.name ?? '<pod>'} -o jsonpath='{.spec.containers[0].resources}'\`, then \`kubectl label pod … ${key}=<value> --overwrite\`.`,
      },
      options,
      {
        passed: label !== undefined && quantity !== undefined && sameQuantity(label, quantity),
        expected: quantity ? `${key}=${quantity}` : `${key}=<the pod's value>`,
        actual: !target ? 'no pod' : label === undefined ? `no label \`${key}\`` : `${key}=${label}`,
      },
    );
  },
};
