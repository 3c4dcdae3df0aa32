import { api, defineExercise, deletes, getOrNull, sameImage, type CheckContext, type V1ConfigMap, type V1Pod } from '@kubelab/labs';
import { deleteDebugPods, findNode, onNode } from '../node-shell.ts';

const etcdManifest = '/etc/kubernetes/manifests/etcd.yaml';
const apiServerManifest = '/etc/kubernetes/manifests/kube-apiserver.yaml';
const controllerManagerManifest = '/etc/kubernetes/manifests/kube-controller-manager.yaml';

/** Reads the facts from the manifests on the node, as the learner does (one debug pod, grep -H names each file). */
const readManifests = `${findNode}
${onNode(`chroot /host grep -H -e image: -e --service-cluster-ip-range= -e --cluster-cidr= ${etcdManifest} ${apiServerManifest} ${controllerManagerManifest}`)} > facts.txt
ETCD_IMAGE=$(awk '/etcd.yaml: *image:/ { print $NF }' facts.txt)
APISERVER_IMAGE=$(awk '/kube-apiserver.yaml: *image:/ { print $NF }' facts.txt)
SERVICE_CIDR=$(sed -n 's/.*kube-apiserver.yaml: *- --service-cluster-ip-range=//p' facts.txt)
POD_CIDR=$(sed -n 's/.*--cluster-cidr=//p' facts.txt)`;

const createConfigMap = (etcdImage: string, serviceCidr: string) =>
  `kubectl create configmap control-plane --from-literal=etcd-image="${etcdImage}" --from-literal=service-cidr="${serviceCidr}"`;

/** The control plane's mirror pod with the label `component=<name>` (etcd, kube-apiserver), in kube-system. */
async function controlPlanePod(cluster: CheckContext, component: string): Promise<V1Pod | undefined> {
  const pods = await cluster.core.listNamespacedPod({ namespace: 'kube-system', labelSelector: `component=${component},tier=control-plane` });
  return pods.items[0];
}

export default defineExercise({
  title: 'Read the control plane\'s manifests',
  hints: [
    'The control plane\'s pods are started from files on the node: `kubectl debug node/<node> -it --profile=general --image=kubelab/toolbox:1.0`, then `chroot /host` and `ls /etc/kubernetes/manifests`.',
    'The etcd image is the `image:` line of etcd.yaml. The range Services get their addresses from is a flag of the API server: `grep service-cluster-ip-range /etc/kubernetes/manifests/kube-apiserver.yaml`.',
    'Back in the toolbox (type `exit` twice), `kubectl create configmap control-plane --from-literal=etcd-image=<image> --from-literal=service-cidr=<range>`.',
  ],
  solution: `${readManifests}
${createConfigMap('$ETCD_IMAGE', '$SERVICE_CIDR')}`,
  cleanup: `${deleteDebugPods}
${deletes('configmap/control-plane')}`,
  variants: [
    {
      name: 'hand-written YAML with a label and one more key, the image from a file with its newline',
      apply: `${readManifests}
printf '%s\\n' "$ETCD_IMAGE" > etcd-image
kubectl create configmap control-plane --from-file=etcd-image --from-literal=service-cidr="$SERVICE_CIDR" --from-literal=pod-cidr="$POD_CIDR" --dry-run=client -o yaml |
  kubectl label --local -f - app.kubernetes.io/part-of=kubelab -o yaml | kubectl apply -f -`,
    },
  ],
  nearMisses: [
    { name: 'the API server\'s image instead of etcd\'s', apply: `${readManifests}\n${createConfigMap('$APISERVER_IMAGE', '$SERVICE_CIDR')}`, failsOn: 'etcd-image' },
    { name: 'the pod network (--cluster-cidr) instead of the Service range', apply: `${readManifests}\n${createConfigMap('$ETCD_IMAGE', '$POD_CIDR')}`, failsOn: 'service-cidr' },
  ],
  check: async (cluster) => {
    const configMap: V1ConfigMap | null = await getOrNull(() => cluster.core.readNamespacedConfigMap({ name: 'control-plane', namespace: 'default' }));
    const etcd = await controlPlanePod(cluster, 'etcd');
    const apiServer = await controlPlanePod(cluster, 'kube-apiserver');
    const etcdImage = etcd?.spec?.containers[0]?.image ?? 'the etcd pod was not found';
    const flags = [...(apiServer?.spec?.containers[0]?.command ?? []), ...(apiServer?.spec?.containers[0]?.args ?? [])];
    const serviceCidr = flags.find((flag) => flag.startsWith('--service-cluster-ip-range='))?.split('=')[1] ?? 'the API server pod was not found';
    return [
      api.exists(configMap, 'ConfigMap `control-plane` in namespace `default`'),
      api.dataEntry(configMap, 'etcd-image', etcdImage, {
        id: 'etcd-image',
        matches: (value) => sameImage(value, etcdImage),
        description: 'The ConfigMap holds, under `etcd-image`, the image etcd runs, as its manifest on the node says',
        hint: `Every control plane component has its own manifest in /etc/kubernetes/manifests; the image is on the \`image:\` line of ${etcdManifest}.`,
      }),
      api.dataEntry(configMap, 'service-cidr', serviceCidr, {
        id: 'service-cidr',
        description: 'The ConfigMap holds, under `service-cidr`, the address range the API server gives Services',
        hint: 'Services and pods get addresses from different ranges. The Service range is the API server\'s `--service-cluster-ip-range`; `--cluster-cidr` (the controller manager\'s) is the pods\'.',
      }),
    ];
  },
});
