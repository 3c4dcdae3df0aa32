import { apply, clusterNodes, defineExercise, deletes, listNodes, placement, pod, type V1Pod } from '@kubelab/labs';
import { firstWorker, restoreNodes } from '../nodes.ts';

const taint = { key: 'dedicated', value: 'batch', effect: 'NoSchedule' };
const image = 'kubelab/toolbox:1.0';
/** Ends at once on SIGTERM, so deleting the pod is quick. */
const idle = ['sh', '-c', 'trap "exit 0" TERM; sleep infinity & wait'];

type Toleration = NonNullable<NonNullable<V1Pod['spec']>['tolerations']>[number];

/** The pod `cruncher`, sent to the node labelled dedicated=batch, with or without a toleration. */
function cruncher(toleration: Toleration | undefined): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'cruncher', labels: { app: 'cruncher' } },
    spec: {
      nodeSelector: { dedicated: 'batch' },
      ...(toleration ? { tolerations: [toleration] } : {}),
      containers: [{ name: 'cruncher', image, command: idle }],
    },
  };
}

const tolerateBatch: Toleration = { key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' };
const ready = 'kubectl wait --for=condition=Ready pod/cruncher --timeout=120s';

export default defineExercise({
  title: 'A node for batch work only',
  hints: [
    '`kubectl taint node <worker> dedicated=batch:NoSchedule` keeps every pod that does not tolerate it off that node. `kubectl describe node <worker> | grep Taints` shows it.',
    'A toleration only lets a pod onto a tainted node; it does not send it there. To send it there, label the node too (`kubectl label node <worker> dedicated=batch`) and give the pod a `nodeSelector`.',
    'In the pod\'s spec: `tolerations: [{key: dedicated, operator: Equal, value: batch, effect: NoSchedule}]` and `nodeSelector: {dedicated: batch}`. Create the pod after tainting the node: a NoSchedule taint never moves pods that are already there.',
  ],
  solution: `worker=${firstWorker}
kubectl taint node "$worker" dedicated=batch:NoSchedule
kubectl label node "$worker" dedicated=batch
${apply(cruncher(tolerateBatch))}
${ready}`,
  cleanup: `${deletes('pod/cruncher')}
${restoreNodes}`,
  variants: [
    {
      name: 'kubectl run with overrides: tolerates any value of the key (Exists), sent there by hostname, image with its registry',
      apply: `worker=${firstWorker}
kubectl taint node "$worker" dedicated=batch:NoSchedule
kubectl run cruncher --image=docker.io/${image} --overrides="{\\"apiVersion\\":\\"v1\\",\\"spec\\":{\\"nodeSelector\\":{\\"kubernetes.io/hostname\\":\\"$worker\\"},\\"tolerations\\":[{\\"key\\":\\"dedicated\\",\\"operator\\":\\"Exists\\"}]}}" -- sleep infinity
${ready}`,
    },
  ],
  nearMisses: [
    {
      name: 'the pod sent to the tainted worker without a toleration',
      apply: `worker=${firstWorker}
kubectl taint node "$worker" dedicated=batch:NoSchedule
kubectl label node "$worker" dedicated=batch
${apply(cruncher(undefined))}
kubectl wait --for=condition=PodScheduled=false pod/cruncher --timeout=60s`,
      failsOn: 'toleration',
    },
    {
      name: 'the pod placed first and the node tainted afterwards, no toleration',
      apply: `worker=${firstWorker}
kubectl label node "$worker" dedicated=batch
${apply(cruncher(undefined))}
${ready}
kubectl taint node "$worker" dedicated=batch:NoSchedule`,
      failsOn: 'toleration',
    },
    {
      name: 'a PreferNoSchedule taint (a wish, not a rule)',
      apply: `worker=${firstWorker}
kubectl taint node "$worker" dedicated=batch:PreferNoSchedule
kubectl label node "$worker" dedicated=batch
${apply(cruncher({ ...tolerateBatch, effect: 'PreferNoSchedule' }))}
${ready}`,
      failsOn: 'taint',
    },
  ],
  check: async (cluster) => {
    const [nodes, target] = await Promise.all([listNodes(cluster), pod.read(cluster, 'cruncher')]);
    return [
      clusterNodes.taintedWorker(nodes, taint),
      pod.exists(target, 'cruncher'),
      placement.tolerates(target?.spec, taint),
      placement.runsOn(target, nodes, {
        test: (n) => (n.spec?.taints ?? []).some((t) => t.key === taint.key && t.value === taint.value && t.effect === taint.effect),
        description: 'the worker tainted `dedicated=batch:NoSchedule`',
      }),
    ];
  },
});
