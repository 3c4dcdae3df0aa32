import { defineExercise, node, type CheckContext } from '@kubelab/labs';
import { deleteDebugPods, findNode, onNode } from '../node-shell.ts';

const pauseLabel = 'kubelab.dev/pause';

/** The sandbox image containerd is configured with: `sandbox_image` in its configuration file. */
const readSandboxImage = `${findNode}
PAUSE_IMAGE=$(${onNode('chroot /host cat /etc/containerd/config.toml')} | sed -n 's/^ *sandbox_image *= *"\\(.*\\)"/\\1/p')
PAUSE_TAG=\${PAUSE_IMAGE##*:}`;

/**
 * The images the node's sandboxes run, as the kubelet's cAdvisor reports them (every pod's pause container is a
 * container with an image there). The node lists another pause image among those it holds (the one kubeadm would
 * pull), so its image list alone cannot say which one containerd starts.
 */
async function sandboxTags(cluster: CheckContext, nodeName: string): Promise<string[]> {
  try {
    const metrics = String(await cluster.core.connectGetNodeProxyWithPath({ name: nodeName, path: 'metrics/cadvisor' }));
    const images = new Set([...metrics.matchAll(/image="([^"]*\/pause:[^"@]+)"/g)].map((match) => match[1]!));
    return [...images].map((image) => image.slice(image.lastIndexOf(':') + 1));
  } catch {
    return [];
  }
}

export default defineExercise({
  title: 'The container behind every pod',
  hints: [
    'In a node shell (`kubectl debug node/<node> -it --profile=general --image=kubelab/toolbox:1.0`, then `chroot /host`), `ctr -n k8s.io containers list` shows every container containerd runs, with its image: one of them per pod is a sandbox.',
    'containerd names its sandbox image in its configuration: `grep sandbox /etc/containerd/config.toml`. The node holds more than one pause image, so look at what is configured (or running), not at what is stored.',
    `The tag is what follows the last \`:\` of the image. \`kubectl label node <node> ${pauseLabel}=<tag>\`.`,
  ],
  solution: `${readSandboxImage}
kubectl label node "$NODE" ${pauseLabel}="$PAUSE_TAG" --overwrite`,
  cleanup: `${deleteDebugPods}
kubectl label nodes --all ${pauseLabel}- pause- >/dev/null`,
  variants: [
    {
      name: 'the tag of the running sandboxes (ctr), set with a JSON patch',
      apply: `${findNode}
TAG=$(${onNode('chroot /host ctr -n k8s.io containers list')} | awk '$2 ~ /\\/pause:/ { sub(/.*:/, "", $2); print $2 }' | sort -u)
kubectl patch node "$NODE" --type=json -p "[{\\"op\\":\\"add\\",\\"path\\":\\"/metadata/labels/kubelab.dev~1pause\\",\\"value\\":\\"$TAG\\"}]"`,
    },
  ],
  nearMisses: [
    {
      name: 'the pause image kubeadm lists (kubeadm config images list), not the one containerd runs',
      apply: `${findNode}
TAG=$(${onNode('chroot /host kubeadm config images list')} | sed -n 's|.*/pause:||p')
kubectl label node "$NODE" ${pauseLabel}="$TAG" --overwrite`,
      failsOn: 'pause',
    },
    { name: 'the label without its kubelab.dev/ prefix', apply: `${readSandboxImage}\nkubectl label node "$NODE" pause="$PAUSE_TAG" --overwrite`, failsOn: 'pause' },
  ],
  check: async (cluster) => {
    const target = await node.first(cluster);
    const tags = target?.metadata?.name ? await sandboxTags(cluster, target.metadata.name) : [];
    return [
      node.hasLabel(target, pauseLabel, tags.length ? tags : ['unknown (the kubelet reported no sandbox)'], {
        id: 'pause',
        description: 'The node is labelled with the tag of the pause image containerd runs as every pod\'s sandbox',
        hint: 'On the node, `ctr -n k8s.io containers list | grep pause` shows the image of the running sandboxes, and /etc/containerd/config.toml the one configured.',
      }),
    ];
  },
});
