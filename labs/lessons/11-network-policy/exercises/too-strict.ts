import { apply, defineExercise, getOrNull, httpFromPodEach } from '@kubelab/labs';
import { admitted, blocked, clientDeployment, clusterService, deletePolicies, enforced, health, namespace, networkPolicy, probeClient, rolledOut, webDeployment } from '../shared.ts';

const ns = 'store';
const url = `http://web.${ns}${health}`;
const web = { matchLabels: { app: 'web' } };

/** The policy as setup leaves it: the frontend's label misremembered, and the Service's port where the pod's belongs. */
const broken = networkPolicy('web-ingress', ns, {
  podSelector: web,
  policyTypes: ['Ingress'],
  ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 80 }] }],
});
const repaired = (from: Record<string, string>, port: number | string) =>
  networkPolicy('web-ingress', ns, {
    podSelector: web,
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: { matchLabels: from } }], ports: [{ protocol: 'TCP', port }] }],
  });

export default defineExercise({
  title: 'Repair a policy that blocks too much',
  hints: [
    'Compare what the policy asks for with what is there: `kubectl describe networkpolicy web-ingress -n store`, `kubectl get pods -n store --show-labels`, `kubectl get svc,endpointslices -n store`.',
    'Two things are off. A policy sees a connection after the Service has sent it to a pod, so its `ports` are the pod\'s ports, not the Service\'s; and its `podSelector` must match labels the frontend pods really carry.',
    'Edit the policy (`kubectl edit networkpolicy web-ingress -n store`): `from: [{podSelector: {matchLabels: {app: frontend}}}]` and `ports: [{protocol: TCP, port: 5000}]`.',
  ],
  setup: `${apply([
    namespace(ns),
    webDeployment('web', ns, { app: 'web' }),
    clusterService('web', ns, { app: 'web' }, [[80, 'http', 'http']]),
    clientDeployment('frontend', ns, { app: 'frontend' }),
    broken,
  ])}
${rolledOut(ns)}`,
  solution: `${apply(repaired({ app: 'frontend' }, 5000))}
${enforced}`,
  // The frontend goes too: a learner may have relabelled it (setup makes it again).
  cleanup: `${deletePolicies(ns)}
kubectl -n ${ns} delete deployment frontend --ignore-not-found --wait`,
  variants: [
    {
      name: 'the frontend relabelled role=frontend, the port by its name http',
      apply: `kubectl -n ${ns} patch deployment frontend -p '{"spec":{"template":{"metadata":{"labels":{"role":"frontend"}}}}}'
${apply(repaired({ role: 'frontend' }, 'http'))}
${rolledOut(ns)}
${enforced}`,
    },
  ],
  nearMisses: [
    {
      name: 'only the label fixed: still port 80, the Service\'s port',
      apply: `${apply(repaired({ app: 'frontend' }, 80))}
${enforced}`,
      failsOn: 'frontend-admitted',
    },
    {
      name: 'only the port fixed: still role=frontend, which no pod carries',
      apply: `${apply(repaired({ role: 'frontend' }, 5000))}
${enforced}`,
      failsOn: 'frontend-admitted',
    },
    {
      name: 'the policy deleted: everyone gets in',
      apply: `kubectl -n ${ns} delete networkpolicy web-ingress
${enforced}`,
      failsOn: 'others-blocked',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    // The frontend as it is now: its pods' labels, whatever the learner made them.
    const deployment = await getOrNull(() => cluster.apps.readNamespacedDeployment({ name: 'frontend', namespace: ns }));
    const labels = deployment?.spec?.template.metadata?.labels ?? { app: 'frontend' };
    const started = Date.now();
    const [[fromFrontend], [fromOther]] = await Promise.all([
      httpFromPodEach(cluster, [url], { namespace: ns, labels, signal }),
      probeClient(() => httpFromPodEach(cluster, [url], { namespace: ns, signal }), [0], started, signal),
    ]);
    return [
      admitted(
        'frontend-admitted',
        'A pod labelled as the frontend pods are reaches web through its Service',
        fromFrontend!,
        'Two things keep it out: the `from` selector must match the frontend pods\' labels (`kubectl get pods -n store --show-labels`), and `ports` must name the port the web pod listens on (5000, the Service\'s targetPort), not the Service\'s port 80.',
      ),
      blocked(
        'others-blocked',
        'A pod without the frontend\'s labels still gets no answer',
        fromOther!,
        'Repair the policy rather than removing it: without a policy that selects the web pods, every pod may connect to them.',
      ),
    ];
  },
});
