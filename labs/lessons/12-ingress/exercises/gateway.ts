import { apply, defineExercise, deletes, formatConditions, gateway, ingress } from '@kubelab/labs';
import { appObjects, webApps } from '../apps.ts';

const host = 'app.kubelab.test';

const labGateway = (port = 8000, gatewayClassName = 'traefik', extra: object = {}) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'lab-gateway' },
  spec: { gatewayClassName, listeners: [{ name: 'http', protocol: 'HTTP', port, ...extra }] },
});

const appRoute = (parent = 'lab-gateway', extra: { parentRef?: object; rule?: object; labels?: Record<string, string> } = {}) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'app', ...(extra.labels ? { labels: extra.labels } : {}) },
  spec: {
    parentRefs: [{ name: parent, ...extra.parentRef }],
    hostnames: [host],
    rules: [{ ...extra.rule, backendRefs: [{ name: 'app', port: 80 }] }],
  },
});

const settle = `kubectl wait --for=condition=Programmed gateway/lab-gateway --timeout=60s
kubectl wait --for=jsonpath='{.status.parents[0].conditions[?(@.type=="Accepted")].status}'=True httproute/app --timeout=60s`;

export default defineExercise({
  title: 'A Gateway and an HTTPRoute',
  hints: [
    '`kubectl explain gateway.spec.listeners` and `kubectl explain httproute.spec` list the fields. A Gateway names its class and its listeners; a route names its Gateway in `parentRefs`.',
    'The listener is `{name: http, protocol: HTTP, port: 8000}`: Traefik accepts a listener only on a port it has an entrypoint for, and 8000 is its web entrypoint. Then `kubectl get gateway` shows PROGRAMMED True.',
    `The HTTPRoute \`app\`: \`parentRefs: [{name: lab-gateway}]\`, \`hostnames: [${host}]\`, \`rules: [{backendRefs: [{name: app, port: 80}]}]\`.`,
  ],
  setup: webApps('app'),
  solution: `${apply([labGateway(), appRoute()])}
${settle}`,
  cleanup: deletes('httproute/app', 'gateway/lab-gateway', ...appObjects('app')),
  variants: [
    {
      name: 'everything spelt out: sectionName, allowedRoutes, a PathPrefix match, the backend kind and group, labels',
      apply: `${apply([
        labGateway(8000, 'traefik', { allowedRoutes: { namespaces: { from: 'Same' } } }),
        appRoute('lab-gateway', {
          parentRef: { sectionName: 'http', kind: 'Gateway', group: 'gateway.networking.k8s.io' },
          rule: { matches: [{ path: { type: 'PathPrefix', value: '/' } }] },
          labels: { app: 'app', team: 'shop' },
        }),
      ])}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'the listener on port 80, as most examples write it (no Traefik entrypoint there)',
      apply: `${apply([labGateway(80), appRoute()])}
sleep 2`,
      failsOn: 'programmed',
    },
    {
      name: 'a GatewayClass from another tutorial (nginx), which no controller here serves',
      apply: `${apply([labGateway(8000, 'nginx'), appRoute()])}
sleep 2`,
      failsOn: 'class',
    },
    {
      name: 'the route names a Gateway that does not exist (gateway)',
      apply: `${apply([labGateway(), appRoute('gateway')])}
kubectl wait --for=condition=Programmed gateway/lab-gateway --timeout=60s`,
      failsOn: 'attached',
    },
  ],
  check: async (cluster, signal) => {
    const gw = await gateway.read(cluster, 'gateways', 'lab-gateway');
    const route = await gateway.read(cluster, 'httproutes', 'app');
    const className = (gw as { spec?: { gatewayClassName?: string } } | null)?.spec?.gatewayClassName;
    const programmed = gw?.status?.conditions?.find((c) => c.type === 'Programmed');
    const problems = gateway.listenerProblems(gw);
    const attached = gateway.attached(route, 'lab-gateway');
    const answer = await ingress.via(cluster, {
      host,
      path: '/api/v1/info',
      signal,
      timeoutMs: programmed?.status === 'True' && attached.passed ? 6_000 : 0,
      good: (a) => a.status === 200,
    });
    return [
      {
        id: 'class',
        description: 'A Gateway `lab-gateway` of the GatewayClass `traefik` exists',
        passed: className === 'traefik',
        expected: 'gateway/lab-gateway, gatewayClassName: traefik',
        actual: gw ? `gatewayClassName: ${className ?? 'not set'}` : 'no Gateway lab-gateway',
        hint: '`kubectl get gatewayclass` lists the classes this cluster has: `traefik` is the only one.',
      },
      {
        id: 'programmed',
        description: 'Traefik accepted the Gateway and programmed its listener (condition Programmed=True)',
        passed: programmed?.status === 'True',
        expected: 'Programmed=True',
        actual: !gw ? 'no Gateway' : [formatConditions(gw.status?.conditions), ...problems].join('; '),
        hint: '`kubectl describe gateway lab-gateway` shows why a listener was refused. Traefik takes HTTP listeners on port 8000 (its web entrypoint), not 80.',
      },
      attached,
      ingress.answeredBy(answer, 'app', 'a pod of the Service `app`', {
        hint: `The route must carry the hostname ${host} and send it to the Service \`app\` on port 80 (a backendRef needs the port).`,
      }),
    ];
  },
});
