import { StorageV1Api, type CoreV1Event, type V1PersistentVolume, type V1PersistentVolumeClaim, type V1Pod, type V1StorageClass } from '@kubernetes/client-node';
import { getOrNull, type CheckContext } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import { runProbe, shellQuote } from './probe.ts';
import type { Criterion } from './types.ts';

export type { V1StorageClass } from '@kubernetes/client-node';

/**
 * Storage: claims, the volumes bound to them, StorageClasses and the data itself. A claim's state alone can mislead
 * (a claim waiting for its first pod is Pending on purpose), so the builders say why a claim waits, in the words of
 * its newest event, and the data is read back through a probe pod that mounts the claim read-only.
 */

/** The annotation that makes a StorageClass the one a claim without `storageClassName` gets. */
export const defaultClassAnnotation = 'storageclass.kubernetes.io/is-default-class';

const quantityOf = (value: unknown) => (value === undefined ? '?' : String(value));

/** A claim in a few words: what it asks for, and its phase. */
export function describeClaim(claim: V1PersistentVolumeClaim | null): string {
  if (!claim) return 'no such claim';
  const spec = claim.spec ?? {};
  const asks = [
    quantityOf(spec.resources?.requests?.['storage']),
    (spec.accessModes ?? []).join(',') || 'no access mode',
    spec.storageClassName === undefined ? 'the default class' : spec.storageClassName === '' ? 'no class ("")' : `class ${spec.storageClassName}`,
  ].join(', ');
  const phase = claim.status?.phase ?? 'Pending';
  return `${phase}${phase === 'Bound' && spec.volumeName ? ` to ${spec.volumeName}` : ''} (asks for ${asks})`;
}

/** A volume in a few words: size, access modes, class, reclaim policy, phase. */
export function describeVolume(volume: V1PersistentVolume | null): string {
  if (!volume) return 'no such PersistentVolume';
  const spec = volume.spec ?? {};
  const claim = spec.claimRef ? `, claimed by ${spec.claimRef.namespace}/${spec.claimRef.name}` : '';
  return `${volume.metadata?.name}: ${quantityOf(spec.capacity?.['storage'])}, ${(spec.accessModes ?? []).join(',') || 'no access mode'}, class ${spec.storageClassName || '""'}, ${spec.persistentVolumeReclaimPolicy ?? 'Retain'}, ${volume.status?.phase ?? 'unknown'}${claim}`;
}

function storageApi(cluster: CheckContext): StorageV1Api {
  return cluster.kubeConfig.makeApiClient(StorageV1Api);
}

/** The volumes one claim names in `claimRef`: the one bound to it, and a Released one whose claim was deleted. */
function volumesOfClaim(volumes: V1PersistentVolume[], name: string, namespace: string): V1PersistentVolume[] {
  return volumes.filter((v) => v.spec?.claimRef?.name === name && (v.spec.claimRef.namespace ?? 'default') === namespace);
}

