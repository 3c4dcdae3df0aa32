/**
 * Read-only views of a node that the lab server runs for the learner (security review §5.8): in a workshop the
 * learner has no node shell (no `kubectl debug node`, no hostPath, no privileged pod), yet the architecture and
 * networking lessons want a look inside a node. Each view is a fixed argv, chosen here by its id: nothing a learner
 * sends ever reaches a command line, the node is one of the session's own (matched against the cluster's node list),
 * and the output is bounded in size and time. Provider-agnostic: a provider runs the argv in the node however it
 * reaches one (kind: `docker exec`).
 */

export interface NodeView {
  title: string;
  /** What it shows, for the learner (markdown-free, one sentence). */
  description: string;
  /** Run as root in the node's own namespaces. */
  argv: readonly string[];
  /** Only the control plane has it (the static pods' manifests). */
  controlPlaneOnly?: boolean;
}

export const nodeViews = {
  'static-pods': {
    title: 'Static pod manifests',
    description: 'The files in /etc/kubernetes/manifests: the kubelet runs each as a static pod (the control plane itself), and the API server shows its mirror pod.',
    argv: ['sh', '-c', 'cd /etc/kubernetes/manifests && ls -l && for f in *; do printf "\\n# ---- %s\\n" "$f"; cat "$f"; done'],
    controlPlaneOnly: true,
  },
  'kubelet-config': {
    title: 'Kubelet configuration',
    description: "The kubelet's configuration file (/var/lib/kubelet/config.yaml) and how systemd runs it.",
    argv: ['sh', '-c', 'cat /var/lib/kubelet/config.yaml; printf "\\n# ---- systemctl status kubelet\\n"; systemctl status kubelet --no-pager --lines=0 2>&1 || true'],
  },
  containers: {
    title: 'Containers on the node',
    description: "Every container containerd runs for the kubelet (namespace k8s.io), pause containers included: one per pod, holding the pod's namespaces.",
    argv: ['ctr', '--namespace', 'k8s.io', 'containers', 'list'],
  },
  'nat-rules': {
    title: "kube-proxy's NAT rules",
    description: 'iptables-save -t nat: the KUBE-SERVICES, KUBE-SVC and KUBE-SEP chains through which kube-proxy sends Service traffic to pods.',
    argv: ['iptables-save', '-t', 'nat'],
  },
  'node-processes': {
    title: 'Processes on the node',
    description: 'What runs on the node (ps): systemd, containerd, the kubelet, and each container’s processes.',
    argv: ['ps', '-e', '-o', 'pid,ppid,user,etime,args', '--forest'],
  },
} as const satisfies Record<string, NodeView>;

export type NodeViewId = keyof typeof nodeViews;
export const nodeViewIds = Object.keys(nodeViews) as NodeViewId[];
export const isNodeViewId = (id: string): id is NodeViewId => Object.hasOwn(nodeViews, id);

/** A view's output is cut at this many bytes (the rest is dropped, and `truncated` says so). */
export const NODE_VIEW_MAX_BYTES = 256 * 1024;
/** A view that takes longer is stopped. */
export const NODE_VIEW_TIMEOUT_MS = 10_000;

export interface NodeViewOutput {
  /** stdout then stderr, as UTF-8, at most NODE_VIEW_MAX_BYTES. */
  output: string;
  exitCode: number;
  truncated: boolean;
}
