import { apply, defineExercise, getOrNull } from '@kubelab/labs';
import { admitted, blocked, clientDeployment, clusterService, deletePolicies, egressProbe, enforced, health, namespace, networkPolicy, rolledOut, webDeployment, type PolicySpec } from '../shared.ts';

const ns = 'checkout';
const checkout = { app: 'checkout' };
const payments = { matchLabels: { app: 'payments' } };
const kubeDns = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } };
const dnsPorts = [
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
];
const toPayments = { to: [{ podSelector: payments }], ports: [{ protocol: 'TCP', port: 5000 }] };

const egressPolicy = (egress: PolicySpec['egress'], policyTypes = ['Egress']) =>
  networkPolicy('checkout-egress', ns, { podSelector: { matchLabels: checkout }, policyTypes, egress });

export default defineExercise({
  title: 'Deny egress, but keep DNS',
  hints: [
    'With `policyTypes: [Egress]`, a selected pod may send only what some `egress` rule allows (`to` and `ports`). Try `kubectl -n checkout exec deploy/checkout -- curl -m 3 http://payments:5000/api/v1/health` after each change.',
    'A name such as `payments` is resolved first, by a DNS query to the cluster DNS: the pods labelled `k8s-app=kube-dns` in `kube-system`, on UDP and TCP port 53. Egress to them must be allowed too.',
    'Two egress rules: `{to: [{podSelector: {matchLabels: {app: payments}}}], ports: [{protocol: TCP, port: 5000}]}` and `{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]}` (namespaceSelector and podSelector in one item).',
  ],
  setup: `${apply([
    namespace(ns),
    clientDeployment('checkout', ns, checkout),
    webDeployment('payments', ns, { app: 'payments' }),
    webDeployment('ads', ns, { app: 'ads' }),
    clusterService('payments', ns, { app: 'payments' }, [[5000, 5000, 'http']]),
    clusterService('ads', ns, { app: 'ads' }, [[5000, 5000, 'http']]),
  ])}
${rolledOut(ns)}`,
  solution: `${apply(egressPolicy([toPayments, { to: [kubeDns], ports: dnsPorts }]))}
${enforced}`,
  cleanup: deletePolicies(ns),
  variants: [
    {
      name: 'DNS to any address on port 53, a separate policy per purpose',
      apply: `${apply([
        networkPolicy('deny-egress', ns, { podSelector: { matchLabels: checkout }, policyTypes: ['Egress'] }),
        networkPolicy('allow-dns', ns, { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: dnsPorts }] }),
        networkPolicy('checkout-to-payments', ns, { podSelector: { matchLabels: checkout }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: payments }], ports: [{ port: 5000 }] }] }),
      ])}
${enforced}`,
    },
  ],
  nearMisses: [
    {
      name: 'no DNS rule: payments is allowed, but its name does not resolve',
      apply: `${apply(egressPolicy([toPayments]))}
${enforced}`,
      failsOn: 'dns',
    },
    {
      name: 'the kube-dns podSelector without a namespaceSelector (it looks in checkout)',
      apply: `${apply(egressPolicy([toPayments, { to: [{ podSelector: kubeDns.podSelector }], ports: dnsPorts }]))}
${enforced}`,
      failsOn: 'dns',
    },
    {
      name: 'egress rules under policyTypes [Ingress]: egress is not restricted',
      apply: `${apply(egressPolicy([toPayments, { to: [kubeDns], ports: dnsPorts }], ['Ingress']))}
${enforced}`,
      failsOn: 'ads-blocked',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    // ads by its ClusterIP, so that "blocked" means the policy, not a name that did not resolve.
    const ads = await getOrNull(() => cluster.core.readNamespacedService({ name: 'ads', namespace: ns }));
    const adsUrl = `http://${ads?.spec?.clusterIP ?? `ads.${ns}`}:5000${health}`;
    const { lookup, answers: [toPaymentsProbe, toAds] } = await egressProbe(cluster, {
      namespace: ns,
      labels: checkout,
      name: 'payments',
      urls: [`http://payments:5000${health}`, adsUrl],
      deniedUrl: adsUrl,
      signal,
    });
    return [
      {
        id: 'dns',
        description: 'A pod labelled `app=checkout` can still resolve names (the cluster DNS answers it)',
        passed: lookup.answers.length > 0,
        expected: 'an address for payments',
        actual: lookup.summary,
        hint: 'Every name lookup is a query to the kube-dns pods in kube-system on UDP port 53 (and TCP 53 for long answers). Allow egress there; a `podSelector` alone only looks in the policy\'s own namespace.',
      },
      admitted(
        'payments-admitted',
        'It reaches payments by name, on port 5000',
        toPaymentsProbe!,
        'Allow egress `to` the pods labelled `app=payments`, `ports: [{port: 5000}]`, the port the payments pods listen on.',
      ),
      blocked(
        'ads-blocked',
        `It gets no answer from anything else: ads (${adsUrl})`,
        toAds!,
        'Egress is restricted only when the policy\'s `policyTypes` lists `Egress` (or, without `policyTypes`, when it has `egress` rules).',
      ),
    ];
  },
});
