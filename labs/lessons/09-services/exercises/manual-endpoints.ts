import { apply, defineExercise, deletes, formatLabels, httpFromPod, service, type Criterion, type V1Pod } from '@kubelab/labs';
import { health, image } from '../shared.ts';

/** A server no selector finds: a bare pod without labels, standing in for a machine outside the cluster. */
const legacy: V1Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'legacy' },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'web', image, ports: [{ containerPort: 5000 }], readinessProbe: { httpGet: { path: health, port: 5000 }, periodSeconds: 2 } }],
  },
};

const ip = `IP=$(kubectl get pod legacy -o jsonpath='{.status.podIP}')`;

/** A Service with no selector and its hand-made EndpointSlice; the near-misses change one thing each. */
function manifests(options: { selector?: boolean; sliceLabel?: boolean; slicePortName?: boolean } = {}): string {
  const selector = options.selector ? '\n  selector:\n    app: legacy' : '';
  const label = options.sliceLabel === false ? '    origin: by-hand' : '    kubernetes.io/service-name: legacy';
  const portName = options.slicePortName === false ? '' : '\n    name: http';
  return `${ip}
kubectl apply -f - <<YAML
apiVersion: v1
kind: Service
metadata:
  name: legacy
spec:${selector}
  ports:
  - name: http
    port: 80
    targetPort: 5000
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: legacy-1
  labels:
${label}
addressType: IPv4
ports:
  - port: 5000${portName}
    protocol: TCP
endpoints:
  - addresses: ["$IP"]
YAML`;
}

/**
 * On a workshop's cluster the learner is namespace admin, and the built-in admin role has not written Endpoints or
 * EndpointSlices since CVE-2021-25740 (they could point a Service, and so an ingress controller, anywhere). This
 * role, aggregated into admin, gives that back for this exercise: the learner's cluster is their own, and the
 * host firewall bounds where any pod of it can reach.
 */
