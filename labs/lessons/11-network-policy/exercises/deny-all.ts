import { apply, defineExercise, netpol } from '@kubelab/labs';
import { deletePolicies, namespace, networkPolicy, podsReady, webPod, webService } from '../objects.ts';

const ns = 'vault';
const apps = ['vault', 'notes'];
const urls = apps.map((app) => `http://${app}.${ns}/`);

export default defineExercise({
  title: 'Deny all incoming traffic',
  hints: [
    'A NetworkPolicy applies to the pods its `spec.podSelector` selects, in its own namespace; an empty selector `{}` selects every pod there.',
    'A selected pod takes only what some `ingress` rule of a policy allows. With `policyTypes: [Ingress]` and no rules at all, that is nothing.',
    "`kubectl apply -f - <<'EOF'` with `kind: NetworkPolicy`, `metadata: {name: deny-all, namespace: vault}` and `spec: {podSelector: {}, policyTypes: [Ingress]}`.",
  ],
  setup: `${apply([namespace(ns), ...apps.map((app) => webPod(app, ns, { app })), ...apps.map((app) => webService(app, ns, { app }))])}
${podsReady(ns, apps)}`,
  // A NetworkPolicy has no status to wait for; the check waits until its rules are in place.
  solution: `kubectl apply -f - <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: vault}
spec: {podSelector: {}, policyTypes: [Ingress]}
EOF`,
  cleanup: deletePolicies(ns),
  variants: [
    {
      name: 'ingress and egress both denied, under another name, with a label',
      apply: apply(networkPolicy('lockdown', ns, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, { purpose: 'lockdown' })),
    },
  ],
  nearMisses: [
    {
      name: 'an empty ingress rule (- {}), which admits everyone',
      apply: apply(networkPolicy('deny-all', ns, { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] })),
      failsOn: 'vault-blocked',
    },
    {
      name: 'only the pods labelled app=vault selected',
      apply: apply(networkPolicy('deny-all', ns, { podSelector: { matchLabels: { app: 'vault' } }, policyTypes: ['Ingress'] })),
      failsOn: 'notes-blocked',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    // From inside vault: deny-all shuts out the neighbours too, and a pod elsewhere would prove no more.
    const [[client], pods] = await Promise.all([
      netpol.probeAll(cluster, [{ namespace: ns, urls, blocked: urls }], signal),
      netpol.readPods(cluster, ns, apps),
    ]);
    return [
      netpol.blocked(client?.answers[0], {
        id: 'vault-blocked',
        description: 'A pod in `vault` gets no answer from the app `vault`',
        hint: 'The pods of `vault` still take connections: a policy must select them (`podSelector: {}`) and allow nothing. `ingress: [{}]` is a rule that allows everything; leave `ingress` out.',
      }),
      netpol.blocked(client?.answers[1], {
        id: 'notes-blocked',
        description: 'Nor from the app `notes`: every pod of the namespace is isolated',
        hint: '`podSelector: {}` selects every pod of the namespace; a selector with labels selects only the pods that carry them.',
      }),
      netpol.podsReady(pods, apps, ns, {
        id: 'apps-running',
        description: 'The pods `vault` and `notes` still run: they are unreachable, not gone',
      }),
    ];
  },
});
