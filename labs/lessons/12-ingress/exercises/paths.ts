import { apply, defineExercise, ingress, type V1Ingress } from '@kubelab/labs';
import { nodeIP, removeApps, startApps, untilServed } from '../apps.ts';

const apps = ['front', 'api', 'fallback'];
const host = 'app.example.com';
const served = `${nodeIP}
${untilServed(host)}
${untilServed('www.example.org')}`;

const backend = (name: string) => ({ service: { name, port: { name: 'http' } } });
const appIngress: V1Ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'app', labels: { app: 'app' } },
  spec: {
    ingressClassName: 'traefik',
    rules: [
      {
        host,
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: backend('front') },
            { path: '/api/', pathType: 'Prefix', backend: backend('api') },
          ],
        },
      },
    ],
  },
};
const catchAll: V1Ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'catch-all' },
  spec: { ingressClassName: 'traefik', defaultBackend: backend('fallback') },
};

export default defineExercise({
  title: 'Paths and a default backend',
  hints: [
    'The host gets one rule with two paths. Mind the path types: `Prefix` `/api` matches `/api` and everything under it, `Exact` `/api` only that path. `kubectl create ingress` makes `host/api` Exact and `host/api*` Prefix.',
    'Traefik takes a default backend only from an Ingress that has no rules at all, and one such Ingress for the whole cluster: put it in an Ingress of its own (`kubectl create ingress <name> --default-backend=fallback:80`).',
    `\`kubectl create ingress app --rule='${host}/api*=api:80' --rule='${host}/*=front:80'\`, then \`kubectl create ingress fallback --default-backend=fallback:80\`.`,
  ],
  setup: startApps(...apps),
  solution: `kubectl create ingress app --rule='${host}/api*=api:80' --rule='${host}/*=front:80'
kubectl create ingress fallback --default-backend=fallback:80
${served}`,
  cleanup: removeApps(apps, ['ingress/app', 'ingress/fallback', 'ingress/catch-all']),
  variants: [
    {
      name: 'YAML: the class named, ports by name, `/api/` with its slash, the paths in the other order, the default backend in an Ingress `catch-all`',
      apply: `${apply([appIngress, catchAll])}
${served}`,
    },
  ],
  nearMisses: [
    {
      name: '/api as kubectl\'s default, Exact: /api/v1/info is not under it',
      apply: `kubectl create ingress app --rule='${host}/api=api:80' --rule='${host}/*=front:80'
kubectl create ingress fallback --default-backend=fallback:80`,
      failsOn: 'api-prefix',
    },
    {
      name: 'the default backend in the Ingress that has the rules, which Traefik ignores',
      apply: `kubectl create ingress app --rule='${host}/api*=api:80' --rule='${host}/*=front:80' --default-backend=fallback:80`,
      failsOn: 'default-backend',
    },
    {
      name: 'the default backend taken for "everything else on the host": no rule for front',
      apply: `kubectl create ingress app --rule='${host}/api*=api:80'
kubectl create ingress fallback --default-backend=fallback:80`,
      failsOn: 'front',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const target = await ingress.read(cluster, 'app');
    const [home, api, other] = await ingress.through(
      cluster,
      [
        { host, path: '/', expect: '^front-' },
        { host, path: '/api/v1/info', expect: '"hostname":"api-' },
        { host: 'www.example.org', path: '/', expect: '^fallback-' },
      ],
      { signal },
    );
    return [
      ingress.exists(target, 'app'),
      ingress.routes(home, 'front', { id: 'front', request: `\`${host}/\`` }),
      ingress.routes(api, 'api', {
        id: 'api-prefix',
        request: `\`${host}/api/v1/info\``,
        hint: 'Everything under `/api` goes to `api`: that is a `Prefix` path. An `Exact` `/api` matches `/api` only, so `/api/v1/info` falls through to another rule or the default backend.',
      }),
      ingress.routes(other, 'fallback', {
        id: 'default-backend',
        request: 'A request no rule matches (for the host `www.example.org`)',
        hint: 'Traefik answers requests no rule matches with the default backend of an Ingress that has no rules (`kubectl create ingress fallback --default-backend=fallback:80`); a `defaultBackend` next to rules it ignores. Without one, Traefik answers 404.',
      }),
    ];
  },
});
