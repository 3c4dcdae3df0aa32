import { apply, defineExercise, ingress, type V1Ingress } from '@kubelab/labs';
import { removeApps, startApps } from '../apps.ts';

const apps = ['front', 'api', 'fallback'];
const host = 'app.example.com';
const served = `kubectl wait --for=jsonpath='{.status.loadBalancer.ingress}' ingress/app --timeout=60s`;

const backend = (name: string) => ({ service: { name, port: { name: 'http' } } });
const appIngress: V1Ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'app', labels: { app: 'app' } },
  spec: {
    ingressClassName: 'traefik',
    defaultBackend: backend('fallback'),
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

export default defineExercise({
  title: 'Paths and a default backend',
  hints: [
    'One rule for the host, with two paths; the default backend is not a rule but a field of its own (`spec.defaultBackend`, or `--default-backend` of `kubectl create ingress`).',
    'Mind the path types. `Prefix` `/api` matches `/api` and everything under it; `Exact` `/api` matches that one path only. `kubectl create ingress` makes `host/api` Exact and `host/api*` Prefix.',
    `\`kubectl create ingress app --rule='${host}/api*=api:80' --rule='${host}/*=front:80' --default-backend=fallback:80\``,
  ],
  setup: startApps(...apps),
  solution: `kubectl create ingress app --rule='${host}/api*=api:80' --rule='${host}/*=front:80' --default-backend=fallback:80
${served}`,
  cleanup: removeApps(apps, ['ingress/app']),
  variants: [
    {
      name: 'YAML: the class named, ports by name, `/api/` with its slash, the paths in the other order',
      apply: `${apply(appIngress)}
${served}`,
    },
  ],
  nearMisses: [
    {
      name: '/api as kubectl\'s default, Exact: /api/v1/info is not under it',
      apply: `kubectl create ingress app --rule='${host}/api=api:80' --rule='${host}/*=front:80' --default-backend=fallback:80`,
      failsOn: 'api-prefix',
    },
    {
      name: 'no default backend',
      apply: `kubectl create ingress app --rule='${host}/api*=api:80' --rule='${host}/*=front:80'`,
      failsOn: 'default-backend',
    },
    {
      name: 'the default backend taken for "everything else on the host": no rule for front',
      apply: `kubectl create ingress app --rule='${host}/api*=api:80' --default-backend=fallback:80`,
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
        request: 'A request for another host, `www.example.org`,',
        hint: 'Requests that match no rule go to the Ingress\'s default backend: `spec.defaultBackend` (`--default-backend=fallback:80`). Without one, Traefik answers them 404.',
      }),
    ];
  },
});
