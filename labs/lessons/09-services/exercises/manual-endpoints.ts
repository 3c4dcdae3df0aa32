import { apply, defineExercise, exposure, pod, service, type V1Pod, type V1Role, type V1RoleBinding, type V1Service } from '@kubelab/labs';

/**
 * The stand-in for a server outside the cluster: a pod without labels, so no selector can find it, and only its
 * address is known. In real life, that address would be a VM's or a managed database's.
 */
const legacy: V1Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'legacy' },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'kubelab/web:1.0' }] },
};

/**
 * The built-in `admin` role a workshop's learner holds in a namespace cannot write EndpointSlices (nor, since
 * Kubernetes 1.22, Endpoints): a hand-made slice can point a Service at any address. This exercise is about writing
 * one, so it grants that right in `default`, to the workshop's learners only; on a personal cluster the group names
 * nobody. Each learner has a cluster of their own, so the right reaches no one else's traffic.
 */
const sliceWriter: [V1Role, V1RoleBinding] = [
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'endpointslice-writer', namespace: 'default' },
    rules: [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'endpointslice-writer', namespace: 'default' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'endpointslice-writer' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'kubelab:learners' }],
  },
];

const legacyService = (ports: NonNullable<V1Service['spec']>['ports'] = [{ name: 'http', port: 80 }]): V1Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'legacy' },
  spec: { ports },
});

/** A Service and a slice, in one unquoted here-document so that $IP (the pod's address) is filled in. */
const withSlice = (serviceYaml: string, slice: { labelled?: boolean; portName?: string; port?: number } = {}) => `IP=$(kubectl get pod legacy -o jsonpath='{.status.podIP}')
kubectl apply -f - <<EOF
${serviceYaml}---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: legacy-1
${slice.labelled === false ? '' : '  labels:\n    kubernetes.io/service-name: legacy\n'}addressType: IPv4
ports:
  - name: ${slice.portName ?? 'http'}
    port: ${slice.port ?? 5000}
endpoints:
  - addresses: ["$IP"]
EOF`;

const namedService = `apiVersion: v1
kind: Service
metadata:
  name: legacy
spec:
  ports:
    - name: http
      port: 80
`;

const url = 'http://legacy.default.svc.cluster.local/';

export default defineExercise({
  title: 'A Service for an address you give it',
  hints: [
    'A Service without a `selector` gets no endpoints of its own: you write them, as an EndpointSlice. `kubectl get pod legacy -o wide` shows the address to send traffic to.',
    'The slice is tied to the Service by its label `kubernetes.io/service-name: legacy` (its name is free). Its `ports[].port` is where the address listens, 5000, and its `ports[].name` must be the name of the Service\'s port.',
    'Apply a Service `legacy` with `ports: [{name: http, port: 80}]` and no selector, and an EndpointSlice with that label, `addressType: IPv4`, `ports: [{name: http, port: 5000}]` and `endpoints: [{addresses: ["<the pod IP>"]}]`.',
  ],
  setup: `${apply([legacy, ...sliceWriter])}
kubectl wait --for=condition=Ready pod/legacy --timeout=120s`,
  solution: withSlice(namedService),
  cleanup: `kubectl delete service/legacy pod/legacy role/endpointslice-writer rolebinding/endpointslice-writer --ignore-not-found --grace-period=1 --wait
kubectl delete endpointslices -l kubernetes.io/service-name=legacy --ignore-not-found --wait
kubectl delete endpointslice legacy-1 --ignore-not-found --wait`,
  variants: [
    {
      name: 'both ports unnamed, the slice under another name with a managed-by label and an explicit ready condition',
      apply: `${apply(legacyService([{ port: 80, targetPort: 5000 }]))}
IP=$(kubectl get pod legacy -o jsonpath='{.status.podIP}')
kubectl apply -f - <<EOF
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: legacy-manual
  labels:
    kubernetes.io/service-name: legacy
    endpointslice.kubernetes.io/managed-by: me
addressType: IPv4
ports:
  - port: 5000
endpoints:
  - addresses: ["$IP"]
    conditions:
      ready: true
EOF`,
    },
  ],
  nearMisses: [
    {
      name: 'kubectl create service clusterip, which adds the selector app=legacy',
      apply: `kubectl create service clusterip legacy --tcp=80:5000
${withSlice('', { portName: '80-5000' })}`,
      failsOn: 'no-selector',
    },
    {
      name: "an ExternalName Service given the pod's IP (ExternalName takes a DNS name, and no ports)",
      apply: `kubectl create service externalname legacy --external-name=$(kubectl get pod legacy -o jsonpath='{.status.podIP}')`,
      failsOn: 'type',
    },
    {
      name: 'the slice without the kubernetes.io/service-name label',
      apply: withSlice(namedService, { labelled: false }),
      failsOn: 'slice',
    },
    {
      name: "the slice sends to the Service's port 80 instead of the pod's 5000",
      apply: withSlice(namedService, { port: 80 }),
      failsOn: 'slice-port',
    },
  ],
  check: async (cluster, signal) => {
    const [svc, target, slices] = await Promise.all([service.read(cluster, 'legacy'), pod.read(cluster, 'legacy'), exposure.namespaceEndpointSlices(cluster)]);
    const address = target?.status?.podIP;
    const criteria = [
      service.exists(svc, 'legacy'),
      exposure.type(svc, 'ClusterIP', {
        description: 'The Service `legacy` has a cluster IP for its endpoints to sit behind (type ClusterIP)',
        hint: 'An ExternalName Service is only a DNS alias for another name: it takes no IP address and maps no ports. Make a plain Service (type ClusterIP) without a selector, and give it an EndpointSlice.',
      }),
      exposure.withoutSelector(svc),
      exposure.sliceHolds(slices, 'legacy', address, { description: `An EndpointSlice labelled \`kubernetes.io/service-name=legacy\` holds the address of the pod \`legacy\` (${address ?? 'not running'})` }),
      exposure.slicePort(svc, slices, { address, port: 5000 }),
    ];
    const answer = criteria.every((c) => c.passed) ? (await exposure.httpAfterSync(cluster, [url], { signal }))[0]! : 'the criteria above must pass first';
    return [...criteria, exposure.answeredBy(answer, 'legacy', { description: `A GET of ${url} from a pod in the cluster is answered by the pod \`legacy\`` })];
  },
  timeoutMs: 60_000,
});
