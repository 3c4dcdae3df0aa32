import { apply, defineExercise, netpol } from '@kubelab/labs';
import { deletePolicies, denyAll, namespace, networkPolicy, podsReady, webPod, webService, type PolicySpec } from '../objects.ts';

const ns = 'store';
const apiUrl = `http://api.${ns}/`;
const adminUrl = `http://api.${ns}:9090/`;

const allow = (ingress: PolicySpec['ingress']) =>
  apply(networkPolicy('api-allow-frontend', ns, { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress }));
const fromFrontend = [{ podSelector: { matchLabels: { role: 'frontend' } } }];

export default defineExercise({
  title: 'Let the frontend in, on one port',
  hints: [
    'Keep `deny-all` and add a second policy: policies add up, and a connection gets in when any policy that selects the pod allows it.',
    'The new policy selects the api pods (`podSelector: {matchLabels: {app: api}}`); one `ingress` rule with `from: [{podSelector: {matchLabels: {role: frontend}}}]` says who may connect, and `ports` says to which port.',
    'A policy sees the port the pod listens on, not the Service\'s: `ports: [{port: 5000}]` (or the container port\'s name, `http`), not 80.',
  ],
  setup: `${apply([namespace(ns), webPod('api', ns, { app: 'api' }, { adminPort: 9090 }), webService('api', ns, { app: 'api' }, [[9090, 'admin']]), denyAll(ns)])}
${podsReady(ns, ['api'])}`,
  solution: `kubectl apply -f - <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-allow-frontend
  namespace: store
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels: {role: frontend}
      ports:
        - {protocol: TCP, port: 5000}
EOF`,
  cleanup: deletePolicies(ns),
  variants: [
    {
      name: 'the container port by its name (http), the role as matchExpressions, deny-all deleted',
      apply: `kubectl delete networkpolicy deny-all -n ${ns}
${apply(
  networkPolicy('frontend-to-api', ns, {
    podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] },
    ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['frontend'] }] } }], ports: [{ port: 'http' }] }],
  }),
)}`,
    },
  ],
  nearMisses: [
    {
      name: "the Service's port 80 instead of the pod's 5000",
      apply: allow([{ from: fromFrontend, ports: [{ protocol: 'TCP', port: 80 }] }]),
      failsOn: 'frontend-admitted',
    },
    {
      name: 'no ports: the frontend reaches the admin port too',
      apply: allow([{ from: fromFrontend }]),
      failsOn: 'admin-closed',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const [[frontend, other], pods] = await Promise.all([
      netpol.probeAll(
        cluster,
        [
          { namespace: ns, labels: { role: 'frontend' }, urls: [apiUrl, adminUrl], blocked: [adminUrl] },
          { namespace: ns, labels: { role: 'batch' }, urls: [apiUrl], blocked: [apiUrl] },
        ],
        signal,
      ),
      netpol.readPods(cluster, ns, ['api']),
    ]);
    return [
      netpol.admitted(frontend?.answers[0], {
        id: 'frontend-admitted',
        description: 'A pod labelled `role=frontend` reaches the api on its HTTP port (5000, the Service\'s 80)',
        hint: 'Select the api pods (`app=api`), admit `from` pods labelled `role=frontend`, on `port: 5000`: the pod\'s port, which the Service\'s port 80 leads to. A policy never sees port 80.',
      }),
      netpol.blocked(frontend?.answers[1], {
        id: 'admin-closed',
        description: 'Even the frontend gets no answer on the admin port 9090',
        hint: 'A rule without `ports` admits every port. List the one port the frontend needs: `ports: [{port: 5000}]`.',
      }),
      netpol.blocked(other?.answers[0], {
        id: 'others-blocked',
        description: 'A pod labelled `role=batch` gets no answer from the api',
        hint: 'Every peer under `from` is admitted: a rule with `ports` but no `from` admits every pod. Keep `from: [{podSelector: {matchLabels: {role: frontend}}}]` in the same rule as the port.',
      }),
      netpol.podsReady(pods, ['api'], ns, { id: 'api-running', description: 'The pod `api` still runs' }),
    ];
  },
});
