import { run } from '@kubelab/kit/exec';
import { courseImages } from '@kubelab/labs/images';
import type { ClusterAddon } from '@kubelab/labs/profiles';

/** The course images every cluster must carry (baked into the node image by npm run setup). */
const imagesInCluster: string[] = Object.values(courseImages);
import type { HealthCheck } from '../provider.ts';
import { metallbNamespace } from './load-balancer.ts';

/** What a readiness check can use: kubectl against the cluster, and the node containers. */
export interface ClusterHandle {
  kubectl(args: string[], input?: string): Promise<string>;
  nodeContainers: string[];
  /** Address of the first node on the cluster network (NodePorts answer there). */
  nodeAddress: string;
}

export interface ReadinessCheck {
  /** Stable, for code and tests: the create step waiting on it is `wait-<id>`. */
  id: string;
  name: string;
  /** The add-on it waits for: a cluster made without it is not held to it. */
  addon?: ClusterAddon;
  /** Resolves with a detail when the condition holds; throws with what was found otherwise. */
  probe(cluster: ClusterHandle): Promise<string>;
}

async function rollout(cluster: ClusterHandle, namespace: string, kind: string, name: string): Promise<string> {
  const raw = await cluster.kubectl(['-n', namespace, 'get', kind, name, '-o', 'json']);
  const object = JSON.parse(raw) as { status?: Record<string, number | undefined> };
  const status = object.status ?? {};
  const [want, have] =
    kind === 'daemonset'
      ? [status.desiredNumberScheduled ?? 0, status.numberReady ?? 0]
      : [status.replicas ?? 0, status.readyReplicas ?? 0];
  if (want === 0 || have < want) throw new Error(`${namespace}/${name}: ${have}/${want} ready`);
  return `${have}/${want} ready`;
}

/**
 * "Ready" means all of these hold. The order is the order things come up in, so a waiting create reports the
 * step it is really waiting on.
 */
export const readinessChecks: ReadinessCheck[] = [
  {
    id: 'api-server',
    name: 'API server answers',
    probe: async (c) => (await c.kubectl(['get', '--raw', '/readyz'])).trim(),
  },
  {
    id: 'nodes-ready',
    name: 'Nodes Ready',
    probe: async (c) => {
      const nodes = JSON.parse(await c.kubectl(['get', 'nodes', '-o', 'json'])) as {
        items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[];
      };
      const notReady = nodes.items
        .filter((n) => !n.status.conditions?.some((cond) => cond.type === 'Ready' && cond.status === 'True'))
        .map((n) => n.metadata.name);
      if (nodes.items.length < c.nodeContainers.length) throw new Error(`${nodes.items.length}/${c.nodeContainers.length} nodes registered`);
      if (notReady.length) throw new Error(`not Ready: ${notReady.join(', ')}`);
      return `${nodes.items.length} Ready`;
    },
  },
  {
    id: 'pod-network',
    name: 'Pod network (CNI) up',
    probe: async (c) =>
      [await rollout(c, 'kube-system', 'daemonset', 'kubelab-net'), await rollout(c, 'kube-system', 'daemonset', 'kube-router')].join(', '),
  },
  { id: 'coredns',
    name: 'CoreDNS up', probe: (c) => rollout(c, 'kube-system', 'deployment', 'coredns') },
  {
    id: 'storage-class',
    name: 'Default StorageClass',
    probe: async (c) => {
      const classes = JSON.parse(await c.kubectl(['get', 'storageclass', '-o', 'json'])) as {
        items: { metadata: { name: string; annotations?: Record<string, string> } }[];
      };
      const byDefault = classes.items.find((sc) => sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
      if (!byDefault) throw new Error('no StorageClass is marked default');
      await rollout(c, 'local-path-storage', 'deployment', 'local-path-provisioner');
      return byDefault.metadata.name;
    },
  },
  {
    id: 'ingress',
    name: 'Ingress controller answers',
    addon: 'ingress',
    probe: async (c) => {
      await rollout(c, 'traefik', 'deployment', 'traefik');
      const url = `http://${c.nodeAddress}:30800/`;
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      // With no Ingress yet, Traefik answers 404: what matters is that it answers.
      return `${url} → HTTP ${response.status}`;
    },
  },
  {
    id: 'load-balancer',
    name: 'Load balancer (MetalLB) up',
    addon: 'load-balancer',
    probe: async (c) => {
      const pools = JSON.parse(await c.kubectl(['-n', metallbNamespace, 'get', 'ipaddresspools.metallb.io', '-o', 'json'])) as {
        items: { metadata: { name: string }; spec?: { addresses?: string[] } }[];
      };
      if (!pools.items.length) throw new Error(`no IPAddressPool in ${metallbNamespace}`);
      const controller = await rollout(c, metallbNamespace, 'deployment', 'controller');
      const speaker = await rollout(c, metallbNamespace, 'daemonset', 'speaker');
      return `controller ${controller}, speaker ${speaker}, pool ${pools.items.flatMap((p) => p.spec?.addresses ?? []).join(', ')}`;
    },
  },
  {
    id: 'course-images',
    name: 'Course images present',
    probe: async (c) => {
      for (const node of c.nodeContainers) {
        const { stdout } = await run(['docker', 'exec', node, 'ctr', '--namespace=k8s.io', 'images', 'list', '-q']);
        const have = new Set(stdout.split('\n'));
        const missing = imagesInCluster.filter((ref) => !have.has(ref) && !have.has(`docker.io/${ref}`));
        if (missing.length) throw new Error(`${node} lacks ${missing.join(', ')}`);
      }
      return `${imagesInCluster.length} images on ${c.nodeContainers.length} node(s)`;
    },
  },
];

/** The checks that hold for a cluster with these add-ons. */
export function checksFor(checks: readonly ReadinessCheck[], addons: readonly ClusterAddon[]): ReadinessCheck[] {
  return checks.filter((check) => check.addon === undefined || addons.includes(check.addon));
}

export async function probeOnce(check: ReadinessCheck, cluster: ClusterHandle): Promise<HealthCheck> {
  try {
    return { name: check.name, ok: true, detail: await check.probe(cluster) };
  } catch (error) {
    return { name: check.name, ok: false, detail: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}
