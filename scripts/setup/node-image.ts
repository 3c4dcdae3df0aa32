import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, succeeds } from '../lib/exec.ts';
import { shortHash, versions } from '../lib/versions.ts';
import { KubelabError, wrapError } from '../lib/errors.ts';
import { withHeartbeat, type StepHandle } from '../lib/status.ts';
import { buildImage, builtByLabel, imageExists } from './docker.ts';
import { debianBaseImage } from './debian-base.ts';
import { lacksSysResource } from '../lib/host.ts';
import { componentBinaries, nodeImageRefs } from './components.ts';
import { componentImages, nodeAdmissionConfigPath, nodeImageStoreDir, nodeImageStoreMount, nodeKubeadmPatchesDir } from '../lib/artifacts.ts';
import { exists, produceDirectory } from '../lib/cache.ts';

const manifestsDir = fileURLToPath(new URL('../node-image/manifests/', import.meta.url));
const kubeadmPatchesDir = fileURLToPath(new URL('../node-image/kubeadm-patches/', import.meta.url));

/** The kubeadm patch files baked into the node image, as [file name, content], in name order (the key depends on it). */
async function readKubeadmPatches(): Promise<[string, string][]> {
  const names = (await readdir(kubeadmPatchesDir)).filter((name) => name.endsWith('.yaml')).sort();
  return Promise.all(names.map(async (name): Promise<[string, string]> => [name, await readFile(join(kubeadmPatchesDir, name), 'utf8')]));
}
const k8s = versions.kubernetes.version;

