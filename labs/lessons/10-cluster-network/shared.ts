/**
 * Script steps and small reads shared by the pod network lesson's exercises.
 */

/** The toolbox image: a shell with curl, dig, getent and jq; `chroot /host` in a node shell switches to the node's tools. */
export const toolboxImage = 'kubelab/toolbox:1.0';
export const webImage = 'kubelab/web:1.0';

/** Sets WORKER to the lab's last worker node (a node without the control-plane role). */
export const findWorker = `WORKER=$(kubectl get nodes -l '!node-role.kubernetes.io/control-plane' -o jsonpath='{.items[-1:].metadata.name}')`;

/**
 * A command run on $NODE as root in the node's namespaces (`kubectl debug node/… --profile=sysadmin`: iptables needs
 * the privileges the general profile drops), its output printed. kubectl prints the debug pod's name; the pod stays
 * behind (kubectl never deletes it), and cleanup removes it with deleteDebugPods.
 */
export const onNode = (command: string) =>
  `{ POD=$(kubectl debug node/"$NODE" --profile=sysadmin --image=${toolboxImage} -- ${command} | sed -n 's/^Creating debugging pod \\([^ ]*\\) .*/\\1/p') &&
  kubectl wait --for=jsonpath='{.status.containerStatuses[0].state.terminated}' pod/"$POD" --timeout=90s >/dev/null && kubectl logs "$POD"; }`;

/** Deletes every node debug pod in the current namespace: kubectl names them node-debugger-<node>-<suffix>. */
export const deleteDebugPods =
  "kubectl get pods -o name | sed -n '/^pod\\/node-debugger-/p' | xargs -r kubectl delete --ignore-not-found --grace-period=1 --wait";
