import {
  BatchV1Api,
  DiscoveryV1Api,
  type V1CronJob,
  type V1DaemonSet,
  type V1EndpointSlice,
  type V1Job,
  type V1Node,
  type V1Pod,
  type V1PodTemplateSpec,
  type V1Service,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { getOrNull, type CheckContext } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import { sameImage } from './images.ts';
import { describePodState } from './pods.ts';
import { isControlPlane } from './scheduling.ts';
import type { Criterion } from './types.ts';

export type { V1CronJob, V1DaemonSet, V1StatefulSet } from '@kubernetes/client-node';

/**
 * The controllers beside Deployments: DaemonSets (a pod per node), StatefulSets (pods with stable names and DNS
 * names, started in order), Jobs (pods that run to completion) and CronJobs (Jobs on a schedule). Each builder
 * judges what the controller made (its pods, where they run, what they did), reading the spec only for what
 * has no other trace (a Job's parallelism, a CronJob's schedule).
 */

const isReady = (p: V1Pod) =>
  !p.metadata?.deletionTimestamp &&
  p.status?.phase === 'Running' &&
  (p.status.containerStatuses ?? []).length > 0 &&
  (p.status.containerStatuses ?? []).every((s) => s.ready);

/** A pod's state in a few words: ready, Running but not ready, or what describePodState says. */
function podState(p: V1Pod): string {
  if (isReady(p)) return 'ready';
  const state = describePodState(p);
  return state === 'phase Running' ? 'Running but not ready' : state;
}

const controlledBy = (uid: string | undefined) => (object: { metadata?: { ownerReferences?: { uid: string; controller?: boolean }[] } }) =>
  uid !== undefined && (object.metadata?.ownerReferences ?? []).some((o) => o.controller === true && o.uid === uid);

/** The pods whose controller is `owner` (by its uid, so a namesake made by another controller does not count). */
export async function podsControlledBy(cluster: CheckContext, owner: { metadata?: { uid?: string; namespace?: string } } | null): Promise<V1Pod[]> {
  if (!owner?.metadata?.uid) return [];
  const { items } = await cluster.core.listNamespacedPod({ namespace: owner.metadata.namespace ?? 'default' });
  return items.filter(controlledBy(owner.metadata.uid)).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** The images of a pod template's containers, against one image (however it is written). Id "image". */
function templateImage<Id extends string>(template: V1PodTemplateSpec | undefined, image: string, what: string, options: CriterionOptions<Id>): Criterion<Id> {
  const containers = template?.spec?.containers ?? [];
  return buildCriterion(
    {
      id: 'image',
      description: `The ${what}'s pods run the image \`${image}\``,
      hint: `The image goes in the pod template: \`spec.template.spec.containers[].image\` (for a CronJob, under \`jobTemplate\`).`,
    },
    options,
    {
      passed: containers.length > 0 && containers.every((c) => sameImage(c.image, image)),
      expected: image,
      actual: template ? containers.map((c) => c.image ?? 'no image').join(', ') || 'no containers' : `no ${what}`,
    },
  );
}

function exists<Id extends string>(found: boolean, kind: string, name: string, namespace: string, options: CriterionOptions<Id>): Criterion<Id> {
  const resource = kind.toLowerCase();
  return buildCriterion(
    {
      id: 'exists',
      description: `A ${kind} named \`${name}\` exists in namespace \`${namespace}\``,
      hint: `Names must match exactly. List what is there with \`kubectl get ${resource}s -n ${namespace}\`.`,
    },
    options,
    { passed: found, expected: `${resource}/${name}`, actual: found ? `${resource}/${name}` : `no such ${kind}` },
  );
}

const nodeName = (n: V1Node) => n.metadata?.name ?? '<node>';

/** Criterion builders for DaemonSets: one pod on each node it should cover. */
export const daemonSet = {
  read(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1DaemonSet | null> {
    return getOrNull(() => cluster.apps.readNamespacedDaemonSet({ name, namespace }));
  },

  pods: podsControlledBy,

  /** Id "exists". */
  exists<const Id extends string = 'exists'>(target: V1DaemonSet | null, name: string, options: CriterionOptions<Id> & { namespace?: string } = {}): Criterion<Id> {
    return exists(target !== null, 'DaemonSet', name, options.namespace ?? 'default', {
      hint: `A DaemonSet has no \`kubectl create\` shortcut: write its YAML (kind: DaemonSet) and \`kubectl apply -f\` it. A Deployment does not place one pod per node.`,
      ...options,
    });
  },

  /** Id "image". */
  image<const Id extends string = 'image'>(target: V1DaemonSet | null, image: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return templateImage(target?.spec?.template, image, 'DaemonSet', options);
  },

  /**
   * Each of `nodes` runs a ready pod of the DaemonSet (`pods`: daemonSet.pods), read from where the pods are
   * (spec.nodeName) and how they are. Id "nodes"; name the nodes in `which` ("both workers").
   */
  onNodes<const Id extends string = 'nodes'>(pods: V1Pod[], nodes: V1Node[], which: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const perNode = nodes.map((n) => {
      const here = pods.filter((p) => p.spec?.nodeName === nodeName(n) && !p.metadata?.deletionTimestamp);
      const ready = here.some(isReady);
      return { node: nodeName(n), ready, shown: `${nodeName(n)}: ${here.length === 0 ? 'no pod' : podState(here[0]!)}` };
    });
    return buildCriterion(
      {
        id: 'nodes',
        description: `A ready pod of the DaemonSet runs on ${which}`,
        hint: '`kubectl get pods -o wide` shows the node of each pod, and `kubectl describe daemonset <name>` how many it wants.',
      },
      options,
      {
        passed: perNode.length > 0 && perNode.every((n) => n.ready),
        expected: perNode.length ? `a ready pod on ${perNode.map((n) => n.node).join(', ')}` : `a ready pod on ${which}`,
        actual: perNode.length ? perNode.map((n) => n.shown).join('; ') : 'no such node',
      },
    );
  },

  workers: (nodes: V1Node[]) => nodes.filter((n) => !isControlPlane(n)),
  controlPlanes: (nodes: V1Node[]) => nodes.filter(isControlPlane),
};

/** Criterion builders for StatefulSets: the pods name-0…name-(n-1), and the headless Service that names them. */
export const statefulSet = {
  read(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1StatefulSet | null> {
    return getOrNull(() => cluster.apps.readNamespacedStatefulSet({ name, namespace }));
  },

  pods: podsControlledBy,

  /** Id "exists". */
  exists<const Id extends string = 'exists'>(target: V1StatefulSet | null, name: string, options: CriterionOptions<Id> & { namespace?: string } = {}): Criterion<Id> {
    return exists(target !== null, 'StatefulSet', name, options.namespace ?? 'default', options);
  },

  /** Id "image". */
  image<const Id extends string = 'image'>(target: V1StatefulSet | null, image: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return templateImage(target?.spec?.template, image, 'StatefulSet', options);
  },

  /**
   * The StatefulSet's pods are exactly `<name>-0` … `<name>-(count-1)`, all ready (`pods`: statefulSet.pods).
   * Id "pods".
   */
  readyPods<const Id extends string = 'pods'>(target: V1StatefulSet | null, pods: V1Pod[], count: number, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const name = target?.metadata?.name ?? '<name>';
    const wanted = Array.from({ length: count }, (_, i) => `${name}-${i}`);
    const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
    const extra = live.filter((p) => !wanted.includes(p.metadata?.name ?? ''));
    const states = wanted.map((podName) => {
      const found = live.find((p) => p.metadata?.name === podName);
      return { podName, ready: found !== undefined && isReady(found), shown: `${podName}: ${found ? podState(found) : 'missing'}` };
    });
    return buildCriterion(
      {
        id: 'pods',
        description: `The pods ${wanted.map((w) => `\`${w}\``).join(', ')} exist and are ready`,
        hint: 'A StatefulSet starts its pods one at a time, in order: each waits until the one before it is Running and ready. `kubectl get pods -w` shows it; `kubectl describe pod <name>` says why one is stuck.',
      },
      options,
      {
        passed: target !== null && states.every((s) => s.ready) && extra.length === 0,
        expected: wanted.map((w) => `${w} ready`).join(', '),
        actual: !target ? 'no StatefulSet' : [...states.map((s) => s.shown), ...extra.map((p) => `${p.metadata?.name}: not wanted`)].join('; '),
      },
    );
  },

  /**
   * The template's readiness probe is an HTTP GET of `path` on the container port `port` (by number, or by a name
   * the container gives that port). Id "probe".
   */
  readinessProbe<const Id extends string = 'probe'>(target: V1StatefulSet | null, path: string, port: number, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const containers = target?.spec?.template?.spec?.containers ?? [];
    const probes = containers.map((c) => {
      const get = c.readinessProbe?.httpGet;
      const named = typeof get?.port === 'string' && !/^\d+$/.test(get.port) ? c.ports?.find((p) => p.name === get.port)?.containerPort : Number(get?.port);
      return { container: c.name, get, port: named };
    });
    const good = probes.some((p) => p.get?.path === path && p.port === port);
    return buildCriterion(
      {
        id: 'probe',
        description: `The pods keep a readiness probe: an HTTP GET of \`${path}\` on port ${port}`,
        hint: `Fix the probe rather than remove it: \`readinessProbe.httpGet.path\` should be \`${path}\`, the app's health endpoint.`,
      },
      options,
      {
        passed: good,
        expected: `httpGet ${path} on port ${port}`,
        actual: !target
          ? 'no StatefulSet'
          : probes.map((p) => `${p.container}: ${p.get ? `httpGet ${p.get.path ?? '/'} on port ${p.get.port}` : 'no HTTP readiness probe'}`).join('; ') || 'no containers',
      },
    );
  },
};

/** The EndpointSlices of a Service (those labelled kubernetes.io/service-name=<name>). */
async function serviceEndpointSlices(cluster: CheckContext, name: string, namespace: string): Promise<V1EndpointSlice[]> {
  const discovery = cluster.kubeConfig.makeApiClient(DiscoveryV1Api);
  return (await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${name}` })).items;
}

/** Criterion builders for a headless Service, the one that gives each pod of a StatefulSet its DNS name. */
export const headlessService = {
  read(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1Service | null> {
    return getOrNull(() => cluster.core.readNamespacedService({ name, namespace }));
  },

  endpointSlices: serviceEndpointSlices,

  /** The Service exists and is headless (clusterIP None): DNS answers with the pods' addresses. Id "headless". */
  isHeadless<const Id extends string = 'headless'>(target: V1Service | null, name: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const ip = target?.spec?.clusterIP;
    return buildCriterion(
      {
        id: 'headless',
        description: `A headless Service named \`${name}\` exists (\`clusterIP: None\`)`,
        hint: '`kubectl expose` and a plain `kubectl create service clusterip` give a virtual IP. A headless Service sets `clusterIP: None` (`kubectl create service clusterip <name> --clusterip=None --tcp=80:5000`); the field cannot be changed afterwards, so delete and recreate it.',
      },
      options,
      {
        passed: ip === 'None',
        expected: 'clusterIP None',
        actual: !target ? `no Service named ${name}` : `clusterIP ${ip ?? 'unset'} (type ${target.spec?.type ?? 'ClusterIP'})`,
      },
    );
  },

  /**
   * The headless Service publishes each pod under its own DNS name (`<pod>.<service>.<namespace>.svc.cluster.local`):
   * its ready endpoints carry the hostnames, which the endpoint controller sets only when a pod's subdomain (the
   * StatefulSet's serviceName) names this Service. Id "dns".
   */
  podDnsNames<const Id extends string = 'dns'>(
    target: V1Service | null,
    slices: V1EndpointSlice[],
    hostnames: string[],
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const name = target?.metadata?.name ?? '<service>';
    const namespace = target?.metadata?.namespace ?? 'default';
    const published = new Set(
      slices.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false && e.hostname).map((e) => e.hostname!)),
    );
    const fqdn = (host: string) => `${host}.${name}.${namespace}.svc.cluster.local`;
    const unnamed = slices.reduce((sum, s) => sum + (s.endpoints ?? []).filter((e) => !e.hostname).length, 0);
    return buildCriterion(
      {
        id: 'dns',
        description: `Each pod has its own DNS name: ${hostnames.map((h) => `\`${fqdn(h)}\``).join(', ')}`,
        hint: "The StatefulSet's `serviceName` must be the headless Service's name, and the Service's selector must match the pods' labels. `kubectl get endpointslices -l kubernetes.io/service-name=<service> -o yaml` shows the hostnames it publishes.",
      },
      options,
      {
        passed: target?.spec?.clusterIP === 'None' && hostnames.every((h) => published.has(h)),
        expected: hostnames.map(fqdn).join(', '),
        actual: !target
          ? 'no Service'
          : target.spec?.clusterIP !== 'None'
            ? 'the Service is not headless: DNS gives its virtual IP, no name per pod'
            : published.size
              ? `published: ${[...published].sort().map(fqdn).join(', ')}`
              : unnamed
                ? `${unnamed} endpoint${unnamed === 1 ? '' : 's'} without a hostname (the pods' subdomain is not this Service)`
                : 'no ready endpoints (does the selector match the pods?)',
      },
    );
  },
};

