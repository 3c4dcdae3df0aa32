import { apply, defineExercise, deletes, formatRoute, ingress, isPodOf, type V1Ingress } from '@kubelab/labs';
import { appObjects, webApps } from '../apps.ts';

const host = 'shop.kubelab.test';
const elsewhere = 'nowhere.kubelab.test';
const backend = (name: string) => ({ service: { name, port: { number: 80 } } });

function shopIngress(paths: { path: string; pathType: string; service: string }[], extra: Partial<V1Ingress['spec']> = {}): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop' },
    spec: { ...extra, rules: [{ host, http: { paths: paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: backend(p.service) })) } }] },
  };
}

const fallbackIngress: V1Ingress = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'fallback' }, spec: { defaultBackend: backend('fallback') } };

const shopPaths = [
  { path: '/', pathType: 'Exact', service: 'front' },
  { path: '/api', pathType: 'Prefix', service: 'api' },
];

export default defineExercise({
  title: 'Paths, Exact and Prefix, and a default backend',
  hints: [
    'Two Ingresses: `shop` with one host and two paths, and `fallback` with nothing but `spec.defaultBackend`. `kubectl create ingress --help` has examples of both.',
    'With `kubectl create ingress`, `--rule="host/path=service:port"` is an Exact path and `--rule="host/path*=service:port"` a Prefix; `--default-backend=service:port` writes `spec.defaultBackend`. Traefik uses a default backend only from an Ingress without rules.',
    `\`kubectl create ingress shop --rule="${host}/=front:80" --rule="${host}/api*=api:80"\` and \`kubectl create ingress fallback --default-backend=fallback:80\`.`,
  ],
  setup: webApps('front', 'api', 'fallback'),
  solution: apply([shopIngress(shopPaths), fallbackIngress]),
  cleanup: deletes('ingress/shop', 'ingress/fallback', ...appObjects('front', 'api', 'fallback')),
  variants: [
    {
      name: 'with kubectl create ingress: `/` (Exact), `/api*` (Prefix), --default-backend',
      apply: `kubectl create ingress shop --class=traefik --rule="${host}/=front:80" --rule="${host}/api*=api:80"
kubectl create ingress fallback --default-backend=fallback:80`,
    },
    {
      name: 'the paths in the other order, the api prefix written with a trailing slash',
      apply: apply([
        shopIngress([
          { path: '/api/', pathType: 'Prefix', service: 'api' },
          { path: '/', pathType: 'Exact', service: 'front' },
        ]),
        fallbackIngress,
      ]),
    },
  ],
  nearMisses: [
    {
      name: '`/api` as Exact: /api/v1/info matches no rule and falls to the default backend',
      apply: apply([
        shopIngress([
          { path: '/', pathType: 'Exact', service: 'front' },
          { path: '/api', pathType: 'Exact', service: 'api' },
        ]),
        fallbackIngress,
      ]),
      failsOn: 'api',
    },
    {
      name: '`/` as Prefix: the home page rule swallows every path the others do not take',
      apply: apply([
        shopIngress([
          { path: '/', pathType: 'Prefix', service: 'front' },
          { path: '/api', pathType: 'Prefix', service: 'api' },
        ]),
        fallbackIngress,
      ]),
      failsOn: 'exact',
    },
    {
      name: 'the default backend inside the Ingress `shop` (Traefik ignores it there)',
      apply: apply(shopIngress(shopPaths, { defaultBackend: backend('fallback') })),
      failsOn: 'default',
    },
  ],
  check: async (cluster, signal) => {
    const shop = await ingress.read(cluster, 'shop');
    const routes = ingress.routes(shop).filter((r) => r.host === host);
    const home = routes.find((r) => r.path === '/');
    const ok = (deployment: string) => (a: { status?: number; pod?: string }) => a.status === 200 && isPodOf(a.pod, deployment);
    const wait = shop ? 6_000 : 0;
    const front = await ingress.via(cluster, { host, path: '/', signal, good: ok('front'), timeoutMs: wait });
    const api = await ingress.via(cluster, { host, path: '/api/v1/info', signal, good: ok('api'), timeoutMs: wait });
    const other = await ingress.via(cluster, { host: elsewhere, path: '/api/v1/info', signal, good: ok('fallback'), timeoutMs: wait ? 4_000 : 0 });
    return [
      {
        id: 'exists',
        description: `An Ingress named \`shop\` has rules for the host \`${host}\``,
        passed: routes.length > 0,
        expected: `ingress/shop with rules for ${host}`,
        actual: !shop ? 'no Ingress shop' : ingress.routes(shop).map(formatRoute).join('; ') || 'no rules',
        hint: '`kubectl get ingress shop -o yaml` shows its rules; every rule needs the host.',
      },
      ingress.answeredBy(front, 'front', 'the Service `front`', { id: 'home', hint: 'The path `/` must go to the Service `front`.' }),
      {
        id: 'exact',
        description: 'The home page rule takes exactly `/` (pathType Exact), nothing below it',
        passed: home?.pathType === 'Exact' && home.service === 'front',
        expected: `${host}/ (Exact) → front`,
        actual: home ? formatRoute(home) : 'no rule for the path /',
        hint: '`pathType: Prefix` with path `/` matches every path, so it would catch what belongs to the default backend. Use `pathType: Exact` (`--rule="host/=front:80"`, no `*`).',
      },
      ingress.answeredBy(api, 'api', 'the Service `api`', {
        id: 'api',
        hint: '`/api` and every path below it, such as `/api/v1/info`, must go to `api`: `pathType: Prefix` (`--rule="host/api*=api:80"`). `Exact` takes `/api` alone.',
      }),
      ingress.answeredBy(other, 'fallback', 'the default backend, the Service `fallback` (no rule names that host)', {
        id: 'default',
        hint: 'Make an Ingress `fallback` with only `spec.defaultBackend` (`kubectl create ingress fallback --default-backend=fallback:80`). Traefik ignores `defaultBackend` in an Ingress that also has rules.',
      }),
    ];
  },
});