/** Where the kind module's files are (base-image files, default manifests), from the Go module cache. */
async function kindModuleDir(): Promise<string> {
  const { stdout } = await run(['go', 'mod', 'download', '-json', `${versions.kind.module}@${versions.kind.version}`], {
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  return (JSON.parse(stdout) as { Dir: string }).Dir;
}

/**
 * The kind base image, built the way kind's images/base/Dockerfile builds it, from Debian packages: systemd,
 * containerd, runc and the CNI plugins, plus kind's own entrypoint, unit files and containerd config.
 */
function kindBaseDockerfile(): string {
  // Without CAP_SYS_RESOURCE nothing in the node may lower an oom_score_adj, yet the CRI asks for -998 for every
  // pod sandbox and runc's init dies ("can't get final child's PID from pipe"). restrict_oom_score_adj makes
  // containerd clamp the request to its own score instead.
  const clampOomScore = lacksSysResource()
    ? `RUN sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' /etc/containerd/config.toml\n`
    : '';
  return `FROM ${debianBaseImage}
COPY files/ /
RUN chmod 0755 /usr/local/bin/* /kind/bin/* \\
 && apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold \\
      systemd conntrack iptables nftables iproute2 ethtool util-linux mount kmod libseccomp2 pigz \\
      bash ca-certificates curl jq procps containerd runc containernetworking-plugins \\
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \\
 && find /lib/systemd/system/sysinit.target.wants/ -name "systemd-tmpfiles-setup.service" -delete \\
 && rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \\
      /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \\
      /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/* \\
 && echo "ReadKMsg=no" >> /etc/systemd/journald.conf \\
 && ln -sf "$(command -v systemd || echo /lib/systemd/systemd)" /sbin/init
# kind's containerd config is already in /etc/containerd: keep it over the Debian package's (--force-confold above).
# kind's unit files expect containerd in /usr/local/bin and the CNI plugins in /opt/cni/bin; Debian puts them
# in /usr/bin and /usr/lib/cni.
RUN ln -s /usr/bin/containerd /usr/local/bin/containerd \\
 && mkdir -p /opt/cni/bin && cp -a /usr/lib/cni/. /opt/cni/bin/ \\
 && ctr oci spec \\
    | jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \\
    | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json \\
 && systemctl enable kubelet.service containerd.service undo-mount-hacks.service \\
 && systemctl mask systemd-binfmt.service \\
 && mkdir -p /etc/kubernetes/manifests
${clampOomScore}ENV container=docker
STOPSIGNAL SIGRTMIN+3
LABEL ${builtByLabel}
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]
`;
}

export async function ensureKindBase(step: StepHandle): Promise<string> {
  const dockerfile = kindBaseDockerfile();
  const tag = `kubelab/kind-base:${versions.kind.version}-${shortHash(dockerfile)}`;
  if (await imageExists(tag)) return tag;
  step.progress(`building ${tag}`);
  const kindDir = await kindModuleDir();
  await buildImage([tag], { dockerfile, files: { files: join(kindDir, 'images/base/files') } }, step);
  return tag;
}

/** kind's default StorageClass manifest: a Go string constant in the kind module, with its image names filled in. */
async function defaultStorageManifest(): Promise<string> {
  const source = await readFile(join(await kindModuleDir(), 'pkg/build/nodeimage/const_storage.go'), 'utf8');
  const constants = new Map<string, string>();
  for (const match of source.matchAll(/const (\w+) = "([^"]*)"/g)) constants.set(match[1]!, match[2]!);
  const body = /const defaultStorageManifest = `([\s\S]*?)`\s*$/m.exec(source.replace(/` \+ (\w+) \+ `/g, (_, name: string) => constants.get(name) ?? name));
  if (!body) throw new KubelabError('E_KIND_MODULE', 'could not find defaultStorageManifest in kind\'s const_storage.go');
  return body[1]!;
}

async function cniManifest(): Promise<string> {
  return (await readFile(join(manifestsDir, 'default-cni.yaml'), 'utf8'))
    .replaceAll('__KUBELAB_NET_IMAGE__', componentImages.kubelabNet)
    .replaceAll('__KUBE_ROUTER_IMAGE__', componentImages.kubeRouter);
}

async function imageId(ref: string): Promise<string> {
  return (await run(['docker', 'image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
}

/** The images imported into every node: cluster components, add-ons and course images. */
export async function imagesInNode(): Promise<string[]> {
  // Loaded here, not at the top: setup starts before npm has linked the workspaces (see scripts/node.sh).
  const { courseImages } = await import('@kubelab/labs/images');
  return [...nodeImageRefs(), ...Object.values(courseImages)];
}

/**
 * Run in the builder after its containerd stopped: the image keeps containerd's databases, and links to the store's
 * blobs and snapshots instead of the directories themselves. In a node, a new blob or snapshot (a learner's image,
 * a container's writable layer) is a real entry beside the links, in the node's own /var; containerd removing an
 * image removes only its links.
 */
const linkToImageStore = `set -eu
store="$1"
cd /var/lib/containerd
rm io.containerd.content.v1.content
mkdir -p io.containerd.content.v1.content/blobs/sha256 io.containerd.content.v1.content/ingest
for blob in "$store"/content/blobs/sha256/*; do ln -s "$blob" io.containerd.content.v1.content/blobs/sha256/; done
rm io.containerd.snapshotter.v1.overlayfs/snapshots
mkdir io.containerd.snapshotter.v1.overlayfs/snapshots
for snapshot in "$store"/snapshots/*; do ln -s "$snapshot" io.containerd.snapshotter.v1.overlayfs/snapshots/; done
`;

/**
 * Assembles the node image offline, doing kind's own `build node-image` steps by hand: start the base image,
 * copy the Kubernetes binaries in, write /kind/version and the default manifests, import every image into
 * containerd's k8s.io namespace, and commit. Unlike kind, the images are unpacked here, once, into the image
 * store beside the node image (see nodeImageStoreMount); the tag is keyed by everything that went in.
 */
export async function ensureNodeImage(step: StepHandle): Promise<{ image: string; detail: string }> {
  const base = await ensureKindBase(step);
  const { dirs } = await componentBinaries(step);
  const k8sDir = dirs.get('kubernetes')!;
  const refs = await imagesInNode();
  const storage = await defaultStorageManifest();
  const cni = await cniManifest();
  const admission = await readFile(join(manifestsDir, 'admission.yaml'), 'utf8');
  const kubeadmPatches = await readKubeadmPatches();
  const ids = await Promise.all(refs.map(imageId));
  const key = shortHash(await imageId(base), imageStoreLayout, linkToImageStore, k8sDir, storage, cni, admission, ...kubeadmPatches.flat(), ...refs, ...ids);
  const image = `kubelab/node:${k8s}-${key}`;
  const store = nodeImageStoreDir(image);
  if ((await imageExists(image)) && (await exists(store))) return { image, detail: `${image} (cached)` };

  const builder = `kubelab-node-build-${process.pid}`;
  try {
    await produceDirectory(store, async (scratch) => {
      step.progress(`assembling ${image}`);
      await mkdir(join(scratch, 'content'));
      await mkdir(join(scratch, 'snapshots'));
      await run(['docker', 'run', '-d', '--name', builder, '--privileged', '--volume', `${scratch}:${nodeImageStoreMount}`, '--entrypoint', 'sleep', base, 'infinity']);
      for (const binary of ['kubeadm', 'kubelet', 'kubectl']) {
        await run(['docker', 'cp', join(k8sDir, binary), `${builder}:/usr/bin/${binary}`]);
      }
      const files: Record<string, string> = {
        '/kind/version': `${k8s}\n`,
        '/kind/manifests/default-cni.yaml': cni,
        '/kind/manifests/default-storage.yaml': storage,
        [nodeAdmissionConfigPath]: admission,
        ...Object.fromEntries(kubeadmPatches.map(([file, content]) => [`${nodeKubeadmPatchesDir}/${file}`, content])),
      };
      for (const [path, content] of Object.entries(files)) {
        await run(['docker', 'exec', '-i', builder, 'sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', path], { input: content });
      }
      // While it builds, containerd keeps its blobs and snapshots in the store itself (a host directory: overlayfs
      // snapshots need a real filesystem under them, not the builder's own overlay).
      await run([
        'docker', 'exec', builder, 'sh', '-c',
        'set -eu; mkdir -p /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs; cd /var/lib/containerd; ' +
          'ln -s "$1/content" io.containerd.content.v1.content; ln -s "$1/snapshots" io.containerd.snapshotter.v1.overlayfs/snapshots',
        'sh', nodeImageStoreMount,
      ]);
      await run(['docker', 'exec', '-d', builder, 'sh', '-c', 'containerd >/var/log/containerd-build.log 2>&1']);
      const ready = Date.now() + 60_000;
      while (!(await succeeds(['docker', 'exec', builder, 'ctr', 'version']))) {
        if (Date.now() > ready) throw new KubelabError('E_NODE_IMAGE', 'containerd did not start inside the node image builder');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      step.progress(`importing and unpacking ${refs.length} images`);
      await withHeartbeat(step, () =>
        run([
          'sh',
          '-c',
          'docker save "$@" | docker exec -i "$0" ctr --namespace=k8s.io images import --all-platforms --digests -',
          builder,
          ...refs,
        ]),
      );
      const { stdout: imported } = await run(['docker', 'exec', builder, 'ctr', '--namespace=k8s.io', 'images', 'list', '-q']);
      const missing = refs.filter((ref) => !imported.split('\n').some((line) => line === ref || line === `docker.io/${ref}` || line === `docker.io/library/${ref}`));
      if (missing.length) throw new KubelabError('E_NODE_IMAGE', `images missing from the node after import: ${missing.join(', ')}`);
      await run(['docker', 'exec', builder, 'sh', '-c', 'pkill -x containerd; while pgrep -x containerd >/dev/null; do sleep 0.2; done; rm -f /var/log/containerd-build.log']);
      await run(['docker', 'exec', builder, 'sh', '-c', linkToImageStore, 'sh', nodeImageStoreMount]);
      await run([
        'docker',
        'commit',
        '--change',
        'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
        '--change',
        'CMD []',
        '--change',
        `LABEL ${builtByLabel}`,
        builder,
        image,
      ]);
    });
  } catch (error) {
    throw wrapError(`failed to assemble node image ${image}`, error, 'E_NODE_IMAGE');
  } finally {
    await run(['docker', 'rm', '-f', '-v', builder]).catch(() => {});
  }
  const pruned = await pruneOlder('kubelab/node', image);
  await pruneOlder('kubelab/kind-base', base);
  const leftStores = await pruneOrphanStores();
  const left = leftStores.length ? `; could not remove old image store(s) ${leftStores.join(', ')} (root's files: remove them as root)` : '';
  return { image, detail: `${image} (assembled${pruned ? `; removed ${pruned} older node image(s)` : ''}${left})` };
}

/** Part of the node image key: a node image made before the image store existed has its blobs inside. */
const imageStoreLayout = 'image-store-v1';

/**
 * An image store whose node image is gone (pruned, or removed by hand) serves nothing: remove it. Its files are
 * root's (containerd wrote them in the builder), so a setup run by a user in the docker group may not be able to:
 * those are returned, and setup goes on.
 */
async function pruneOrphanStores(): Promise<string[]> {
  const { stdout } = await run(['docker', 'images', '--format', '{{.Repository}}:{{.Tag}}', 'kubelab/node']);
  const kept = new Set(stdout.trim().split('\n').filter(Boolean).map(nodeImageStoreDir));
  const parent = dirname(nodeImageStoreDir('kubelab/node:x'));
  const left: string[] = [];
  for (const entry of await readdir(parent).catch(() => [])) {
    const dir = join(parent, entry);
    if (kept.has(dir) || entry.includes('.partial-')) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => left.push(dir));
  }
  return left;
}

/**
 * Each node image is 1–2 GB and a new pin or source change makes a new one; keep only the current one. An older
 * image that a running cluster still uses stays (docker refuses to remove it) until that cluster is deleted.
 */
async function pruneOlder(repository: string, keep: string): Promise<number> {
  const { stdout } = await run(['docker', 'images', '--format', '{{.Repository}}:{{.Tag}}', repository]);
  let removed = 0;
  for (const ref of stdout.trim().split('\n').filter((r) => r && r !== keep && !r.endsWith(':<none>'))) {
    if (await succeeds(['docker', 'rmi', ref])) removed++;
  }
  return removed;
}