export const storage = {
  readClaim(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1PersistentVolumeClaim | null> {
    return getOrNull(() => cluster.core.readNamespacedPersistentVolumeClaim({ name, namespace }));
  },

  readVolume(cluster: CheckContext, name: string): Promise<V1PersistentVolume | null> {
    return getOrNull(() => cluster.core.readPersistentVolume({ name }));
  },

  async listVolumes(cluster: CheckContext): Promise<V1PersistentVolume[]> {
    return (await cluster.core.listPersistentVolume()).items;
  },

  volumesOfClaim,

  async classes(cluster: CheckContext): Promise<V1StorageClass[]> {
    return (await storageApi(cluster).listStorageClass()).items;
  },

  /** The class a claim without `storageClassName` gets, if exactly one is marked default. */
  defaultClass(classes: V1StorageClass[]): V1StorageClass | undefined {
    const marked = classes.filter((c) => c.metadata?.annotations?.[defaultClassAnnotation] === 'true');
    return marked.length === 1 ? marked[0] : undefined;
  },

  /** Why a claim is as it is, from its newest event: "waiting for first consumer to be created before binding". */
  async claimWhy(cluster: CheckContext, claim: V1PersistentVolumeClaim | null): Promise<string | undefined> {
    if (!claim?.metadata?.name || claim.status?.phase === 'Bound') return undefined;
    const namespace = claim.metadata.namespace ?? 'default';
    const { items } = await cluster.core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.kind=PersistentVolumeClaim,involvedObject.name=${claim.metadata.name}`,
    });
    const time = (e: CoreV1Event) => new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0).getTime();
    const newest = items.filter((e) => e.involvedObject.uid === claim.metadata?.uid).sort((a, b) => time(b) - time(a))[0];
    return newest?.message?.slice(0, 300);
  },

  /** Reads one file from a claim, through a probe pod that mounts it read-only. `content` is undefined when it could not. */
  async readFromClaim(
    cluster: CheckContext,
    claim: string,
    path: string,
    options: { namespace?: string; signal?: AbortSignal } = {},
  ): Promise<{ content?: string; summary: string }> {
    const namespace = options.namespace ?? 'default';
    const mountPath = '/claim';
    const file = `${mountPath}/${path.replace(/^\/+/, '')}`;
    const result = await runProbe(cluster, `cat -- ${shellQuote(file)}`, { namespace, claim: { name: claim, mountPath }, timeoutSeconds: 40, ...(options.signal ? { signal: options.signal } : {}) });
    const where = `\`${path}\` on claim \`${claim}\` (read by a probe pod that mounts it)`;
    if (result.exitCode === 0) return { content: result.output, summary: `${where}: ${JSON.stringify(result.output.slice(0, 200))}` };
    if (result.exitCode === null) return { summary: `${where}: the probe pod did not run (is the claim bound?)` };
    return { summary: `${where}: ${result.output.split('\n')[0]?.slice(0, 200) || `exit status ${result.exitCode}`}` };
  },

  /** The claim exists under the exact name the task asks for. Id "claim". */
  claimExists<const Id extends string = 'claim'>(
    claim: V1PersistentVolumeClaim | null,
    name: string,
    options: CriterionOptions<Id> & { namespace?: string } = {},
  ): Criterion<Id> {
    const namespace = options.namespace ?? 'default';
    return buildCriterion(
      {
        id: 'claim',
        description: `A PersistentVolumeClaim named \`${name}\` exists in namespace \`${namespace}\``,
        hint: `Names must match exactly: \`kubectl get pvc -n ${namespace}\` lists the claims there.`,
      },
      options,
      { passed: claim !== null, expected: `persistentvolumeclaim/${name}`, actual: claim ? `persistentvolumeclaim/${name}` : 'no such claim' },
    );
  },

  /** The claim is Bound. When it is not, actual says what it asks for and why it waits. Id "bound". */
  bound<const Id extends string = 'bound'>(claim: V1PersistentVolumeClaim | null, why: string | undefined, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const name = claim?.metadata?.name ?? 'the claim';
    return buildCriterion(
      {
        id: 'bound',
        description: `The claim \`${name}\` is Bound to a volume`,
        hint: `\`kubectl describe pvc ${name}\` ends with the reason it waits. A claim binds to a volume of its class with at least its size and its access mode; with a class that provisions on first use, only once a pod uses it.`,
      },
      options,
      { passed: claim?.status?.phase === 'Bound', expected: 'Bound', actual: why ? `${describeClaim(claim)}: ${why}` : describeClaim(claim) },
    );
  },

  /** The claim is bound to this very volume (not one provisioned for it instead). Id "volume". */
  boundTo<const Id extends string = 'volume'>(claim: V1PersistentVolumeClaim | null, volume: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      {
        id: 'volume',
        description: `The claim is bound to the PersistentVolume \`${volume}\``,
        hint: `A claim binds to a volume of the same \`storageClassName\` (both, or neither, must name it), with at least the size and the access mode it asks for. \`kubectl get pv\` shows which claim each volume went to.`,
      },
      options,
      { passed: claim?.status?.phase === 'Bound' && claim.spec?.volumeName === volume, expected: `bound to ${volume}`, actual: describeClaim(claim) },
    );
  },

  /** The PersistentVolume exists under the exact name the task asks for. Id "pv". */
  volumeExists<const Id extends string = 'pv'>(volume: V1PersistentVolume | null, name: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      {
        id: 'pv',
        description: `A PersistentVolume named \`${name}\` exists`,
        hint: 'PersistentVolumes belong to no namespace: `kubectl get pv` lists them all.',
      },
      options,
      { passed: volume !== null, expected: `persistentvolume/${name}`, actual: describeVolume(volume) },
    );
  },

  /** The volume's reclaim policy. Id "reclaim". */
  reclaimPolicy<const Id extends string = 'reclaim'>(volume: V1PersistentVolume | null | undefined, policy: 'Retain' | 'Delete', options: CriterionOptions<Id> = {}): Criterion<Id> {
    const actual = volume?.spec?.persistentVolumeReclaimPolicy;
    return buildCriterion(
      {
        id: 'reclaim',
        description: `The volume's reclaim policy is ${policy}`,
        hint: `The policy is the volume's, not the claim's: \`kubectl patch pv <name> -p '{"spec":{"persistentVolumeReclaimPolicy":"${policy}"}}'\`.`,
      },
      options,
      { passed: actual === policy, expected: policy, actual: volume ? (actual ?? 'not set') : 'no volume' },
    );
  },

  /** The pod has a volume from this claim, mounted by at least one container. Id "mounted". */
  mountsClaim<const Id extends string = 'mounted'>(target: V1Pod | null, claim: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const volumes = (target?.spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim?.claimName === claim).map((v) => v.name);
    const mounts = (target?.spec?.containers ?? []).flatMap((c) => (c.volumeMounts ?? []).filter((m) => volumes.includes(m.name)).map((m) => `${c.name}:${m.mountPath}`));
    const claims = (target?.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));
    return buildCriterion(
      {
        id: 'mounted',
        description: `The pod mounts the claim \`${claim}\``,
        hint: `Two parts: a volume under \`spec.volumes\` with \`persistentVolumeClaim: {claimName: ${claim}}\`, and a \`volumeMounts\` entry in the container that names that volume.`,
      },
      options,
      {
        passed: mounts.length > 0,
        expected: `a container mounting claim ${claim}`,
        actual: !target ? 'no pod' : mounts.length ? mounts.join(', ') : volumes.length ? 'the volume, mounted by no container' : claims.length ? `claims ${claims.join(', ')}` : 'no claim among its volumes',
      },
    );
  },
};
