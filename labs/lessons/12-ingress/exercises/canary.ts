import { apply, defineExercise, httpRoute, ingress, type GatewayObject, type BackendRef, type HttpRouteObject } from '@kubelab/labs';
import { removeApps, startApps } from '../apps.ts';

const apps = ['stable', 'canary'];
const host = 'www.example.com';
const requests = 20;

const edge: GatewayObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'edge' },
  spec: { gatewayClassName: 'traefik', listeners: [{ name: 'http', protocol: 'HTTP', port: 8000 }] },
};

const www = (backendRefs: BackendRef[]): HttpRouteObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'www' },
  spec: { parentRefs: [{ name: 'edge' }], hostnames: [host], rules: [{ backendRefs }] },
});

const resolved = `kubectl wait --for=jsonpath='{.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}'=True httproute/www --timeout=60s`;

export default defineExercise({
  title: 'A canary by weight',
  hints: [
    'One rule of an HTTPRoute can list several `backendRefs`; each takes a `weight`, and gets its weight divided by the sum of all of them.',
    'Without weights, every backend gets 1: an even split. 80 and 20 (or 4 and 1) send one request in five to the canary.',
    `An HTTPRoute \`www\` with \`parentRefs: [{name: edge}]\`, \`hostnames: [${host}]\` and \`rules: [{backendRefs: [{name: stable, port: 80, weight: 80}, {name: canary, port: 80, weight: 20}]}]\`.`,
  ],
  setup: `${startApps(...apps)}
${apply(edge)}
kubectl wait --for=condition=Programmed gateway/edge --timeout=60s`,
  solution: `${apply(www([
    { name: 'stable', port: 80, weight: 80 },
    { name: 'canary', port: 80, weight: 20 },
  ]))}
${resolved}`,
  cleanup: removeApps(apps, ['httproute/www', 'gateway/edge']),
  variants: [
    {
      name: 'weights 4 and 1, the canary listed first, a path match',
      apply: `${apply({
        ...www([]),
        spec: {
          parentRefs: [{ name: 'edge' }],
          hostnames: [host],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              backendRefs: [
                { name: 'canary', port: 80, weight: 1 },
                { name: 'stable', port: 80, weight: 4 },
              ],
            },
          ],
        },
      } satisfies HttpRouteObject)}
${resolved}`,
    },
  ],
  nearMisses: [
    {
      name: 'both backends without weights: an even split',
      apply: `${apply(www([{ name: 'stable', port: 80 }, { name: 'canary', port: 80 }]))}
${resolved}`,
      failsOn: 'weights',
    },
    {
      name: 'the weights the wrong way round',
      apply: `${apply(www([{ name: 'stable', port: 80, weight: 20 }, { name: 'canary', port: 80, weight: 80 }]))}
${resolved}`,
      failsOn: 'split',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const [answer] = await ingress.through(cluster, [{ host, expect: '^(stable|canary)-', repeat: requests }], { signal });
    const route = await httpRoute.read(cluster, 'www');
    return [
      httpRoute.accepted(route, 'www', 'edge'),
      httpRoute.weights(route, { stable: 80, canary: 20 }),
      httpRoute.split(answer?.more ?? [], { stable: 'stable', canary: 'canary', share: 20, tolerance: 10 }, {
        request: `${requests} requests for \`${host}\` through the Traefik Service`,
      }),
    ];
  },
});
