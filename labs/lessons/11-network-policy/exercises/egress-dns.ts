import { apply, defineExercise, getOrNull, netpol } from '@kubelab/labs';
import { clientPod, deletePolicies, namespace, networkPolicy, podsReady, webPod, webService, type PolicySpec } from '../objects.ts';

const ns = 'checkout';
const paymentsUrl = 'http://payments/';

const kubeDns = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } };
const dnsPorts = [
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
];
const toPayments = { to: [{ podSelector: { matchLabels: { app: 'payments' } } }], ports: [{ protocol: 'TCP', port: 5000 }] };
const restrict = (egress: PolicySpec['egress']) =>
  apply(networkPolicy('checkout-egress', ns, { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Egress'], egress }));

export default defineExercise({
  title: 'Deny egress, but keep DNS',
  hints: [
    'With `policyTypes: [Egress]`, a selected pod may open only the connections some `egress` rule allows (`to` and `ports`). Try it: `kubectl exec -n checkout checkout -- curl -sS -m 3 http://payments/`.',
    'Reaching `payments` by name starts with a DNS query to the cluster DNS: the pods labelled `k8s-app=kube-dns` in namespace `kube-system`, on UDP and TCP port 53. Egress there must be allowed too.',
    'Two egress rules: `{to: [{podSelector: {matchLabels: {app: payments}}}], ports: [{port: 5000}]}` and `{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]}`.',
  ],
  setup: `${apply([
    namespace(ns),
    clientPod('checkout', ns, { app: 'checkout' }),
    webPod('payments', ns, { app: 'payments' }),
    webPod('tracker', ns, { app: 'tracker' }),
    webService('payments', ns, { app: 'payments' }),
    webService('tracker', ns, { app: 'tracker' }),
  ])}
${podsReady(ns, ['checkout', 'payments', 'tracker'])}`,
  solution: `kubectl apply -f - <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: checkout-egress
  namespace: checkout
spec:
  podSelector:
    matchLabels: {app: checkout}
  policyTypes: [Egress]
  egress:
    - to:
        - podSelector:
            matchLabels: {app: payments}
      ports:
        - {protocol: TCP, port: 5000}
    - to:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: kube-system}
          podSelector:
            matchLabels: {k8s-app: kube-dns}
      ports:
        - {protocol: UDP, port: 53}
        - {protocol: TCP, port: 53}
EOF`,
  cleanup: deletePolicies(ns),
  variants: [
    {
      name: 'a policy per purpose: deny, DNS to any address on port 53, payments by its port name',
      apply: apply([
        networkPolicy('deny-egress', ns, { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Egress'] }),
        networkPolicy('allow-dns', ns, { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: dnsPorts }] }),
        networkPolicy('checkout-to-payments', ns, {
          podSelector: { matchLabels: { app: 'checkout' } },
          policyTypes: ['Egress'],
          egress: [{ to: [{ podSelector: { matchLabels: { app: 'payments' } } }], ports: [{ port: 'http' }] }],
        }),
      ]),
    },
  ],
  nearMisses: [
    {
      name: 'no DNS rule: payments is allowed, but its name does not resolve',
      apply: restrict([toPayments]),
      failsOn: 'dns',
    },
    {
      name: 'the kube-dns podSelector without a namespaceSelector (it looks in checkout)',
      apply: restrict([toPayments, { to: [{ podSelector: kubeDns.podSelector }], ports: dnsPorts }]),
      failsOn: 'dns',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    // tracker by its ClusterIP: "blocked" must mean the policy, not a name that did not resolve.
    const tracker = await getOrNull(() => cluster.core.readNamespacedService({ name: 'tracker', namespace: ns }));
    const trackerUrl = `http://${tracker?.spec?.clusterIP ?? `tracker.${ns}`}/`;
    const [client] = await netpol.probeAll(
      cluster,
      [{ namespace: ns, labels: { app: 'checkout' }, lookup: 'payments', urls: [paymentsUrl, trackerUrl], blocked: [trackerUrl] }],
      signal,
    );
    return [
      netpol.resolves(client?.lookup, {
        id: 'dns',
        description: 'A pod labelled `app=checkout` can still resolve names: the cluster DNS answers it',
        hint: 'Every name lookup is a query to the kube-dns pods in `kube-system`, on UDP port 53 (and TCP 53 for long answers): allow egress there. A `podSelector` alone under `to` looks only in the policy\'s own namespace; pair it with a `namespaceSelector`.',
      }),
      netpol.admitted(client?.answers[0], {
        id: 'payments-admitted',
        description: 'It reaches `payments` by name (http://payments/)',
        hint: 'Allow egress `to` the pods labelled `app=payments` on `port: 5000`: the policy sees the connection after the Service has sent it to a pod, on the pod\'s port, never on the Service\'s 80.',
      }),
      netpol.blocked(client?.answers[1], {
        id: 'tracker-blocked',
        description: `It gets no answer from anything else: \`tracker\` (${trackerUrl})`,
        hint: 'Egress is restricted only in a policy that selects `app=checkout` with `Egress` in its `policyTypes`; then only what an `egress` rule lists gets out.',
      }),
    ];
  },
});
