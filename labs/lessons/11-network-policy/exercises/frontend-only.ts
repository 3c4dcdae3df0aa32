import { apply, defineExercise, httpFromPodEach } from '@kubelab/labs';
import { admitted, blocked, clientDeployment, clusterService, deletePolicies, enforced, health, namespace, networkPolicy, probeClient, rolledOut, webDeployment } from '../shared.ts';

const ns = 'shop';
const app = `http://web.${ns}:5000${health}`;
const admin = `http://web.${ns}:8080${health}`;
const web = { matchLabels: { app: 'web' } };
const frontend = { matchLabels: { role: 'frontend' } };

export default defineExercise({
  title: 'Admit the frontend, on one port',
  hints: [
    'The policy selects the web pods (`podSelector: {matchLabels: {app: web}}`) and lists, under `ingress`, who may come in (`from`) and on which ports (`ports`).',
    'A `from` entry with a `podSelector` matches pods of the policy\'s own namespace by their labels; `ports: [{port: 5000}]` names the port the pod listens on.',
    'In namespace `shop`: `spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {matchLabels: {role: frontend}}}], ports: [{protocol: TCP, port: 5000}]}]}`.',
  ],
  setup: `${apply([
    namespace(ns),
    webDeployment('web', ns, { app: 'web' }, { adminPort: 8080 }),
    clusterService('web', ns, { app: 'web' }, [[5000, 'http', 'http'], [8080, 'admin', 'admin']]),
    clientDeployment('frontend', ns, { app: 'frontend', role: 'frontend' }),
  ])}
${rolledOut(ns)}`,
  solution: `${apply(
    networkPolicy('web-from-frontend', ns, {
      podSelector: web,
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: frontend }], ports: [{ protocol: 'TCP', port: 5000 }] }],
    }),
  )}
${enforced}`,
  cleanup: deletePolicies(ns),
  variants: [
    {
      name: 'a default deny-all beside the allow policy, the port by its name http, matchExpressions',
      apply: `${apply([
        networkPolicy('deny-all', ns, { podSelector: {}, policyTypes: ['Ingress'] }),
        networkPolicy('web-ingress', ns, {
          podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
          ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['frontend'] }] } }], ports: [{ port: 'http' }] }],
        }),
      ])}
${enforced}`,
    },
  ],
  nearMisses: [
    {
      name: 'a label typo: role=front-end',
      apply: `${apply(
        networkPolicy('web-from-frontend', ns, {
          podSelector: web,
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { role: 'front-end' } } }], ports: [{ protocol: 'TCP', port: 5000 }] }],
        }),
      )}
${enforced}`,
      failsOn: 'frontend-admitted',
    },
    {
      name: 'no ports: the frontend reaches the admin port too',
      apply: `${apply(networkPolicy('web-from-frontend', ns, { podSelector: web, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: frontend }] }] }))}
${enforced}`,
      failsOn: 'admin-blocked',
    },
    {
      name: 'namespaceSelector {} and podSelector as two list items (either one admits), not one peer',
      apply: `${apply(
        networkPolicy('web-from-frontend', ns, {
          podSelector: web,
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: {} }, { podSelector: frontend }], ports: [{ protocol: 'TCP', port: 5000 }] }],
        }),
      )}
${enforced}`,
      failsOn: 'others-blocked',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const started = Date.now();
    const [[fromFrontend, frontendToAdmin], [fromOther]] = await Promise.all([
      probeClient(() => httpFromPodEach(cluster, [app, admin], { namespace: ns, labels: { role: 'frontend' }, signal }), [1], started, signal),
      probeClient(() => httpFromPodEach(cluster, [app], { namespace: ns, signal }), [0], started, signal),
    ]);
    return [
      admitted(
        'frontend-admitted',
        'A pod labelled `role=frontend` in `shop` reaches web on port 5000',
        fromFrontend!,
        'The `from` entry must select `role: frontend` exactly as the pods are labelled (`kubectl get pods -n shop --show-labels`), and `ports` must name 5000, the port the web container listens on.',
      ),
      blocked(
        'admin-blocked',
        'Even the frontend gets no answer from the admin port 8080',
        frontendToAdmin!,
        'A rule without `ports` admits every port. Add `ports: [{port: 5000}]` to the rule, beside `from`.',
      ),
      blocked(
        'others-blocked',
        'A pod without `role=frontend` gets no answer from web',
        fromOther!,
        'Each item of a `from` list admits on its own. `namespaceSelector: {}` or `podSelector: {}` alone admits every pod; keep one item, `podSelector: {matchLabels: {role: frontend}}`.',
      ),
    ];
  },
});
