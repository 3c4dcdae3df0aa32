import { apply, defineExercise, netpol } from '@kubelab/labs';
import { deletePolicies, denyAll, namespace, networkPolicy, podsReady, webPod, webService, type PolicySpec } from '../objects.ts';

const ns = 'ledger';
const url = `http://ledger.${ns}/`;

const billing = { namespaceSelector: { matchLabels: { team: 'billing' } } };
const reports = { podSelector: { matchLabels: { app: 'reports' } } };
const allow = (from: NonNullable<PolicySpec['ingress']>[number]['from']) =>
  apply(networkPolicy('ledger-allow-reports', ns, { podSelector: { matchLabels: { app: 'ledger' } }, policyTypes: ['Ingress'], ingress: [{ from }] }));

export default defineExercise({
  title: 'Admit one team\'s pods from another namespace',
  hints: [
    'A `podSelector` under `from` looks only in the policy\'s own namespace. Pods of another namespace are chosen with a `namespaceSelector`, by the namespace\'s labels: `kubectl get namespaces --show-labels`.',
    'Within one `from` item, `namespaceSelector` and `podSelector` must both match (AND). As two items (each with its own dash), either one is enough (OR).',
    'One item: `from: [{namespaceSelector: {matchLabels: {team: billing}}, podSelector: {matchLabels: {app: reports}}}]`, in a policy that selects `app=ledger` in `ledger`.',
  ],
  setup: `${apply([
    namespace(ns),
    namespace('billing', { team: 'billing' }),
    namespace('marketing', { team: 'marketing' }),
    webPod('ledger', ns, { app: 'ledger' }),
    webService('ledger', ns, { app: 'ledger' }),
    denyAll(ns),
  ])}
${podsReady(ns, ['ledger'])}`,
  solution: `kubectl apply -f - <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ledger-allow-reports
  namespace: ledger
spec:
  podSelector:
    matchLabels: {app: ledger}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {team: billing}
          podSelector:
            matchLabels: {app: reports}
EOF`,
  cleanup: deletePolicies(ns),
  variants: [
    {
      name: 'the namespace by its automatic name label, on port 5000, the policy selecting every pod of ledger',
      apply: apply(
        networkPolicy('from-billing-reports', ns, {
          podSelector: {},
          ingress: [
            {
              from: [{ podSelector: { matchLabels: { app: 'reports' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'billing' } } }],
              ports: [{ protocol: 'TCP', port: 5000 }],
            },
          ],
        }),
      ),
    },
  ],
  nearMisses: [
    {
      name: 'namespaceSelector and podSelector as two items (OR): every pod of billing gets in',
      apply: allow([billing, reports]),
      failsOn: 'billing-others-blocked',
    },
    {
      name: 'a podSelector alone: it looks for app=reports in ledger, not in billing',
      apply: allow([reports]),
      failsOn: 'reports-admitted',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const [[fromReports, fromInvoices, fromMarketing], pods] = await Promise.all([
      netpol.probeAll(
        cluster,
        [
          { namespace: 'billing', labels: { app: 'reports' }, urls: [url] },
          { namespace: 'billing', labels: { app: 'invoices' }, urls: [url], blocked: [url] },
          { namespace: 'marketing', labels: { app: 'reports' }, urls: [url], blocked: [url] },
        ],
        signal,
      ),
      netpol.readPods(cluster, ns, ['ledger']),
    ]);
    return [
      netpol.admitted(fromReports?.answers[0], {
        id: 'reports-admitted',
        description: 'A pod labelled `app=reports` in namespace `billing` reaches `ledger`',
        hint: 'A `podSelector` alone under `from` means pods of `ledger`. Pair it with a `namespaceSelector` matching `billing` (its label `team=billing`, or `kubernetes.io/metadata.name=billing`) in the same item.',
      }),
      netpol.blocked(fromInvoices?.answers[0], {
        id: 'billing-others-blocked',
        description: 'Another pod of `billing` (labelled `app=invoices`) gets no answer',
        hint: 'With a dash before `podSelector`, the two selectors are two peers, and either admits: all of `billing` gets in. Put both under the same dash.',
      }),
      netpol.blocked(fromMarketing?.answers[0], {
        id: 'marketing-blocked',
        description: 'A pod labelled `app=reports` in namespace `marketing` gets no answer',
        hint: 'The namespaceSelector must match `billing` only: `{}` selects every namespace.',
      }),
      netpol.podsReady(pods, ['ledger'], ns, { id: 'ledger-running', description: 'The pod `ledger` still runs' }),
    ];
  },
});
