import { apply, defineExercise, namespaces, pod, resourcesOf, type V1Namespace, type V1Pod } from '@kubelab/labs';

const ns = 'limits-lab';

/**
 * Amounts unlike a workshop server's own LimitRange (50m/64Mi requested, 500m/256Mi limits), which every namespace
 * there also gets: a label copied from the wrong column cannot match by chance.
 */
/** Written as the API spells it (`default`; client-node's type calls the field `_default`). */
const limitRange = {
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: 'defaults', namespace: ns },
  spec: {
    limits: [
      {
        type: 'Container',
        defaultRequest: { cpu: '100m', memory: '96Mi' },
        default: { cpu: '250m', memory: '192Mi' },
        max: { cpu: '500m', memory: '384Mi' },
      },
    ],
  },
};

const setup = apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } satisfies V1Namespace, limitRange]);

const ready = `kubectl wait --for=condition=Ready pod/plain -n ${ns} --timeout=120s`;
const field = (path: string) => `$(kubectl get pod plain -n ${ns} -o jsonpath='{.spec.containers[0].resources.${path}}')`;

export default defineExercise({
  title: 'Defaults from a LimitRange',
  hints: [
    '`kubectl describe limitrange -n limits-lab` shows its columns: Min, Max, Default Request, Default Limit.',
    'Run the pod without resources (`kubectl run plain -n limits-lab --image=kubelab/web:1.0`), then look at what it got: `kubectl get pod plain -n limits-lab -o jsonpath=\'{.spec.containers[0].resources}\'`.',
    'Labels go on with `kubectl label pod plain -n limits-lab cpu-request=<value> memory-limit=<value>` (add `--overwrite` to change one).',
  ],
  setup,
  solution: `kubectl run plain -n ${ns} --image=kubelab/web:1.0
kubectl get pod plain -n ${ns} -o jsonpath='{.spec.containers[0].resources}'; echo
kubectl label pod plain -n ${ns} cpu-request="${field('requests.cpu')}" memory-limit="${field('limits.memory')}"
${ready}`,
  cleanup: `kubectl delete namespace ${ns} --ignore-not-found --wait`,
  variants: [
    {
      name: 'a manifest with empty resources, the values read with jq',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'plain', namespace: ns, labels: { app: 'plain' } },
        spec: { containers: [{ name: 'web', image: 'docker.io/kubelab/web:1.0', resources: {} }] },
      } satisfies V1Pod)}
kubectl get pod plain -n ${ns} -o json | jq -r '.spec.containers[0].resources | "cpu-request=\\(.requests.cpu) memory-limit=\\(.limits.memory)"' > labels.txt
kubectl label pod plain -n ${ns} --overwrite $(cat labels.txt)
${ready}`,
    },
  ],
  nearMisses: [
    {
      name: 'memory-limit read from the Max column',
      apply: `kubectl run plain -n ${ns} --image=kubelab/web:1.0
kubectl label pod plain -n ${ns} cpu-request="${field('requests.cpu')}" memory-limit=384Mi
${ready}`,
      failsOn: 'memory-limit',
    },
    {
      name: 'cpu-request labelled with the CPU limit',
      apply: `kubectl run plain -n ${ns} --image=kubelab/web:1.0
kubectl label pod plain -n ${ns} cpu-request="${field('limits.cpu')}" memory-limit="${field('limits.memory')}"
${ready}`,
      failsOn: 'cpu-request',
    },
    {
      name: 'the pod given its own resources (nothing left to default)',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'plain', namespace: ns, labels: { 'cpu-request': '300m', 'memory-limit': '160Mi' } },
        spec: {
          containers: [{ name: 'web', image: 'kubelab/web:1.0', resources: { requests: { cpu: '300m', memory: '128Mi' }, limits: { cpu: '400m', memory: '160Mi' } } }],
        },
      } satisfies V1Pod)}
${ready}`,
      failsOn: 'defaults',
    },
  ],
  check: async (cluster) => {
    const target = await pod.read(cluster, 'plain', ns);
    const limitRanges = await namespaces.listLimitRanges(cluster, ns);
    const given = resourcesOf(target?.spec?.containers[0]);
    return [
      pod.exists(target, 'plain', { namespace: ns }),
      namespaces.defaultedBy(target, limitRanges, {
        hint: 'The pod should state no `resources` at all, so that the LimitRange fills them in: `kubectl delete pod plain -n limits-lab`, then run it again without them.',
      }),
      namespaces.labelStates(target, 'cpu-request', given.requests.cpu, {
        id: 'cpu-request',
        description: 'The label `cpu-request` states the CPU the container requests',
        hint: 'The request is under `resources.requests.cpu` of the pod (the Default Request column of the LimitRange), not the limit.',
      }),
      namespaces.labelStates(target, 'memory-limit', given.limits.memory, {
        id: 'memory-limit',
        description: 'The label `memory-limit` states the memory limit the container got',
        hint: 'Read it from the pod, `resources.limits.memory` (the Default Limit column), not from Max: Max is the most a container may ask for.',
      }),
      pod.running(target),
    ];
  },
});
