import { api, apply, defineExercise, deletes, pod, type V1Pod } from '@kubelab/labs';

const waitForGo = 'until [ -f /tmp/go ]; do sleep 1; done';
const readyFile = ['test', '-f', '/tmp/ready'];

/** The stuck pod: an init container that waits for a file, and a container that is ready only once another file exists. */
function gated(options: { gateProbe?: boolean; labels?: Record<string, string>; annotations?: Record<string, string> } = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'gated', labels: { app: 'gated', ...options.labels }, ...(options.annotations ? { annotations: options.annotations } : {}) },
    spec: {
      initContainers: [{ name: 'wait', image: 'kubelab/toolbox:1.0', command: ['sh', '-c', waitForGo] }],
      containers: [
        { name: 'web', image: 'kubelab/web:1.0', readinessProbe: { httpGet: { path: '/api/v1/health', port: 5000 }, periodSeconds: 2 } },
        {
          name: 'gate',
          image: 'kubelab/toolbox:1.0',
          command: ['sh', '-c', 'trap "exit 0" TERM; sleep infinity & wait'],
          ...(options.gateProbe === false ? {} : { readinessProbe: { exec: { command: readyFile }, periodSeconds: 2 } }),
        },
      ],
    },
  };
}

const settle = {
  initialized: 'kubectl wait --for=condition=Initialized pod/gated --timeout=120s',
  ready: 'kubectl wait --for=condition=Ready pod/gated --timeout=120s',
  running: "kubectl wait --for=jsonpath='{.status.phase}'=Running pod/gated --timeout=120s\nsleep 6",
};
const openInit = `kubectl wait --for=jsonpath='{.status.initContainerStatuses[0].state.running}' pod/gated --timeout=120s
kubectl exec gated -c wait -- touch /tmp/go
${settle.initialized}`;
/** Runs `kubectl exec …` once its container has started: the containers start a moment after Initialized. */
const execWhenStarted = (args: string) => `for attempt in $(seq 30); do kubectl exec ${args} && break; if [ "$attempt" = 30 ]; then exit 1; fi; sleep 1; done`;

export default defineExercise({
  title: 'Conditions, one by one',
  hints: [
    '`kubectl get pod gated -o jsonpath=\'{range .status.conditions[*]}{.type}={.status}{"\\n"}{end}\'` lists the conditions; `kubectl describe pod gated` shows them too, and which container holds things up.',
    'An init container that is still running can be entered like any container: `kubectl exec gated -c wait -- …`. Each container of a pod has its own files, so /tmp/go must be made in `wait`, and /tmp/ready in `gate`.',
    'Without `-c`, kubectl exec picks the pod\'s first container (`web` here), and says so: `Defaulted container "web"`. `kubectl exec gated -c gate -- touch /tmp/ready`.',
  ],
  // No wait for the pod to start: every setup runs while a lab starts, and the learner's first look (a few seconds
  // later) finds it Init:0/1 either way. Waiting here added 6 s to a warm Start lab (npm run bench:labs).
  setup: apply(gated()),
  solution: `${openInit}
${execWhenStarted('gated -c gate -- touch /tmp/ready')}
${settle.ready}`,
  cleanup: deletes('pod/gated'),
  variants: [
    {
      name: 'gate made the default container by annotation, then a plain exec; an extra label',
      apply: `${openInit}
kubectl annotate pod gated kubectl.kubernetes.io/default-container=gate
kubectl label pod gated checked=yes
${execWhenStarted("gated -- sh -c 'echo ok > /tmp/ready'")}
${settle.ready}`,
    },
  ],
  nearMisses: [
    { name: 'only the init container let through', apply: `${openInit}\nsleep 6`, failsOn: 'containers-ready' },
    { name: 'the ready file made without -c (in the web container)', apply: `${openInit}\n${execWhenStarted('gated -- touch /tmp/ready')}\nsleep 6`, failsOn: 'containers-ready' },
    {
      name: 'the pod recreated without the gate\'s readiness probe',
      apply: `${deletes('pod/gated')}
${apply(gated({ gateProbe: false }))}
${openInit}
${settle.ready}`,
      failsOn: 'unchanged',
    },
  ],
  check: async (cluster) => {
    const target = await pod.read(cluster, 'gated');
    const wait = target?.spec?.initContainers?.find((c) => c.name === 'wait');
    const gate = target?.spec?.containers.find((c) => c.name === 'gate');
    const probe = gate?.readinessProbe?.exec?.command ?? [];
    const unchanged = wait?.command?.at(-1) === waitForGo && probe.join(' ') === readyFile.join(' ');
    return [
      pod.exists(target, 'gated'),
      {
        id: 'unchanged',
        description: 'The pod still has its init container `wait` and the readiness probe of `gate` (they were made to pass, not removed)',
        passed: unchanged,
        expected: `init container wait: ${waitForGo}; gate's readiness probe: ${readyFile.join(' ')}`,
        actual: !target ? 'no pod' : `init container wait: ${wait?.command?.at(-1) ?? 'missing'}; gate's readiness probe: ${probe.length ? probe.join(' ') : 'none'}`,
        hint: 'Reset the exercise to get the original pod back, and make the files the containers wait for with `kubectl exec -c`.',
      },
      api.condition(target, 'PodScheduled', { id: 'scheduled', description: 'PodScheduled: the scheduler gave the pod a node' }),
      api.condition(target, 'Initialized', {
        id: 'initialized',
        description: 'Initialized: every init container finished',
        hint: 'The init container `wait` loops until /tmp/go exists in its own filesystem: `kubectl exec gated -c wait -- touch /tmp/go`.',
      }),
      api.condition(target, 'ContainersReady', {
        id: 'containers-ready',
        description: 'ContainersReady: every container passes its readiness probe',
        hint: '`kubectl describe pod gated` shows which readiness probe fails. The one of `gate` runs `test -f /tmp/ready` inside `gate`.',
      }),
      api.condition(target, 'Ready', { id: 'ready', description: 'Ready: the pod may receive traffic' }),
    ];
  },
});
