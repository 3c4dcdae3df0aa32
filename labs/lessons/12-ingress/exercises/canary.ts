import { apply, defineExercise, deletes, formatBackends, gateway, ingress, splitsAs, tallyByDeployment, viaIngress, type IngressAnswer } from '@kubelab/labs';
import { appObjects, webApps } from '../apps.ts';

const host = 'checkout.kubelab.test';
const requests = 20;

/** The platform team's Gateway: the exercise's setup makes it, the learner only attaches a route. */
const publicGateway = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'public', labels: { owner: 'platform-team' } },
  spec: { gatewayClassName: 'traefik', listeners: [{ name: 'http', protocol: 'HTTP', port: 8000, allowedRoutes: { namespaces: { from: 'Same' } } }] },
};

const checkoutRoute = (backendRefs: object[], parent = 'public') => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'checkout' },
  spec: { parentRefs: [{ name: parent }], hostnames: [host], rules: [{ backendRefs }] },
});

const settle = `kubectl wait --for=jsonpath='{.status.parents[0].conditions[?(@.type=="Accepted")].status}'=True httproute/checkout --timeout=60s`;

export default defineExercise({
  title: 'A canary with weighted backends',
  hints: [
    'One rule of an HTTPRoute can list several `backendRefs`; each may carry a `weight`, and the traffic is shared in proportion to the weights.',
    'A backendRef without `weight` weighs 1, not "the rest". Write both: 80 for `stable` and 20 for `canary` (4 and 1 give the same split).',
    `\`parentRefs: [{name: public}]\`, \`hostnames: [${host}]\`, \`rules: [{backendRefs: [{name: stable, port: 80, weight: 80}, {name: canary, port: 80, weight: 20}]}]\`.`,
  ],
  setup: `${webApps('stable', 'canary')}
${apply(publicGateway)}
kubectl wait --for=condition=Programmed gateway/public --timeout=60s`,
  solution: `${apply(
    checkoutRoute([
      { name: 'stable', port: 80, weight: 80 },
      { name: 'canary', port: 80, weight: 20 },
    ]),
  )}
${settle}`,
  cleanup: deletes('httproute/checkout', 'gateway/public', ...appObjects('stable', 'canary')),
  variants: [
    {
      name: 'weights 4 and 1, the canary listed first, the listener named in sectionName',
      apply: `${apply({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'checkout', labels: { app: 'checkout' } },
        spec: {
          parentRefs: [{ name: 'public', sectionName: 'http' }],
          hostnames: [host],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              backendRefs: [
                { name: 'canary', port: 80, weight: 1 },
                { kind: 'Service', name: 'stable', port: 80, weight: 4 },
              ],
            },
          ],
        },
      })}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'the weights the wrong way round (20 stable, 80 canary)',
      apply: `${apply(
        checkoutRoute([
          { name: 'stable', port: 80, weight: 20 },
          { name: 'canary', port: 80, weight: 80 },
        ]),
      )}
${settle}`,
      failsOn: 'weights',
    },
    {
      name: 'a weight on stable only: the canary weighs 1, not the remaining 20',
      apply: `${apply(
        checkoutRoute([
          { name: 'stable', port: 80, weight: 80 },
          { name: 'canary', port: 80 },
        ]),
      )}
${settle}`,
      failsOn: 'weights',
    },
    {
      name: 'the route attached to a Gateway of its own making instead of the platform team\'s `public`',
      apply: `${apply(
        checkoutRoute(
          [
            { name: 'stable', port: 80, weight: 80 },
            { name: 'canary', port: 80, weight: 20 },
          ],
          'checkout-gateway',
        ),
      )}
sleep 1`,
      failsOn: 'attached',
    },
  ],
  check: async (cluster, signal) => {
    const route = await gateway.read(cluster, 'httproutes', 'checkout');
    const attached = gateway.attached(route, 'public');
    const rules = gateway.routeBackends(route);
    const rule = rules.find((backends) => backends.some((b) => b.name === 'stable' || b.name === 'canary')) ?? [];
    // Wait until the route is served at all, then send the sample: Traefik's weighted round robin is smooth, so
    // 20 requests at 80/20 give 16 and 4.
    const first = await viaIngress(cluster, { host, path: '/api/v1/info', signal, timeoutMs: attached.passed ? 6_000 : 0, good: (a) => a.status === 200 });
    const answers: IngressAnswer[] = [first];
    if (first.status === 200) {
      for (let i = 1; i < requests; i++) answers.push(await viaIngress(cluster, { host, path: '/api/v1/info', signal, timeoutMs: 0 }));
    }
    const tally = tallyByDeployment(answers, ['stable', 'canary']);
    const stable = tally.stable ?? 0;
    const canary = tally.canary ?? 0;
    return [
      {
        id: 'exists',
        description: 'An HTTPRoute named `checkout` exists',
        passed: route !== null,
        expected: 'httproute/checkout',
        actual: route ? 'httproute/checkout' : 'no such HTTPRoute',
        hint: '`kubectl get httproute` lists them.',
      },
      attached,
      {
        id: 'weights',
        description: 'One rule sends 80% of the requests to `stable` and 20% to `canary`',
        passed: splitsAs(rule, { stable: 80, canary: 20 }),
        expected: 'stable ×80, canary ×20 (or the same ratio, 4:1)',
        actual: route ? (rules.length ? rules.map(formatBackends).join(' | ') : 'no rules') : 'no HTTPRoute',
        hint: 'Give both backendRefs a `weight`: 80 for `stable`, 20 for `canary`. A missing weight is 1.',
      },
      {
        id: 'traffic',
        description: `${requests} requests for ${host} are shared between stable and canary, most of them to stable`,
        passed: answers.length === requests && canary > 0 && stable > canary && tally.other === 0,
        expected: `about ${requests * 0.8} from stable and ${requests * 0.2} from canary`,
        actual:
          first.status === 200
            ? `${answers.length} × ${first.request}: ${stable} from stable, ${canary} from canary${tally.other ? `, ${tally.other} other answers` : ''}`
            : `${first.request}: ${ingress.describe(first)}`,
        hint: `\`for i in $(seq 10); do curl -s -H "Host: ${host}" http://$NODE_IP:30800/api/v1/info; echo; done\` shows which pods answer.`,
      },
    ];
  },
});
