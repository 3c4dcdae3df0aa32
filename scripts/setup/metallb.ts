import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../lib/exec.ts';
import { writeFileAtomic } from '../lib/cache.ts';
import { componentImages, metallbManifestPath } from '../lib/artifacts.ts';
import { KubelabError } from '../lib/errors.ts';
import { versions } from '../lib/versions.ts';

/** A manifest object, as far as this file looks into it. */
interface ManifestObject {
  kind?: string;
  metadata?: { name?: string };
  spec?: Record<string, unknown> & {
    conversion?: unknown;
    template?: { spec?: PodSpecLike };
  };
}

interface ContainerLike {
  name?: string;
  readinessProbe?: { initialDelaySeconds?: number; periodSeconds?: number };
  image?: string;
  imagePullPolicy?: string;
  args?: string[];
  ports?: { name?: string }[];
  volumeMounts?: { name?: string }[];
}

interface PodSpecLike {
  containers?: ContainerLike[];
  volumes?: { name?: string }[];
}

/** What of the upstream manifest a cluster does not get: the admission webhook and what only it uses. */
const webhookObjects = new Set(['ValidatingWebhookConfiguration/metallb-webhook-configuration', 'Service/metallb-webhook-service', 'Secret/metallb-webhook-cert']);

const webhookVolume = 'cert';

/** When the controller's and the speakers' readiness probes run (see adaptMetallbManifest). */
const readinessTiming = { initialDelaySeconds: 2, periodSeconds: 5 };

/**
 * Our cluster's version of MetalLB's native manifest (CRDs, RBAC, the controller Deployment and the speaker
 * DaemonSet), made from the upstream objects by these changes only:
 *
 * - the images are ours (built by the component-images step from the same module, and in every node already),
 *   pulled only if not present: there is no registry to pull from;
 * - the controller runs with `--webhook-mode=disabled`, and the validating webhook, its Service, its certificate
 *   Secret and the volume holding it are left out, as is the BGPPeer CRD's conversion webhook. With the webhook a
 *   cluster could not take its address pool until the controller was up and had minted a certificate: the pool
 *   would need a create step of its own that waits on a pod. Kubelab writes the pool itself; a bad pool still
 *   shows, in the controller's log and events, as MetalLB rejecting the configuration. BGP is not used here.
 *
 * - both readiness probes start after 2 s and repeat every 5 s instead of 10 and 10: a cluster is ready only once
 *   MetalLB is, and upstream's timing alone added about 10 s to every cluster create (measured: 35.6 s without
 *   MetalLB, 46.0 s with it as upstream has it).
 *
 * The memberlist secret the speakers share is left to the controller, which creates it at start
 * (METALLB_ML_SECRET_NAME), as upstream does.
 */
export function adaptMetallbManifest(objects: ManifestObject[]): ManifestObject[] {
  const kept = objects.filter((object) => object && !webhookObjects.has(`${object.kind}/${object.metadata?.name}`));
  const found = (kind: string, name: string) => {
    const object = kept.find((o) => o.kind === kind && o.metadata?.name === name);
    const container = object?.spec?.template?.spec?.containers?.find((c) => c.name === name);
    if (!object || !container) throw new KubelabError('E_ADDON_MANIFEST', `MetalLB ${versions.metallb.version}'s metallb-native.yaml has no ${kind} ${name} with a container ${name}`);
    return { pod: object.spec!.template!.spec!, container };
  };
  const controller = found('Deployment', 'controller');
  controller.container.image = componentImages.metallbController;
  controller.container.imagePullPolicy = 'IfNotPresent';
  controller.container.args = [...(controller.container.args ?? []).filter((arg) => !arg.startsWith('--webhook-mode')), '--webhook-mode=disabled'];
  controller.container.ports = controller.container.ports?.filter((port) => port.name !== 'webhook-server');
  controller.container.volumeMounts = controller.container.volumeMounts?.filter((mount) => mount.name !== webhookVolume);
  controller.pod.volumes = controller.pod.volumes?.filter((volume) => volume.name !== webhookVolume);
  if (controller.container.volumeMounts?.length === 0) delete controller.container.volumeMounts;
  if (controller.pod.volumes?.length === 0) delete controller.pod.volumes;

  const speaker = found('DaemonSet', 'speaker');
  speaker.container.image = componentImages.metallbSpeaker;
  speaker.container.imagePullPolicy = 'IfNotPresent';

  for (const { container } of [controller, speaker]) {
    if (container.readinessProbe) Object.assign(container.readinessProbe, readinessTiming);
  }
  for (const crd of kept.filter((o) => o.kind === 'CustomResourceDefinition')) {
    if (crd.spec?.conversion) crd.spec.conversion = { strategy: 'None' };
  }
  return kept;
}

/**
 * Writes the adapted manifest to the cache (atomically) whenever it differs from what is there: it costs a read of
 * the module (already in the Go module cache after the component build), so it is made again on every setup
 * rather than keyed by a revision someone has to remember to bump.
 */
export async function ensureMetallbManifest(): Promise<string> {
  // Loaded here, not at the top: setup starts before npm has installed it (scripts/node.sh).
  const { parseAllDocuments, stringify } = await import('yaml');
  const { stdout } = await run(['go', 'mod', 'download', '-json', `${versions.metallb.module}@${versions.metallb.version}`], {
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  const source = join((JSON.parse(stdout) as { Dir: string }).Dir, 'config/manifests/metallb-native.yaml');
  const objects = parseAllDocuments(await readFile(source, 'utf8')).map((document) => document.toJS() as ManifestObject);
  const adapted = adaptMetallbManifest(objects);
  const text = `# Made by npm run setup from ${versions.metallb.module}@${versions.metallb.version} config/manifests/metallb-native.yaml\n# (scripts/setup/metallb.ts says what was changed). Do not edit.\n${adapted.map((object) => stringify(object)).join('---\n')}`;
  const target = metallbManifestPath();
  const current = await readFile(target, 'utf8').catch(() => undefined);
  if (current === text) return `${adapted.length} objects (cached)`;
  await writeFileAtomic(target, text);
  return `${adapted.length} objects from ${versions.metallb.module}@${versions.metallb.version}`;
}
