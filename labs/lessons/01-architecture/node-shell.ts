/**
 * Script steps for the architecture lesson's exercises, which look inside the lab's node the way a learner does:
 * with `kubectl debug node/…`, which runs a pod in the node's namespaces with the node's filesystem at /host.
 * Scripts cannot type into an interactive shell, so each command runs in a debug pod of its own, and its output is
 * read from the pod's log once it has ended (`--attach` loses what a short command prints before kubectl attaches).
 * The debug pods stay behind (kubectl never deletes them), and every cleanup removes them.
 */

/** The toolbox image: it has a shell, curl, jq and an editor; `chroot /host` switches to the node's own tools. */
export const toolboxImage = 'kubelab/toolbox:1.0';

/** Sets NODE to the lab's node: a single-node lab's only node, its control plane. */
export const findNode = `NODE=$(kubectl get nodes -o jsonpath='{.items[0].metadata.name}')`;

/**
 * A command run on $NODE (as root, in the node's namespaces), its output printed, failing when the command fails:
 * a shell word list after `--`. kubectl prints the debug pod's name ("Creating debugging pod node-debugger-…").
 */
export const onNode = (command: string, flags = '') =>
  `{ POD=$(kubectl debug node/"$NODE" --profile=general ${flags ? `${flags} ` : ''}--image=${toolboxImage} -- ${command} | sed -n 's/^Creating debugging pod \\([^ ]*\\) .*/\\1/p') &&
  kubectl wait --for=jsonpath='{.status.containerStatuses[0].state.terminated}' pod/"$POD" --timeout=90s >/dev/null && kubectl logs "$POD" &&
  [ "$(kubectl get pod "$POD" -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}')" = 0 ]; }`;

/** Deletes every node debug pod in the current namespace: kubectl names them node-debugger-<node>-<suffix>. */
export const deleteDebugPods =
  "kubectl get pods -o name | sed -n '/^pod\\/node-debugger-/p' | xargs -r kubectl delete --ignore-not-found --grace-period=1 --wait";
