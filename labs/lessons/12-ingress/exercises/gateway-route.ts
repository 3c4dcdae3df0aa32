import { apply, defineExercise, gateway, httpRoute, ingress, type GatewayObject, type HttpRouteObject } from '@kubelab/labs';
import { removeApps, startApps } from '../apps.ts';

const apps = ['store'];
const host = 'store.example.com';

const publicGateway = (port = 8000, listener: { hostname?: string; allowedRoutes?: unknown } = {}): GatewayObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'public' },
  spec: { gatewayClassName: 'traefik', listeners: [{ name: 'http', protocol: 'HTTP', port, ...listener }] },
});

const storeRoute = (parent = 'public'): HttpRouteObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'store' },
  spec: { parentRefs: [{ name: parent }], hostnames: [host], rules: [{ backendRefs: [{ name: 'store', port: 80 }] }] },
});

const accepted = `kubectl wait --for=condition=Programmed gateway/public --timeout=60s
kubectl wait --for=jsonpath='{.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}'=True httproute/store --timeout=60s`;

export default defineExercise({
  title: 'A Gateway and an HTTPRoute',
  hints: [
    '`kubectl get gatewayclass` shows the class `traefik`. A Gateway names it and lists its listeners; an HTTPRoute names its Gateway in `parentRefs`.',
    'Traefik programs a listener only on the port of one of its entrypoints: HTTP on port 8000 (its web entrypoint, which the node\'s port 30800 leads to). Port 80 is refused.',
    `A Gateway \`public\` with \`gatewayClassName: traefik\` and \`listeners: [{name: http, protocol: HTTP, port: 8000}]\`; an HTTPRoute \`store\` with \`parentRefs: [{name: public}]\`, \`hostnames: [${host}]\` and \`rules: [{backendRefs: [{name: store, port: 80}]}]\`.`,
  ],
  setup: startApps(...apps),
  solution: `${apply([publicGateway(), storeRoute()])}
${accepted}`,
  cleanup: removeApps(apps, ['httproute/store', 'gateway/public']),
  variants: [
    {
      name: 'a listener for *.example.com that admits routes of its namespace, the route on that listener with a path match',
      apply: `${apply([
        publicGateway(8000, { hostname: '*.example.com', allowedRoutes: { namespaces: { from: 'Same' } } }),
        {
          ...storeRoute(),
          metadata: { name: 'store', labels: { app: 'store' } },
          spec: {
            parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', sectionName: 'http' }],
            hostnames: [host],
            rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ kind: 'Service', name: 'store', port: 80, weight: 1 }] }],
          },
        } satisfies HttpRouteObject,
      ])}
${accepted}`,
    },
  ],
  nearMisses: [
    {
      name: 'the listener on port 80, where Traefik has no entrypoint',
      apply: apply([publicGateway(80), storeRoute()]),
      failsOn: 'listener',
    },
    {
      name: 'the route\'s parentRef names the GatewayClass, not the Gateway',
      apply: `${apply([publicGateway(), storeRoute('traefik')])}
kubectl wait --for=condition=Programmed gateway/public --timeout=60s`,
      failsOn: 'route',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    // The request first: it waits a few seconds for a route Traefik has not loaded yet, and by then the statuses are written.
    const [answer] = await ingress.through(cluster, [{ host, expect: '^store-' }], { signal });
    const [gw, route] = await Promise.all([gateway.read(cluster, 'public'), httpRoute.read(cluster, 'store')]);
    return [
      gateway.exists(gw, 'public'),
      gateway.programmed(gw),
      httpRoute.accepted(route, 'store', 'public'),
      ingress.routes(answer, 'store', {
        id: 'store-host',
        request: `\`${host}\` through the Traefik Service`,
        hint: `Try it: \`curl -sS -H 'Host: ${host}' http://$NODE_IP:30800/\`. Traefik's "404 page not found" means no route of an accepted Gateway has that host; a 500 means the route's backend (the Service's name or port) is wrong: \`kubectl describe httproute store\`.`,
      }),
    ];
  },
});
