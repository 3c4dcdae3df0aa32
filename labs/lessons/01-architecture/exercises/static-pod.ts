import { defineExercise, deletes, node, pod } from '@kubelab/labs';
import { stringify } from 'yaml';
import { deleteDebugPods, findNode, onNode } from '../node-shell.ts';

const image = 'kubelab/web:1.0';
const manifestsDir = '/etc/kubernetes/manifests';
/** What kubeadm put in the manifest folder; cleanup removes every other file there. */
const controlPlaneManifests = ['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml'];

function staticWeb(options: { image?: string; labels?: Record<string, string> } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'static-web', ...(options.labels ? { labels: options.labels } : {}) },
    spec: { containers: [{ name: 'web', image: options.image ?? image, ports: [{ containerPort: 5000 }] }] },
  };
}

/**
 * Writes `content` to `path` on the node. The manifest travels in an environment variable of the debug pod, so no
 * quoting of the file's text is needed.
 */
const writeOnNode = (path: string, content: string) => `${findNode}
MANIFEST='${content}'
${onNode(`chroot /host sh -c 'printf "%s\\n" "$MANIFEST" > ${path}'`, '--env="MANIFEST=$MANIFEST"')}`;

const waitForMirror = (settle: string) => `kubectl wait --for=create pod/static-web-"$NODE" --timeout=60s
${settle}`;
const ready = 'kubectl wait --for=condition=Ready pod/static-web-"$NODE" --timeout=120s';

export default defineExercise({
  title: 'A pod the kubelet starts by itself',
  hints: [
    `The kubelet watches a folder on the node for pod manifests: \`staticPodPath\` in /var/lib/kubelet/config.yaml, which is ${manifestsDir}. The control plane's own pods are there.`,
    `In a node shell (\`kubectl debug node/<node> -it --profile=general --image=kubelab/toolbox:1.0\`) the node's files are under /host, so the toolbox's editor can write one: \`nano /host${manifestsDir}/static-web.yaml\`. \`kubectl run static-web --image=${image} --dry-run=client -o yaml\` prints a manifest to start from.`,
    'The kubelet names the API\'s copy of the pod (its mirror pod) after the node: `kubectl get pods` shows `static-web-<node>` within seconds.',
  ],
  solution: `${writeOnNode(`${manifestsDir}/static-web.yaml`, stringify(staticWeb()))}
${waitForMirror(ready)}`,
  cleanup: `${deleteDebugPods}
${deletes('pod/static-web')}
${findNode}
${onNode(`sh -c 'find /host${manifestsDir} -maxdepth 1 -type f ${controlPlaneManifests.map((file) => `! -name ${file}`).join(' ')} -delete; rm -f /host/etc/kubernetes/static-web.yaml'`)}
${deleteDebugPods}
kubectl wait --for=delete pod/static-web-"$NODE" --timeout=60s 2>/dev/null || true`,
  variants: [
    {
      name: 'a JSON manifest under another file name, with labels, the image with its registry',
      apply: `${writeOnNode(`${manifestsDir}/my-web.json`, JSON.stringify(staticWeb({ image: `docker.io/${image}`, labels: { app: 'web', tier: 'static' } }), null, 2))}
${waitForMirror(ready)}`,
    },
  ],
  nearMisses: [
    {
      name: 'the manifest created through the API with kubectl apply',
      apply: `${findNode}
kubectl apply -f - <<'YAML'
${stringify(staticWeb())}YAML
kubectl wait --for=condition=Ready pod/static-web --timeout=120s`,
      failsOn: 'exists',
    },
    {
      name: 'the manifest written next to the folder, in /etc/kubernetes',
      apply: `${writeOnNode('/etc/kubernetes/static-web.yaml', stringify(staticWeb()))}
sleep 5`,
      failsOn: 'exists',
    },
    {
      name: 'the image without its tag (kubelab/web means kubelab/web:latest, which no registry has)',
      apply: `${writeOnNode(`${manifestsDir}/static-web.yaml`, stringify(staticWeb({ image: 'kubelab/web' })))}
${waitForMirror('sleep 2')}`,
      failsOn: 'image',
    },
  ],
  check: async (cluster) => {
    const target = await node.first(cluster);
    const nodeName = target?.metadata?.name ?? '<node>';
    const mirrorName = node.mirrorPodName('static-web', nodeName);
    const mirror = await pod.read(cluster, mirrorName);
    return [
      pod.exists(mirror, mirrorName, {
        description: `The kubelet published the mirror pod \`${mirrorName}\` in namespace \`default\``,
        hint: `A pod created through the API is not static. The kubelet only starts static pods from files in ${manifestsDir} on the node, and names their mirror pods <name>-${nodeName}.`,
      }),
      node.mirrorOf(mirror, nodeName),
      pod.image(mirror, image),
      pod.running(mirror, { hint: `\`kubectl describe pod ${mirrorName}\` shows the kubelet's events for it; fix the file on the node, and the kubelet restarts the pod.` }),
    ];
  },
});
