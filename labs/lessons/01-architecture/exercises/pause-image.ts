import { defineExercise, node } from '@kubelab/labs';
import { deleteDebugPods, findNode, onNode } from '../node-shell.ts';

const pauseLabel = 'kubelab.dev/pause';

/** The sandbox image containerd is configured with, as its running configuration says (containerd config dump). */
const readSandboxImage = `${findNode}
PAUSE_IMAGE=$(${onNode('chroot /host crictl info')} | jq -r '.config.sandboxImage // .config.containerd.sandboxImage // empty')
PAUSE_TAG=\${PAUSE_IMAGE##*:}`;

export default defineExercise({
  title: 'The container behind every pod',
  hints: [
    'In a node shell (`kubectl debug node/<node> -it --image=kubelab/toolbox:1.0`, then `chroot /host`), `crictl pods` lists the sandboxes and `ctr -n k8s.io containers list` shows the image of every container, sandboxes included.',
    'containerd names its sandbox image in its settings: `crictl info | grep -i sandbox`. `crictl images | grep pause` shows the tag too.',
    `The tag is what follows the last \`:\` of the image. \`kubectl label node <node> ${pauseLabel}=<tag>\`.`,
  ],
  solution: `${readSandboxImage}
kubectl label node "$NODE" ${pauseLabel}="$PAUSE_TAG" --overwrite`,
  cleanup: `${deleteDebugPods}
kubectl label nodes --all ${pauseLabel}- pause- >/dev/null`,
  variants: [
    {
      name: 'the tag read from crictl images, set with a JSON patch',
      apply: `${findNode}
TAG=$(${onNode('chroot /host crictl images')} | awk '$1 ~ /\\/pause$/ { print $2; exit }')
kubectl patch node "$NODE" --type=json -p "[{\\"op\\":\\"add\\",\\"path\\":\\"/metadata/labels/kubelab.dev~1pause\\",\\"value\\":\\"$TAG\\"}]"`,
    },
  ],
  nearMisses: [
    { name: 'an older pause tag from a tutorial', apply: `${findNode}\nkubectl label node "$NODE" ${pauseLabel}=3.2 --overwrite`, failsOn: 'pause' },
    { name: 'the label without its kubelab.dev/ prefix', apply: `${readSandboxImage}\nkubectl label node "$NODE" pause="$PAUSE_TAG" --overwrite`, failsOn: 'pause' },
  ],
  check: async (cluster) => {
    const target = await node.first(cluster);
    // The node reports the images it holds; the sandbox image is the one named pause (kind's nodes hold one).
    const tags = (target?.status?.images ?? [])
      .flatMap((image) => image.names ?? [])
      .filter((name) => /(^|\/)pause:[^@]+$/.test(name))
      .map((name) => name.slice(name.lastIndexOf(':') + 1));
    return [
      node.hasLabel(target, pauseLabel, tags.length ? [...new Set(tags)] : ['unknown (no pause image on the node)'], {
        id: 'pause',
        description: 'The node is labelled with the tag of the pause image, the sandbox of every pod',
        hint: 'Each pod\'s sandbox runs the pause image; on the node, `crictl images | grep pause` shows its tag.',
      }),
    ];
  },
});