const learnerMayWriteEndpoints = apply({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'kubelab:lesson-services-endpoints', labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true', 'app.kubernetes.io/managed-by': 'kubelab' } },
  rules: [
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'] },
    { apiGroups: [''], resources: ['endpoints'], verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'] },
  ],
});

export default defineExercise({
  title: 'A Service without a selector',
  hints: [
    'Leave `selector` out of the Service: Kubernetes then makes no EndpointSlice for it, and you write one yourself (`kubectl explain endpointslice`).',
    'The EndpointSlice joins its Service by the label `kubernetes.io/service-name: legacy`. It needs `addressType: IPv4`, `endpoints: [{addresses: [<pod IP>]}]` and `ports` with port 5000 under the same name as the Service\'s port.',
    'Service: `ports: [{name: http, port: 80}]`, no selector. EndpointSlice `legacy-1`: that label, `ports: [{name: http, port: 5000}]`, and the address from `kubectl get pod legacy -o wide`.',
  ],
  setup: `${learnerMayWriteEndpoints}
${apply(legacy)}
kubectl wait --for=condition=Ready pod/legacy --timeout=120s`,
  solution: manifests(),
  cleanup: `${deletes('endpointslice/legacy-1', 'service/legacy', 'endpoints/legacy', 'pod/legacy')}
kubectl delete endpointslices -l kubernetes.io/service-name=legacy --ignore-not-found --wait`,
  variants: [
    {
      name: 'the legacy Endpoints object, which Kubernetes mirrors into an EndpointSlice',
      apply: `${ip}
kubectl apply -f - <<YAML
apiVersion: v1
kind: Service
metadata:
  name: legacy
spec:
  ports:
  - port: 80
    targetPort: 5000
---
apiVersion: v1
kind: Endpoints
metadata:
  name: legacy
subsets:
  - addresses: [{ip: "$IP"}]
    ports: [{port: 5000}]
YAML
for i in $(seq 30); do kubectl get endpointslices -l kubernetes.io/service-name=legacy -o name | grep -q . && break; sleep 1; done`,
    },
  ],
  nearMisses: [
    {
      name: 'the selector app=legacy left in (kubectl create service clusterip adds it)',
      apply: manifests({ selector: true }),
      failsOn: 'no-selector',
    },
    {
      name: 'the EndpointSlice without the kubernetes.io/service-name label',
      apply: manifests({ sliceLabel: false }),
      failsOn: 'slice',
    },
    {
      name: 'the Service port is named http, the EndpointSlice port has no name',
      apply: manifests({ slicePortName: false }),
      failsOn: 'traffic',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const svc = await service.read(cluster, 'legacy');
    const pod = await cluster.core.readNamespacedPod({ name: 'legacy', namespace: 'default' }).catch(() => null);
    const podIp = pod?.status?.podIP;
    const selector = svc?.spec?.selector ?? {};
    const noSelector: Criterion<'no-selector'> = {
      id: 'no-selector',
      description: 'The Service has no selector, so Kubernetes leaves its endpoints to you',
      passed: svc !== null && Object.keys(selector).length === 0,
      expected: 'no selector',
      actual: svc ? (Object.keys(selector).length ? `selector ${formatLabels(selector)}` : 'no selector') : 'no service',
      hint: '`kubectl create service clusterip` and `kubectl expose` always add a selector. Write the Service as YAML without `selector`, or remove it: `kubectl patch service legacy --type=json -p \'[{"op":"remove","path":"/spec/selector"}]\'`.',
    };
    const slices = svc ? await service.endpointSlices(cluster, 'legacy') : [];
    const listed = slices.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses.map((a) => `${a}:${(s.ports ?? []).map((p) => p.port).join('/') || '?'}`)));
    const slice: Criterion<'slice'> = {
      id: 'slice',
      description: `An EndpointSlice of the Service sends it to the pod \`legacy\` (${podIp ?? 'no IP yet'}) on port 5000`,
      passed: podIp !== undefined && slices.some((s) => (s.ports ?? []).some((p) => p.port === 5000) && (s.endpoints ?? []).some((e) => e.addresses.includes(podIp))),
      expected: `${podIp ?? '<pod IP>'}:5000 in a slice labelled kubernetes.io/service-name=legacy`,
      actual: slices.length ? `${slices.length} slice${slices.length === 1 ? '' : 's'}: ${listed.join(', ') || 'no addresses'}` : 'no EndpointSlice labelled kubernetes.io/service-name=legacy',
      hint: 'A Service finds its EndpointSlices by the label `kubernetes.io/service-name: legacy`; the slice\'s name does not matter. `kubectl get endpointslices -l kubernetes.io/service-name=legacy` must list it.',
    };
    const criteria = [service.exists(svc, 'legacy'), noSelector, slice];
    if (!svc) return criteria;
    const url = `http://legacy.default${health}`;
    let answer = await httpFromPod(cluster, url, { signal });
    // A moment after the answer was written, kube-proxy may not have caught up: one more try, only then.
    if (answer.status !== 200 && noSelector.passed && slice.passed && !signal.aborted) answer = await httpFromPod(cluster, url, { signal });
    const traffic: Criterion<'traffic'> = {
      id: 'traffic',
      description: `Inside the cluster, \`${url}\` answers \`{"status":"OK"}\``,
      passed: answer.status === 200 && answer.body.includes('"status":"OK"'),
      expected: `HTTP 200 {"status":"OK"}`,
      actual: answer.status !== undefined ? `${answer.summary}: ${answer.body.slice(0, 100)}` : answer.summary,
      hint: 'kube-proxy pairs a Service port with an EndpointSlice port by name: both `http`, or both without a name. Try it: `kubectl run curl --rm -it --image=kubelab/toolbox:1.0 --restart=Never -- curl -sS http://legacy/api/v1/health`.',
    };
    return [...criteria, traffic];
  },
});
