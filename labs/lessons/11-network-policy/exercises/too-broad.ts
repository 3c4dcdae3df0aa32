import { apply, defineExercise, netpol } from '@kubelab/labs';
import { deletePolicies, namespace, networkPolicy, podsReady, webPod, webService } from '../objects.ts';

const ns = 'cafe';
const webUrl = `http://web.${ns}/`;
const apiUrl = `http://api.${ns}/`;

/** Meant to protect api (only web may call it), but its empty podSelector selects web as well. */
const lockdown = networkPolicy('api-lockdown', ns, {
  podSelector: {},
  policyTypes: ['Ingress'],
  ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 5000 }] }],
});

export default defineExercise({
  title: 'Fix a policy that blocks too much',
  hints: [
    '`kubectl describe networkpolicy api-lockdown -n cafe` prints which pods it applies to ("PodSelector") and what it allows. Which pods does that selector take?',
    'An empty `podSelector` selects every pod of the namespace, `web` included: since then, only pods labelled `app=web` may reach `web`.',
    'Narrow it to the pods it was meant for: `kubectl patch networkpolicy api-lockdown -n cafe --type=merge -p \'{"spec":{"podSelector":{"matchLabels":{"app":"api"}}}}\'`.',
  ],
  setup: `${apply([
    namespace(ns),
    webPod('web', ns, { app: 'web' }),
    webPod('api', ns, { app: 'api' }),
    webService('web', ns, { app: 'web' }),
    webService('api', ns, { app: 'api' }),
    lockdown,
  ])}
${podsReady(ns, ['web', 'api'])}`,
  solution: `kubectl patch networkpolicy api-lockdown -n cafe --type=merge -p '{"spec":{"podSelector":{"matchLabels":{"app":"api"}}}}'`,
  cleanup: deletePolicies(ns),
  variants: [
    {
      name: 'api-lockdown left as it was, and a second policy that opens web to everyone',
      apply: apply(networkPolicy('web-public', ns, { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{}] })),
    },
  ],
  nearMisses: [
    {
      name: 'the policy deleted: web answers again, but so does api, to anyone',
      apply: `kubectl delete networkpolicy api-lockdown -n ${ns}`,
      failsOn: 'api-protected',
    },
    {
      name: 'web opened with from: podSelector {} (only pods of cafe)',
      apply: apply(networkPolicy('web-public', ns, { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: {} }] }] })),
      failsOn: 'web-open',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const [[visitor, web], pods] = await Promise.all([
      netpol.probeAll(
        cluster,
        [
          // From the checker's own namespace: a visitor from anywhere else in the cluster.
          { urls: [webUrl, apiUrl], blocked: [apiUrl] },
          { namespace: ns, labels: { app: 'web' }, urls: [apiUrl] },
        ],
        signal,
      ),
      netpol.readPods(cluster, ns, ['web', 'api']),
    ]);
    return [
      netpol.admitted(visitor?.answers[0], {
        id: 'web-open',
        description: 'A pod of another namespace reaches `web` again',
        hint: 'Some policy still selects the `web` pod and admits only a few. `kubectl describe networkpolicy -n cafe`: an empty PodSelector means every pod, and `from: [{podSelector: {}}]` admits only pods of `cafe`.',
      }),
      netpol.admitted(web?.answers[0], {
        id: 'web-reaches-api',
        description: 'A pod labelled `app=web` in `cafe` still reaches `api`',
        hint: 'Keep the rule that admits `app=web` to the api pods on port 5000.',
      }),
      netpol.blocked(visitor?.answers[1], {
        id: 'api-protected',
        description: 'Anyone else (that pod of another namespace) still gets no answer from `api`',
        hint: 'The policy had a purpose: only `web` may call `api`. Fix its selector rather than deleting it: `podSelector: {matchLabels: {app: api}}`.',
      }),
      netpol.podsReady(pods, ['web', 'api'], ns, { id: 'apps-running', description: 'The pods `web` and `api` still run' }),
    ];
  },
});
