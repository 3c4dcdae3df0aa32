/**
 * Script steps for the architecture lesson's exercises, which look inside the lab's node the way a learner does:
 * with `kubectl debug node/…`, which runs a pod in the node's namespaces with the node's filesystem at /host.
 * Scripts cannot type into an interactive shell, so they run one command per debug pod with `--attach` and read
 * its output; the debug pods stay behind (kubectl never deletes them), and every cleanup removes them.
 */

/** The toolbox image: it has a shell, curl, jq and an editor; `chroot /host` switches to the node's own tools. */
export const toolboxImage = 'kubelab/toolbox:1.0';

/** Sets NODE to the lab's node: a single-node lab's only node, its control plane. */
export const findNode = `NODE=$(kubectl get nodes -o jsonpath='{.items[0].metadata.name}')`;

/** A command run on $NODE (as root, in the node's namespaces), its output printed: a shell word list after `--`. */
export const onNode = (command: string, flags = '') =>
  `kubectl debug node/"$NODE" --attach --quiet ${flags ? `${flags} ` : ''}--image=${toolboxImage} -- ${command}`;

/** Deletes every node debug pod in the current namespace: kubectl names them node-debugger-<node>-<suffix>. */
export const deleteDebugPods =
  "kubectl get pods -o name | sed -n '/^pod\\/node-debugger-/p' | xargs -r kubectl delete --ignore-not-found --grace-period=1 --wait";
