import {
  ApiextensionsV1Api,
  ApisApi,
  CustomObjectsApi,
  type KubernetesObject,
  type V1APIResource,
  type V1ConfigMap,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { getOrNull, type CheckContext } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import type { Criterion } from './types.ts';

/** What an object of any kind may be read as: its metadata, and conditions in its status if it has them. */
export type AnyObject = KubernetesObject & { status?: { conditions?: readonly ObjectCondition[] } };

export interface ObjectCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** Reads one CustomResourceDefinition (`backups.kubelab.dev`), or null. */
export function readCrd(cluster: CheckContext, name: string): Promise<V1CustomResourceDefinition | null> {
  return getOrNull(() => cluster.kubeConfig.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name }));
}

/** Reads one custom object, namespaced (give `namespace`) or cluster-scoped, or null when it (or its kind) is not there. */
export async function readCustomObject(
  cluster: CheckContext,
  target: { group: string; version: string; plural: string; name: string; namespace?: string },
): Promise<AnyObject | null> {
  const objects = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const read = () =>
    target.namespace === undefined
      ? objects.getClusterCustomObject({ group: target.group, version: target.version, plural: target.plural, name: target.name })
      : objects.getNamespacedCustomObject({ group: target.group, version: target.version, namespace: target.namespace, plural: target.plural, name: target.name });
  return (await getOrNull(read)) as AnyObject | null;
}

/** The version of `group` the API server prefers ("networking.k8s.io/v1"), as `kubectl api-versions` and `api-resources` show it; '' for the core group's "v1". */
export async function preferredGroupVersion(cluster: CheckContext, group: string): Promise<string | undefined> {
  if (group === '') return 'v1';
  const groups = await cluster.kubeConfig.makeApiClient(ApisApi).getAPIVersions();
  return groups.groups.find((g) => g.name === group)?.preferredVersion?.groupVersion;
}

/** What discovery says of one resource (its kind, whether it is namespaced, its short names), or undefined. */
export async function discoverResource(cluster: CheckContext, groupVersion: string, plural: string): Promise<V1APIResource | undefined> {
  const [group, version] = groupVersion.includes('/') ? groupVersion.split('/') : ['', groupVersion];
  const list =
    group === '' ? await cluster.core.getAPIResources() : await cluster.kubeConfig.makeApiClient(CustomObjectsApi).getAPIResources({ group: group!, version: version! });
  return list.resources.find((resource) => resource.name === plural);
}

