import { defineExercise, getOrNull, node } from '@kubelab/labs';
import { deleteDebugPods, findNode, onNode } from '../node-shell.ts';

const driverLabel = 'kubelab.dev/cgroup-driver';
const proxyLabel = 'kubelab.dev/proxy-mode';
/** A label of the variant's own, which cleanup removes too. */
const extraLabel = 'kubelab.dev/checked';

/** Reads the kubelet's cgroup driver from its configuration file on the node, and kube-proxy's mode from its log. */
const readFacts = `${findNode}
DRIVER=$(${onNode('chroot /host cat /var/lib/kubelet/config.yaml')} | awk '$1 == "cgroupDriver:" { print $2 }')
MODE=$(kubectl logs -n kube-system -l k8s-app=kube-proxy --tail=-1 | sed -n 's/.*Using \\([a-z]*\\) Proxier.*/\\1/p' | head -n 1)`;

export default defineExercise({
  title: 'What the node agents run with',
  hints: [
    'The kubelet is a systemd service on the node: in a node shell, `chroot /host systemctl cat kubelet` shows how it is started, and which file it reads its settings from (`--config`).',
    'The cgroup driver is a line of /var/lib/kubelet/config.yaml. kube-proxy runs as a pod, and says in its log which proxier it uses: `kubectl logs -n kube-system -l k8s-app=kube-proxy`.',
    `\`kubectl label node <node> ${driverLabel}=<driver> ${proxyLabel}=<mode>\` (add \`--overwrite\` to change a label that is already there).`,
  ],
  solution: `${readFacts}
kubectl label node "$NODE" ${driverLabel}="$DRIVER" ${proxyLabel}="$MODE" --overwrite`,
  cleanup: `${deleteDebugPods}
kubectl label nodes --all ${driverLabel}- ${proxyLabel}- ${extraLabel}- cgroup-driver- proxy-mode- >/dev/null`,
  variants: [
    {
      name: 'a merge patch, one more label, the mode read from kube-proxy\'s ConfigMap',
      apply: `${readFacts}
MODE=$(kubectl get configmap -n kube-system kube-proxy -o jsonpath='{.data.config\\.conf}' | awk '$1 == "mode:" { gsub(/"/, "", $2); print $2 }')
kubectl patch node "$NODE" --type=merge -p "{\\"metadata\\":{\\"labels\\":{\\"${proxyLabel}\\":\\"$MODE\\",\\"${extraLabel}\\":\\"yes\\",\\"${driverLabel}\\":\\"$DRIVER\\"}}}"`,
    },
  ],
  nearMisses: [
    {
      name: 'the other cgroup driver (cgroupfs), guessed',
      apply: `${readFacts}\nkubectl label node "$NODE" ${driverLabel}=cgroupfs ${proxyLabel}="$MODE" --overwrite`,
      failsOn: 'cgroup-driver',
    },
    {
      name: 'kube-proxy\'s mode as ipvs, from an old tutorial',
      apply: `${readFacts}\nkubectl label node "$NODE" ${driverLabel}="$DRIVER" ${proxyLabel}=ipvs --overwrite`,
      failsOn: 'proxy-mode',
    },
    {
      name: 'labels without the kubelab.dev/ prefix',
      apply: `${readFacts}\nkubectl label node "$NODE" cgroup-driver="$DRIVER" proxy-mode="$MODE" --overwrite`,
      failsOn: 'cgroup-driver',
    },
  ],
  check: async (cluster) => {
    const target = await node.first(cluster);
    const name = target?.metadata?.name ?? '';
    const config = name ? await node.kubeletConfig(cluster, name) : null;
    const driver = typeof config?.cgroupDriver === 'string' ? config.cgroupDriver : 'unknown (the kubelet did not answer)';
    const proxyConfig = await getOrNull(() => cluster.core.readNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system' }));
    // An empty mode means the platform's default, which on Linux is iptables.
    const mode = /^mode:\s*"?([a-z]*)"?\s*$/m.exec(proxyConfig?.data?.['config.conf'] ?? '')?.[1] || 'iptables';
    return [
      node.hasLabel(target, driverLabel, driver, {
        id: 'cgroup-driver',
        description: 'The node is labelled with the cgroup driver its kubelet runs with',
        hint: 'The kubelet reads its settings from the file named by `--config` in its systemd unit: look for `cgroupDriver` in /var/lib/kubelet/config.yaml on the node.',
      }),
      node.hasLabel(target, proxyLabel, mode, {
        id: 'proxy-mode',
        description: 'The node is labelled with the mode kube-proxy programs Service rules in',
        hint: 'kube-proxy logs the proxier it chose when it starts: `kubectl logs -n kube-system -l k8s-app=kube-proxy | grep -i proxier`.',
      }),
    ];
  },
});
