import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { getOrNull, type CheckContext } from './context.ts';
import { buildCriterion, logIncludes, type CriterionOptions } from './criteria.ts';
import { sameImage } from './images.ts';
import type { Criterion } from './types.ts';

/** Reads one pod, or null when it does not exist. */
export function readPod(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1Pod | null> {
  return getOrNull(() => cluster.core.readNamespacedPod({ name, namespace }));
}

/** The most of a log a check reads: a pod can print one line of any length. */
export const maxLogBytes = 65_536;

/**
 * The tail of one container's log (its last 50 lines, and at most 64 KiB of them), or '' when there is none yet (a
 * container that has not started).
 */
export async function podLog(cluster: CheckContext, name: string, container: string, namespace = 'default'): Promise<string> {
  try {
    return (await cluster.core.readNamespacedPodLog({ name, namespace, container, tailLines: 50, limitBytes: maxLogBytes })) ?? '';
  } catch {
    return '';
  }
}

export function formatLabels(labels: Record<string, string> | undefined): string {
  const pairs = Object.entries(labels ?? {}).map(([key, value]) => `${key}=${value}`);
  return pairs.length ? pairs.join(', ') : 'no labels';
}

/**
 * Why a pod is not working, in the words `kubectl get pods` would use: the phase, and the reason of the first
 * container that is waiting or terminated (ImagePullBackOff, CrashLoopBackOff, Completed, …).
 */
export function describePodState(pod: V1Pod): string {
  const phase = pod.status?.phase ?? 'Unknown';
  const reasons: string[] = [];
  for (const status of pod.status?.containerStatuses ?? []) {
    const reason = status.state?.waiting?.reason ?? status.state?.terminated?.reason;
    if (reason) reasons.push(`${status.name}: ${reason}`);
    if (status.restartCount > 0) reasons.push(`${status.name} restarted ${status.restartCount}×`);
  }
  return reasons.length ? `phase ${phase} (${reasons.join('; ')})` : `phase ${phase}`;
}

/** For builders that look at one container: `container` picks it by name; without it, the pod's first container. */
type ContainerOption = { container?: string };

function containerOf(pod: V1Pod | null, name: string | undefined): V1Container | undefined {
  const containers = pod?.spec?.containers ?? [];
  return name === undefined ? containers[0] : containers.find((c) => c.name === name);
}

function missingContainer(pod: V1Pod | null, name: string | undefined): string {
  if (!pod) return 'no pod';
  return name === undefined ? 'no containers' : `no container named \`${name}\``;
}

const podName = (pod: V1Pod | null) => pod?.metadata?.name ?? '<pod>';

/**
 * Criterion builders for pods: each states one fact once and returns a whole criterion (id, description,
 * expected, actual and a default hint), so a check reads as a list of facts:
 *
 *   const web = await pod.read(cluster, 'web');
 *   return [pod.exists(web, 'web'), pod.image(web, 'kubelab/web:1.0'), pod.hasLabel(web, 'app', 'web'), pod.running(web)];
 *
 * Every builder takes a missing pod (null) and then fails with actual "no pod". The default id is in each
 * signature; pass `{ id }` to name it otherwise, and `{ description, hint }` for the exercise's own words.
 */
export const pod = {
  read: readPod,

  /**
   * The tail of one container's log: `container` by name, or the pod's first container. '' when there is no pod,
   * no such container, or no log yet.
   */
  async log(cluster: CheckContext, target: V1Pod | null, container?: string): Promise<string> {
    const name = target?.metadata?.name;
    const chosen = containerOf(target, container)?.name;
    if (!target || !name || !chosen) return '';
    return podLog(cluster, name, chosen, target.metadata?.namespace ?? 'default');
  },

  /** The pod exists under the exact name the task asks for. Id "exists". */
  exists<const Id extends string = 'exists'>(
    target: V1Pod | null,
    name: string,
    options: CriterionOptions<Id> & { namespace?: string } = {},
  ): Criterion<Id> {
    const namespace = options.namespace ?? 'default';
    return buildCriterion(
      {
        id: 'exists',
        description: `A pod named \`${name}\` exists in namespace \`${namespace}\``,
        hint: `Pod names must match exactly. List what is there with \`kubectl get pods -n ${namespace}\`.`,
      },
      options,
      { passed: target !== null, expected: `pod/${name}`, actual: target ? `pod/${name}` : 'no such pod' },
    );
  },

  /** Running, with every container ready: what a learner means by "the pod works". Id "running". */
  running<const Id extends string = 'running'>(target: V1Pod | null, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const statuses = target?.status?.containerStatuses ?? [];
    return buildCriterion(
      {
        id: 'running',
        description: 'The pod is Running and all its containers are ready',
        hint: 'Look at the Events at the bottom of `kubectl describe pod <name>`, and at `kubectl logs <name>`.',
      },
      options,
      {
        passed: target?.status?.phase === 'Running' && statuses.length > 0 && statuses.every((s) => s.ready),
        expected: 'phase Running, every container ready',
        actual: target ? describePodState(target) : 'no pod',
      },
    );
  },

  /** The pod has reached `phase` (Succeeded, say). Id "phase". */
  phase<const Id extends string = 'phase'>(target: V1Pod | null, phase: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      {
        id: 'phase',
        description: `The pod reached the phase ${phase}`,
        hint: `\`kubectl describe pod ${podName(target)}\` and \`kubectl logs ${podName(target)}\` show what its containers did.`,
      },
      options,
      { passed: target?.status?.phase === phase, expected: `phase ${phase}`, actual: target ? describePodState(target) : 'no pod' },
    );
  },

  /** The pod carries the label `key=value`. Id "label". */
  hasLabel<const Id extends string = 'label'>(target: V1Pod | null, key: string, value: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      {
        id: 'label',
        description: `The pod carries the label \`${key}=${value}\``,
        hint: `Labels are key=value pairs. Check yours with \`kubectl get pod ${podName(target)} --show-labels\`.`,
      },
      options,
      {
        passed: target?.metadata?.labels?.[key] === value,
        expected: `${key}=${value}`,
        actual: target ? formatLabels(target.metadata?.labels) : 'no pod',
      },
    );
  },

  /**
   * The pod runs `image`: every container does, or the one named by `container`. Id "image". For a pod of
   * several containers with different images, see `pod.containers`.
   */
  image<const Id extends string = 'image'>(target: V1Pod | null, image: string, options: CriterionOptions<Id> & ContainerOption = {}): Criterion<Id> {
    const containers = options.container === undefined ? (target?.spec?.containers ?? []) : [containerOf(target, options.container)].filter((c) => c !== undefined);
    const name = podName(target);
    return buildCriterion(
      {
        id: 'image',
        description: options.container === undefined ? `The pod runs the image \`${image}\`` : `The container \`${options.container}\` runs the image \`${image}\``,
        hint: `\`kubectl get pod ${name} -o jsonpath='{.spec.containers[*].image}'\` shows the images; \`kubectl set image pod/${name} <container>=${image}\` changes one in place.`,
      },
      options,
      {
        passed: containers.length > 0 && containers.every((c) => sameImage(c.image, image)),
        expected: image,
        actual: containers.length ? containers.map((c) => c.image ?? 'no image').join(', ') : missingContainer(target, options.container),
      },
    );
  },

  /** The pod has exactly these containers, by name, each running its image. Id "containers". */
  containers<const Id extends string = 'containers'>(
    target: V1Pod | null,
    expected: Record<string, string>,
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const want = Object.entries(expected);
    const have = target?.spec?.containers ?? [];
    const list = (pairs: [string, string | undefined][]) => pairs.map(([name, image]) => `${name}=${image ?? 'no image'}`).join(', ');
    return buildCriterion(
      {
        id: 'containers',
        description: `The pod has ${want.length === 1 ? 'one container' : `${want.length} containers`}: ${want.map(([name, image]) => `\`${name}\` running \`${image}\``).join(' and ')}`,
        hint: 'List every container under `spec.containers`, each with its own `name` and `image`.',
      },
      options,
      {
        passed: have.length === want.length && want.every(([name, image]) => have.some((c) => c.name === name && sameImage(c.image, image))),
        expected: list(want),
        actual: have.length ? list(have.map((c) => [c.name, c.image])) : target ? 'no containers' : 'no pod',
      },
    );
  },

  /**
   * The container runs exactly `argv`: its command followed by its args (so moving words between the two is
   * fine). Id "command".
   */
  command<const Id extends string = 'command'>(
    target: V1Pod | null,
    argv: readonly string[],
    options: CriterionOptions<Id> & ContainerOption = {},
  ): Criterion<Id> {
    const container = containerOf(target, options.container);
    const actual = [...(container?.command ?? []), ...(container?.args ?? [])];
    const show = (words: readonly string[]) => words.join(' ').slice(0, 80);
    return buildCriterion(
      {
        id: 'command',
        description: `The container runs \`${show(argv)}\``,
        hint: `\`kubectl get pod ${podName(target)} -o yaml\` shows each container's \`command\` and \`args\`.`,
      },
      options,
      {
        passed: container !== undefined && actual.length === argv.length && actual.every((word, i) => word === argv[i]),
        expected: show(argv),
        actual: !container ? missingContainer(target, options.container) : actual.length ? show(actual) : 'no command (the image default)',
      },
    );
  },

  /** The container sets the environment variable `name` to `value`. Id "env". */
  env<const Id extends string = 'env'>(
    target: V1Pod | null,
    name: string,
    value: string,
    options: CriterionOptions<Id> & ContainerOption = {},
  ): Criterion<Id> {
    const container = containerOf(target, options.container);
    const found = container?.env?.find((e) => e.name === name)?.value;
    return buildCriterion(
      {
        id: 'env',
        description: `The container sets the environment variable \`${name}=${value}\``,
        hint: `\`kubectl get pod ${podName(target)} -o yaml\` shows the container's \`env\`. A pod's env cannot be edited in place: recreate the pod.`,
      },
      options,
      {
        passed: found === value,
        expected: `${name}=${value}`,
        actual: !container ? missingContainer(target, options.container) : found === undefined ? `${name} is not set` : `${name}=${found}`,
      },
    );
  },

  /** The pod's restart policy is one of `allowed` (a pod without one has `Always`). Id "restart-policy". */
  restartPolicy<const Id extends string = 'restart-policy'>(
    target: V1Pod | null,
    allowed: string | readonly string[],
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const policies = typeof allowed === 'string' ? [allowed] : allowed;
    const policy = target?.spec?.restartPolicy ?? 'Always';
    const either = policies.map((p) => `\`${p}\``).join(' or ');
    return buildCriterion(
      {
        id: 'restart-policy',
        description: `The pod's restart policy is ${either}`,
        hint: 'The restart policy cannot be changed on an existing pod: delete it and create it again (`kubectl run --restart=…`).',
      },
      options,
      {
        passed: target !== null && policies.includes(policy),
        expected: `restartPolicy ${policies.join(' or ')}`,
        actual: target ? `restartPolicy ${policy}` : 'no pod',
      },
    );
  },

  logIncludes,
};

/** The first criterion of most pod exercises: the pod exists, under the exact name the task asks for. */
export function podExists(target: V1Pod | null, name: string, namespace = 'default'): Criterion<'exists'> {
  return pod.exists(target, name, { namespace });
}

/** Running, with every container ready: what a learner means by "the pod works". */
export function podRunningAndReady(target: V1Pod | null): Criterion<'running'> {
  return pod.running(target);
}
