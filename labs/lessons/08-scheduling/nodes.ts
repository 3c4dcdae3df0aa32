/**
 * Script steps every exercise of this lesson shares. Its exercises change the nodes themselves (labels, taints,
 * cordons), which outlive any workload, so each cleanup puts every node back as the cluster was made: whatever a
 * learner labelled or tainted, and whichever node they cordoned, the next scenario starts from the same cluster.
 */

/**
 * Removes every label outside the kubernetes.io and k8s.io domains (those are the kubelet's and kubeadm's: the
 * hostname, the OS, the control-plane role) and every taint except the control plane's own and the
 * node.kubernetes.io/* ones the node controller manages; puts the control-plane taint back if it was removed; and
 * uncordons every node.
 */
export const restoreNodes = String.raw`planes=" $(kubectl get nodes -l node-role.kubernetes.io/control-plane -o jsonpath='{.items[*].metadata.name}') "
listing=$(kubectl get nodes -o go-template='{{range .items}}{{$node := .metadata.name}}{{range $key, $_ := .metadata.labels}}label {{$node}} {{$key}}{{"\n"}}{{end}}{{range .spec.taints}}taint {{$node}} {{.key}}:{{.effect}}{{"\n"}}{{end}}{{if .spec.unschedulable}}cordoned {{$node}} -{{"\n"}}{{end}}{{end}}')
tainted=" "
while read -r kind node item; do
  case "$kind:$item" in
    label:*) [[ "$item" =~ (^|\.)(kubernetes\.io|k8s\.io)/ ]] || kubectl label node "$node" "$item-" >/dev/null ;;
    taint:node.kubernetes.io/*) ;;
    taint:node-role.kubernetes.io/control-plane:NoSchedule) if [[ "$planes" == *" $node "* ]]; then tainted="$tainted$node "; else kubectl taint node "$node" "$item-" >/dev/null; fi ;;
    taint:*) kubectl taint node "$node" "$item-" >/dev/null ;;
    cordoned:*) kubectl uncordon "$node" >/dev/null ;;
  esac
done <<< "$listing"
for plane in $planes; do
  [[ "$tainted" == *" $plane "* ]] || kubectl taint node "$plane" node-role.kubernetes.io/control-plane:NoSchedule >/dev/null
done`;

/** A shell expression for the name of the first worker (in name order), for scripts that pick a node. */
export const firstWorker = `$(kubectl get nodes -l '!node-role.kubernetes.io/control-plane' -o jsonpath='{.items[0].metadata.name}')`;

/** The same for the last worker: a variant that picks the other node than the solution. */
export const lastWorker = `$(kubectl get nodes -l '!node-role.kubernetes.io/control-plane' -o jsonpath='{.items[-1:].metadata.name}')`;