/** The value at a dotted path (`spec.retain`) of an object, or undefined. */
export function valueAt(target: unknown, path: string): unknown {
  let value: unknown = target;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A value as the learner wrote it: strings quoted, so `"7"` and `7` look as different as they are. */
function show(value: unknown): string {
  if (value === undefined) return 'not set';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** "ConfigMap from-curl" for what a criterion talks about; the caller's word when there is no object. */
const named = (target: KubernetesObject | null, fallback: string) => (target?.metadata?.name ? `${target.kind ?? fallback} ${target.metadata.name}` : fallback);

/**
 * Criterion builders for any API object: whether it exists, who wrote it (managedFields), its conditions, one
 * field, one ConfigMap entry, and a CustomResourceDefinition's names, scope and versions. Each states one fact
 * once, in the style of `pod`; every builder takes a missing object (null).
 */
export const api = {
  readCrd,
  readCustomObject,
  preferredGroupVersion,
  discoverResource,
  valueAt,

  /** The object exists; `what` names it for the learner ("ConfigMap `from-curl` in namespace `default`"). Id "exists". */
  exists<const Id extends string = 'exists'>(target: KubernetesObject | null, what: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      { id: 'exists', description: `${what} exists`, hint: 'Names must match exactly; `kubectl get <kind> <name>` shows whether it is there.' },
      options,
      { passed: target !== null, expected: what, actual: target ? `${named(target, 'object')} exists` : 'not found' },
    );
  },

  /** The object is gone (or is being deleted: it has a deletionTimestamp). Id "deleted". */
  deleted<const Id extends string = 'deleted'>(target: KubernetesObject | null, what: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const going = target?.metadata?.deletionTimestamp !== undefined;
    return buildCriterion(
      { id: 'deleted', description: `${what} is deleted`, hint: 'A DELETE request removes it: `curl -X DELETE` on its URL, or `kubectl delete`.' },
      options,
      { passed: target === null || going, expected: 'not found', actual: target === null ? 'not found' : going ? 'being deleted' : `${named(target, 'object')} still exists` },
    );
  },

  /**
   * A field manager wrote to the object: the API server records, in metadata.managedFields, each client that
   * changed it, named from the client's User-Agent (`curl/8.5.0` is "curl"; `kubectl create` is "kubectl-create").
   * Id "manager".
   */
  managedBy<const Id extends string = 'manager'>(target: KubernetesObject | null, manager: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const managers = [...new Set((target?.metadata?.managedFields ?? []).map((entry) => entry.manager ?? '?'))];
    return buildCriterion(
      {
        id: 'manager',
        description: `The object was written by \`${manager}\` (its managedFields name that client)`,
        hint: `\`kubectl get ${(target?.kind ?? 'object').toLowerCase()} ${target?.metadata?.name ?? '<name>'} -o yaml --show-managed-fields\` shows which clients wrote it.`,
      },
      options,
      { passed: managers.includes(manager), expected: `manager ${manager}`, actual: target ? (managers.length ? `managers ${managers.join(', ')}` : 'no managedFields') : 'no object' },
    );
  },

  /** The object's status has the condition `type` with `status` ("True" unless said otherwise). Id "condition". */
  condition<const Id extends string = 'condition'>(
    target: AnyObject | null,
    type: string,
    options: CriterionOptions<Id> & { status?: 'True' | 'False' | 'Unknown' } = {},
  ): Criterion<Id> {
    const wanted = options.status ?? 'True';
    const found = target?.status?.conditions?.find((c) => c.type === type);
    const why = found?.reason ? ` (${found.reason}${found.message ? `: ${found.message.slice(0, 120)}` : ''})` : '';
    return buildCriterion(
      {
        id: 'condition',
        description: `The condition ${type} is ${wanted}`,
        hint: `\`kubectl describe ${(target?.kind ?? 'object').toLowerCase()} ${target?.metadata?.name ?? '<name>'}\` lists the conditions; \`-o jsonpath='{.status.conditions}'\` prints them.`,
      },
      options,
      { passed: found?.status === wanted, expected: `${type}=${wanted}`, actual: !target ? 'no object' : found ? `${type}=${found.status}${why}` : `no ${type} condition yet` },
    );
  },

  /**
   * The field at `path` (dotted: `spec.retain`) equals `expected`, value and type: 7 is not "7". Id "field".
   */
  field<const Id extends string = 'field'>(target: KubernetesObject | null, path: string, expected: unknown, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const found = valueAt(target, path);
    const typed = (value: unknown) => `${show(value)}${value === undefined ? '' : ` (${Array.isArray(value) ? 'a list' : typeof value === 'object' && value !== null ? 'an object' : `a ${typeof value}`})`}`;
    return buildCriterion(
      {
        id: 'field',
        description: `\`${path}\` is ${show(expected)}`,
        hint: `\`kubectl get ${(target?.kind ?? 'object').toLowerCase()} ${target?.metadata?.name ?? '<name>'} -o yaml\` shows the field as the API stored it.`,
      },
      options,
      { passed: JSON.stringify(found) === JSON.stringify(expected) && found !== undefined, expected: `${path}: ${typed(expected)}`, actual: target ? `${path}: ${typed(found)}` : 'no object' },
    );
  },

  /**
   * The ConfigMap holds `key` with the value `expected` (surrounding whitespace ignored: a value written from a file
   * ends in a newline). `matches` judges the value instead when several spellings are right (an image with or
   * without its registry). Id "data".
   */
  dataEntry<const Id extends string = 'data'>(
    target: V1ConfigMap | null,
    key: string,
    expected: string,
    options: CriterionOptions<Id> & { matches?: (value: string) => boolean } = {},
  ): Criterion<Id> {
    const found = target?.data?.[key];
    const value = found?.trim();
    const keys = Object.keys(target?.data ?? {});
    return buildCriterion(
      {
        id: 'data',
        description: `The ConfigMap holds \`${key}: ${expected}\``,
        hint: `\`kubectl get configmap ${target?.metadata?.name ?? '<name>'} -o yaml\` shows its data; \`kubectl create configmap <name> --from-literal=${key}=<value>\` writes one entry.`,
      },
      options,
      {
        passed: value !== undefined && (options.matches ? options.matches(value) : value === expected),
        expected: `${key}: ${expected}`,
        actual: !target ? 'no ConfigMap' : value === undefined ? `no key ${key} (keys: ${keys.length ? keys.join(', ') : 'none'})` : `${key}: ${value.slice(0, 120)}`,
      },
    );
  },

  /** The CRD is served under every one of `shortNames` (status.acceptedNames: what kubectl resolves). Id "short-names". */
  crdShortNames<const Id extends string = 'short-names'>(target: V1CustomResourceDefinition | null, shortNames: readonly string[], options: CriterionOptions<Id> = {}): Criterion<Id> {
    const served = target?.status?.acceptedNames?.shortNames ?? [];
    return buildCriterion(
      {
        id: 'short-names',
        description: `The resource answers to the short name${shortNames.length === 1 ? '' : 's'} ${shortNames.map((s) => `\`${s}\``).join(', ')}`,
        hint: 'Short names go in the CRD under `spec.names.shortNames`, a list.',
      },
      options,
      {
        passed: target !== null && shortNames.every((s) => served.includes(s)),
        expected: `shortNames ${shortNames.join(', ')}`,
        actual: !target ? 'no CRD' : served.length ? `shortNames ${served.join(', ')}` : 'no short names',
      },
    );
  },

  /** The CRD's objects are `Namespaced` or `Cluster`-scoped. Id "scope". */
  crdScope<const Id extends string = 'scope'>(target: V1CustomResourceDefinition | null, scope: 'Namespaced' | 'Cluster', options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      { id: 'scope', description: `The resource is ${scope === 'Namespaced' ? 'namespaced' : 'cluster-scoped'} (scope ${scope})`, hint: 'The scope is `spec.scope` in the CRD: `Namespaced` or `Cluster`.' },
      options,
      { passed: target?.spec?.scope === scope, expected: `scope ${scope}`, actual: target ? `scope ${target.spec?.scope ?? 'not set'}` : 'no CRD' },
    );
  },

  /** The CRD serves `version` (v1, say). Id "version". */
  crdServes<const Id extends string = 'version'>(target: V1CustomResourceDefinition | null, version: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const served = (target?.spec?.versions ?? []).filter((v) => v.served).map((v) => v.name);
    return buildCriterion(
      { id: 'version', description: `The resource is served at version ${version}`, hint: 'Each entry of `spec.versions` has a `name`, `served: true` and, for exactly one of them, `storage: true`.' },
      options,
      { passed: served.includes(version), expected: `served version ${version}`, actual: !target ? 'no CRD' : served.length ? `served ${served.join(', ')}` : 'no version served' },
    );
  },
};
