import { apply, defineExercise, httpFromPodEach } from '@kubelab/labs';
import { admitted, blocked, clientDeployment, clusterService, deletePolicies, enforced, health, namespace, networkPolicy, probeClient, resetNamespaceLabels, rolledOut, webDeployment } from '../shared.ts';

const ns = 'billing';
const url = `http://web.${ns}:5000${health}`;
const web = { matchLabels: { app: 'web' } };

export default defineExercise({
  title: 'Admit one namespace',
  hints: [
    'A `from` entry with a `namespaceSelector` admits every pod of the namespaces whose labels match. `kubectl get ns --show-labels` lists the labels namespaces carry.',
    'Every namespace carries `kubernetes.io/metadata.name: <its name>`, set by Kubernetes itself; `monitoring` also has a `team` label.',
    'In namespace `billing`: `spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}]}`.',
  ],
  setup: `${apply([
    namespace(ns),
    namespace('monitoring', { team: 'observability' }),
    webDeployment('web', ns, { app: 'web' }),
    clusterService('web', ns, { app: 'web' }, [[5000, 5000, 'http']]),
    clientDeployment('prober', 'monitoring', { app: 'prober' }),
  ])}
${rolledOut(ns)}
${rolledOut('monitoring')}`,
  solution: `${apply(
    networkPolicy('web-from-monitoring', ns, {
      podSelector: web,
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }],
    }),
  )}
${enforced}`,
  // A learner may have labelled monitoring to select it; setup puts the team label back.
  cleanup: `${deletePolicies(ns)}
${resetNamespaceLabels('monitoring', ['team'])}`,
  variants: [
    {
      name: 'monitoring labelled name=monitoring by hand and selected by it (as old tutorials do)',
      apply: `kubectl label namespace monitoring name=monitoring
${apply(networkPolicy('web-from-monitoring', ns, { podSelector: web, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }] }] }))}
${enforced}`,
    },
    {
      name: 'by the team label, on port 5000 only',
      apply: `${apply(
        networkPolicy('web-ingress', ns, {
          podSelector: web,
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'observability' } } }], ports: [{ port: 5000 }] }],
        }),
      )}
${enforced}`,
    },
  ],
  nearMisses: [
    {
      name: 'namespaceSelector name=monitoring, a label the namespace does not carry',
      apply: `${apply(
        networkPolicy('web-from-monitoring', ns, {
          podSelector: web,
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }] }],
        }),
      )}
${enforced}`,
      failsOn: 'monitoring-admitted',
    },
    {
      name: 'namespaceSelector {}: every namespace',
      apply: `${apply(networkPolicy('web-from-monitoring', ns, { podSelector: web, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }] }] }))}
${enforced}`,
      failsOn: 'others-blocked',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const started = Date.now();
    const [[fromMonitoring], [fromOther]] = await Promise.all([
      httpFromPodEach(cluster, [url], { namespace: 'monitoring', signal }),
      probeClient(() => httpFromPodEach(cluster, [url], { signal }), [0], started, signal),
    ]);
    return [
      admitted(
        'monitoring-admitted',
        'A pod in namespace `monitoring` reaches web in `billing`',
        fromMonitoring!,
        'A `namespaceSelector` matches namespace labels, not names: `kubectl get ns monitoring --show-labels` shows the labels you can select on.',
      ),
      blocked(
        'others-blocked',
        'A pod in another namespace gets no answer',
        fromOther!,
        '`namespaceSelector: {}` selects every namespace. Select monitoring by one of its labels.',
      ),
    ];
  },
});