const batchApi = (cluster: CheckContext) => cluster.kubeConfig.makeApiClient(BatchV1Api);

function jobCondition(target: V1Job | null, type: string): boolean {
  return (target?.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** A Job's progress as `kubectl get job` would tell it. */
export function describeJob(target: V1Job): string {
  const status = target.status ?? {};
  const failed = (status.conditions ?? []).find((c) => c.type === 'Failed' && c.status === 'True');
  const counts = `${status.succeeded ?? 0} succeeded, ${status.failed ?? 0} failed, ${status.active ?? 0} running`;
  if (failed) return `Failed (${failed.reason ?? 'no reason'}): ${counts}`;
  if (jobCondition(target, 'Complete')) return `Complete: ${counts}`;
  return `not finished: ${counts}`;
}

/** Criterion builders for Jobs: how many pods succeeded, how many ran at once, and whether it finished. */
export const job = {
  read(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1Job | null> {
    return getOrNull(() => batchApi(cluster).readNamespacedJob({ name, namespace }));
  },

  pods: podsControlledBy,

  /** Id "exists". */
  exists<const Id extends string = 'exists'>(target: V1Job | null, name: string, options: CriterionOptions<Id> & { namespace?: string } = {}): Criterion<Id> {
    return exists(target !== null, 'Job', name, options.namespace ?? 'default', options);
  },

  /** Id "image". */
  image<const Id extends string = 'image'>(target: V1Job | null, image: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return templateImage(target?.spec?.template, image, 'Job', options);
  },

  /** Exactly `count` of the Job's pods succeeded. Id "completions". */
  succeeded<const Id extends string = 'completions'>(target: V1Job | null, count: number, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const succeeded = target?.status?.succeeded ?? 0;
    return buildCriterion(
      {
        id: 'completions',
        description: `${count} pods of the Job succeeded`,
        hint: '`completions` says how many pods must succeed; `kubectl create job` makes a Job of one. Write the Job\'s YAML (or edit the output of `--dry-run=client -o yaml`) and set `spec.completions`.',
      },
      options,
      { passed: target !== null && succeeded === count, expected: `${count} succeeded`, actual: target ? `${succeeded} succeeded (completions: ${target.spec?.completions ?? 'unset'})` : 'no Job' },
    );
  },

  /** The Job runs at most `count` pods at a time, and that many when there is work left (spec.parallelism). Id "parallelism". */
  parallelism<const Id extends string = 'parallelism'>(target: V1Job | null, count: number, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const parallelism = target?.spec?.parallelism ?? 1;
    return buildCriterion(
      {
        id: 'parallelism',
        description: `The Job runs ${count} pods at a time`,
        hint: '`spec.parallelism` is how many pods run at once (1 by default); `spec.completions` is how many must succeed in all. Both are needed here.',
      },
      options,
      { passed: target !== null && parallelism === count, expected: `parallelism ${count}`, actual: target ? `parallelism ${parallelism}` : 'no Job' },
    );
  },

  /** The Job finished successfully (condition Complete). Id "complete". */
  complete<const Id extends string = 'complete'>(target: V1Job | null, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      {
        id: 'complete',
        description: 'The Job completed',
        hint: 'A failing pod is retried until `backoffLimit` (6 by default) failures; then the Job is Failed and stops. `kubectl describe job <name>` and `kubectl logs job/<name>` say why.',
      },
      options,
      { passed: jobCondition(target, 'Complete'), expected: 'condition Complete', actual: target ? describeJob(target) : 'no Job' },
    );
  },
};

/** The Jobs whose controller is this CronJob: those it scheduled, and those made with `kubectl create job --from=cronjob/…`. */
async function jobsOf(cluster: CheckContext, target: V1CronJob | null): Promise<V1Job[]> {
  if (!target?.metadata?.uid) return [];
  const { items } = await batchApi(cluster).listNamespacedJob({ namespace: target.metadata.namespace ?? 'default' });
  return items.filter(controlledBy(target.metadata.uid));
}

const cronFields = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const;

const cronMacros: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * The times a standard five-field cron schedule names, field by field (minutes, hours, days of month, months,
 * days of week, each a sorted list; Sunday is 0, whether written 0, 7 or SUN), or undefined when it is not one.
 * Two schedules that expand alike fire at the same times: `*\/15 * * * *` is `0,15,30,45 * * * *`.
 */
export function expandCron(schedule: string): number[][] | undefined {
  const text = cronMacros[schedule.trim().toLowerCase()] ?? schedule.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== cronFields.length) return undefined;
  const expanded: number[][] = [];
  for (const [i, field] of cronFields.entries()) {
    const names: readonly string[] = 'names' in field ? field.names : [];
    const offset = field.name === 'month' ? 1 : 0;
    const number = (word: string): number | undefined => {
      const named = names.indexOf(word.toUpperCase());
      if (named >= 0) return named + offset;
      return /^\d+$/.test(word) ? Number(word) : undefined;
    };
    const values = new Set<number>();
    for (const item of parts[i]!.split(',')) {
      const [range = '', stepText] = item.split('/');
      const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : 0;
      if (step < 1) return undefined;
      let low: number | undefined;
      let high: number | undefined;
      if (range === '*' || range === '?') [low, high] = [field.min, field.max];
      else if (range.includes('-')) [low, high] = range.split('-').map(number) as [number | undefined, number | undefined];
      else [low, high] = [number(range), stepText === undefined ? number(range) : field.max];
      if (low === undefined || high === undefined || low < field.min || high > field.max || low > high) return undefined;
      for (let v = low; v <= high; v += step) values.add(field.name === 'day of week' && v === 7 ? 0 : v);
    }
    expanded.push([...values].sort((a, b) => a - b));
  }
  return expanded;
}

const utcZones = ['UTC', 'Etc/UTC', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu', 'GMT', 'Etc/GMT'];

/** Criterion builders for CronJobs: the schedule they keep, and the Jobs made from them. */
export const cronJob = {
  read(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1CronJob | null> {
    return getOrNull(() => batchApi(cluster).readNamespacedCronJob({ name, namespace }));
  },

  jobs: jobsOf,

  /** Id "exists". */
  exists<const Id extends string = 'exists'>(target: V1CronJob | null, name: string, options: CriterionOptions<Id> & { namespace?: string } = {}): Criterion<Id> {
    return exists(target !== null, 'CronJob', name, options.namespace ?? 'default', options);
  },

  /** Id "image". */
  image<const Id extends string = 'image'>(target: V1CronJob | null, image: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return templateImage(target?.spec?.jobTemplate?.spec?.template, image, 'CronJob', options);
  },

  /**
   * The CronJob fires at the same times as `schedule` (a five-field cron expression, in UTC): any way of writing
   * those times passes, and a time zone other than UTC does not. Id "schedule".
   */
  schedule<const Id extends string = 'schedule'>(target: V1CronJob | null, schedule: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const want = expandCron(schedule);
    if (!want) throw new Error(`cronJob.schedule: ${JSON.stringify(schedule)} is not a five-field cron schedule`);
    const written = target?.spec?.schedule;
    const have = written === undefined ? undefined : expandCron(written);
    const zone = target?.spec?.timeZone;
    const utc = zone === undefined || zone === null || utcZones.includes(zone);
    return buildCriterion(
      {
        id: 'schedule',
        description: `The CronJob runs at \`${schedule}\` (minute hour day-of-month month day-of-week, UTC)`,
        hint: 'The five fields are minute, hour, day of month, month and day of week, in that order; `*` means every one. `kubectl get cronjob` shows the schedule and the time of the last run.',
      },
      options,
      {
        passed: have !== undefined && utc && JSON.stringify(have) === JSON.stringify(want),
        expected: `${schedule} (UTC)`,
        actual: !target ? 'no CronJob' : `${written}${zone ? ` in time zone ${zone}` : ''}${have === undefined ? ' (not a schedule this check can read)' : ''}`,
      },
    );
  },

  /** A Job made from the CronJob (`jobs`: cronJob.jobs) has completed. Id "ran". */
  ranToCompletion<const Id extends string = 'ran'>(jobs: V1Job[], options: CriterionOptions<Id> = {}): Criterion<Id> {
    const done = jobs.filter((j) => jobCondition(j, 'Complete'));
    return buildCriterion(
      {
        id: 'ran',
        description: 'A Job made from the CronJob ran to completion',
        hint: 'Start a run now, from the CronJob\'s own template: `kubectl create job <name> --from=cronjob/<cronjob>`. A Job made with `--image` is not the CronJob\'s.',
      },
      options,
      {
        passed: done.length > 0,
        expected: 'a completed Job owned by the CronJob',
        actual: jobs.length ? jobs.map((j) => `${j.metadata?.name}: ${describeJob(j)}`).join('; ') : 'no Job made from the CronJob',
      },
    );
  },

  /** The first of these Jobs that completed, if any (to read its pods' logs). */
  completed: (jobs: V1Job[]): V1Job | undefined => jobs.find((j) => jobCondition(j, 'Complete')),
};
