import { apply, buildCriterion, defineExercise, formatLabels, type V1Namespace, type V1Pod } from '@kubelab/labs';

const ns = 'metrics-lab';

/** Three workers: one idle, one burning CPU (capped at 100m, so a lab stays light), one holding memory. */
function worker(name: string, script: string, limits: Record<string, string>): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: 'worker' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'work',
          image: 'kubelab/toolbox:1.0',
          command: ['sh', '-c', `trap "exit 0" TERM; ${script}`],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi', ...limits } },
        },
      ],
    },
  };
}

const busiest = 'worker-2';
const workers = [
  worker('worker-1', 'sleep infinity & wait', {}),
  worker(busiest, 'while :; do :; done', {}),
  worker('worker-3', 'head -c 40M /dev/zero > /dev/shm/fill; sleep infinity & wait', { memory: '96Mi' }),
];

const setup = `${apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } satisfies V1Namespace, ...workers])}
kubectl wait --for=condition=Ready pod --all -n ${ns} --timeout=120s`;

export default defineExercise({
  title: 'Who is using the CPU?',
  hints: [
    '`kubectl top pod -n metrics-lab` shows what each pod uses now, from metrics-server. New pods need a minute before they show up.',
    '`--sort-by=cpu` puts the busiest first. Mind the columns: CPU is in millicores (`m`), memory in MiB.',
    '`kubectl label pod <name> -n metrics-lab busy=true`; `kubectl label pod <name> -n metrics-lab busy-` removes a label you put on the wrong pod.',
  ],
  setup,
  solution: `# metrics-server reports a new pod after its first scrape: wait until all three are listed
until [ "$(kubectl top pod -n ${ns} --no-headers 2>/dev/null | wc -l)" -eq 3 ]; do sleep 5; done
kubectl top pod -n ${ns} --sort-by=cpu
top=$(kubectl top pod -n ${ns} --sort-by=cpu --no-headers | awk 'NR == 1 { print $1 }')
kubectl label pod "$top" -n ${ns} busy=true`,
  cleanup: `kubectl delete namespace ${ns} --ignore-not-found --wait`,
  variants: [
    {
      name: 'the label put on with kubectl patch, next to another one',
      apply: `kubectl patch pod ${busiest} -n ${ns} --type=merge -p '{"metadata":{"labels":{"checked":"today","busy":"true"}}}'`,
    },
  ],
  nearMisses: [
    { name: 'the pod using the most memory labelled', apply: `kubectl label pod worker-3 -n ${ns} busy=true`, failsOn: 'busy' },
    { name: 'every worker labelled', apply: `kubectl label pods --all -n ${ns} busy=true`, failsOn: 'only-busy' },
    { name: 'busy=yes instead of busy=true', apply: `kubectl label pod ${busiest} -n ${ns} busy=yes`, failsOn: 'busy' },
  ],
  check: async (cluster) => {
    const pods = (await cluster.core.listNamespacedPod({ namespace: ns })).items;
    const target = pods.find((p) => p.metadata?.name === busiest);
    const others = pods.filter((p) => p !== target && p.metadata?.labels?.busy !== undefined);
    return [
      buildCriterion(
        {
          id: 'busy',
          description: 'The pod using the most CPU carries the label `busy=true`',
          hint: 'Compare the CPU column of `kubectl top pod -n metrics-lab`, not MEMORY, and label exactly `busy=true`.',
        },
        {},
        {
          passed: target?.metadata?.labels?.busy === 'true',
          expected: 'busy=true on the busiest pod',
          actual: target ? `its labels: ${formatLabels(target.metadata?.labels)}` : `no pod ${busiest} (reset the exercise)`,
        },
      ),
      buildCriterion(
        {
          id: 'only-busy',
          description: 'No other pod in `metrics-lab` carries the label `busy`',
          hint: 'Only one pod is the busiest. `kubectl label pod <name> -n metrics-lab busy-` takes the label off the others.',
        },
        {},
        {
          passed: others.length === 0,
          expected: 'no other pod labelled busy',
          actual: others.length ? `also labelled: ${others.map((p) => p.metadata?.name).join(', ')}` : 'no other pod labelled busy',
        },
      ),
    ];
  },
});
