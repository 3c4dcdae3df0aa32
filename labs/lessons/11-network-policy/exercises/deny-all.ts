import { apply, defineExercise, httpFromPodEach } from '@kubelab/labs';
import { blocked, clusterService, deletePolicies, enforced, health, namespace, networkPolicy, probeClient, rolledOut, webDeployment } from '../shared.ts';

const ns = 'lockdown';
const urls = [`http://web.${ns}:5000${health}`, `http://api.${ns}:5000${health}`];

const lockdownSetup = `${apply([
  namespace(ns),
  webDeployment('web', ns, { app: 'web' }),
  webDeployment('api', ns, { app: 'api' }),
  clusterService('web', ns, { app: 'web' }, [[5000, 5000, 'http']]),
  clusterService('api', ns, { app: 'api' }, [[5000, 5000, 'http']]),
])}
${rolledOut(ns)}`;

export default defineExercise({
  title: 'Deny all ingress in a namespace',
  hints: [
    'A NetworkPolicy applies to the pods its `spec.podSelector` selects; an empty selector, `podSelector: {}`, selects every pod of its namespace.',
    'A selected pod accepts only what some policy\'s `ingress` rules allow. `policyTypes: [Ingress]` with no `ingress` rules allows nothing.',
    'In namespace `lockdown`: `apiVersion: networking.k8s.io/v1`, `kind: NetworkPolicy`, `metadata: {name: deny-all}`, `spec: {podSelector: {}, policyTypes: [Ingress]}`.',
  ],
  setup: lockdownSetup,
  solution: `${apply(networkPolicy('deny-all', ns, { podSelector: {}, policyTypes: ['Ingress'] }))}
${enforced}`,
  cleanup: deletePolicies(ns),
  variants: [
    {
      name: 'another name and labels, an explicit empty ingress list',
      apply: `${apply(networkPolicy('default-deny-ingress', ns, { podSelector: {}, policyTypes: ['Ingress'], ingress: [] }, { purpose: 'lockdown' }))}
${enforced}`,
    },
    {
      name: 'every pod that has an app label, selected with matchExpressions',
      apply: `${apply(networkPolicy('deny-apps', ns, { podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, policyTypes: ['Ingress'] }))}
${enforced}`,
    },
  ],
  nearMisses: [
    {
      name: 'podSelector app=web: the api pods stay open',
      apply: `${apply(networkPolicy('deny-all', ns, { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] }))}
${enforced}`,
      failsOn: 'api-blocked',
    },
    {
      name: 'policyTypes [Egress]: the pods can no longer send, but still accept',
      apply: `${apply(networkPolicy('deny-all', ns, { podSelector: {}, policyTypes: ['Egress'] }))}
${enforced}`,
      failsOn: 'web-blocked',
    },
    {
      name: 'ingress: [{}], a rule that matches everything (allow-all)',
      apply: `${apply(networkPolicy('deny-all', ns, { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] }))}
${enforced}`,
      failsOn: 'web-blocked',
    },
  ],
  // Two clients at once, one in lockdown and one elsewhere, each trying both Services.
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const started = Date.now();
    const [inside, outside] = await Promise.all([
      probeClient(() => httpFromPodEach(cluster, urls, { namespace: ns, signal }), [0, 1], started, signal),
      probeClient(() => httpFromPodEach(cluster, urls, { signal }), [0, 1], started, signal),
    ]);
    const hint = (app: string) =>
      `A policy must select the ${app} pods (\`podSelector: {}\` selects them all) with \`policyTypes: [Ingress]\` and no rule that admits anyone; \`kubectl describe networkpolicy -n ${ns}\` shows what each one selects and allows.`;
    const both = (i: number) => ({ ...inside[i]!, finished: inside[i]!.finished && outside[i]!.finished, status: inside[i]!.status ?? outside[i]!.status, summary: `${inside[i]!.summary}; ${outside[i]!.summary}` });
    return [
      blocked('web-blocked', `No client reaches \`web\` in \`${ns}\`, from its own namespace or another`, both(0), hint('web')),
      blocked('api-blocked', `No client reaches \`api\` in \`${ns}\` either: the policy covers every pod of the namespace`, both(1), hint('api')),
    ];
  },
});
