import { apply, defineExercise, deletes, formatRoute, ingress, type V1Ingress } from '@kubelab/labs';
import { appObjects, webApps } from '../apps.ts';

const host = 'web.kubelab.test';

function webIngress(spec: Partial<V1Ingress['spec']> & object, labels: Record<string, string> = {}): V1Ingress {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', labels }, spec };
}

export default defineExercise({
  title: 'One host, one Service',
  hints: [
    '`kubectl create ingress --help` shows the `--rule` syntax: `host/path=service:port`. The Service `web` listens on port 80.',
    'A path ending in `*` (`/*`) becomes `pathType: Prefix` and takes every path; without the `*` it is `Exact` and takes only that one path. `--class=traefik` names the IngressClass.',
    '`kubectl create ingress web --class=traefik --rule="web.kubelab.test/*=web:80"`, then try it: `curl -H "Host: web.kubelab.test" http://$NODE_IP:30800/api/v1/info`.',
  ],
  setup: webApps('web'),
  solution: `kubectl create ingress web --class=traefik --rule="${host}/*=web:80"`,
  cleanup: deletes('ingress/web', ...(appObjects('web') as [string, ...string[]])),
  variants: [
    {
      name: 'hand-written YAML: no ingressClassName (the default class), the Service port by name, extra labels',
      apply: apply(
        webIngress(
          { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }] },
          { app: 'web', tier: 'edge' },
        ),
      ),
    },
    {
      name: 'pathType ImplementationSpecific, the class by ingressClassName',
      apply: apply(
        webIngress({
          ingressClassName: 'traefik',
          rules: [{ host, http: { paths: [{ path: '/', pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
        }),
      ),
    },
  ],
  nearMisses: [
    {
      name: 'an IngressClass from another tutorial (nginx), which no controller here serves',
      apply: `kubectl create ingress web --class=nginx --rule="${host}/*=web:80"`,
      failsOn: 'class',
    },
    {
      name: 'no host: a rule for every host',
      apply: `kubectl create ingress web --class=traefik --rule="/*=web:80"`,
      failsOn: 'host',
    },
    {
      name: 'the path without `*`: Exact `/`, so /api/v1/info finds no route',
      apply: `kubectl create ingress web --class=traefik --rule="${host}/=web:80"`,
      failsOn: 'answer',
    },
  ],
  check: async (cluster, signal) => {
    const target = await ingress.read(cluster, 'web');
    const choice = await ingress.classOf(cluster, target);
    const routes = ingress.routes(target);
    const forHost = routes.filter((r) => r.host === host && r.service === 'web');
    const answer = await ingress.via(cluster, { host, path: '/api/v1/info', signal, good: (a) => a.status === 200, timeoutMs: forHost.length && choice.controller === 'traefik.io/ingress-controller' ? 6_000 : 0 });
    return [
      {
        id: 'exists',
        description: 'An Ingress named `web` exists in namespace `default`',
        passed: target !== null,
        expected: 'ingress/web',
        actual: target ? 'ingress/web' : 'no such Ingress',
        hint: '`kubectl get ingress` lists them; `kubectl create ingress web …` makes one.',
      },
      {
        id: 'class',
        description: 'The Ingress belongs to the IngressClass of Traefik, the controller this cluster runs',
        passed: choice.controller === 'traefik.io/ingress-controller',
        expected: 'class traefik (controller traefik.io/ingress-controller), named or by default',
        actual: !target
          ? 'no Ingress'
          : choice.name
            ? `class ${choice.name} (${choice.via === 'default' ? 'the default class' : `from ${choice.via}`}${choice.controller ? `, controller ${choice.controller}` : ', no such IngressClass: no controller will read this Ingress'})`
            : 'no class, and no default class',
        hint: '`kubectl get ingressclass` lists the classes this cluster has. Name `traefik` with `--class=traefik` (`spec.ingressClassName`), or leave it out: `traefik` is the default class.',
      },
      {
        id: 'host',
        description: `A rule for the host \`${host}\` sends requests to the Service \`web\``,
        passed: forHost.length > 0 && routes.every((r) => r.host !== ''),
        expected: `${host}/… → web:80`,
        actual: !target ? 'no Ingress' : routes.length ? routes.map(formatRoute).join('; ') : 'no rules',
        hint: `Every rule needs \`host: ${host}\`; a rule without a host answers for any name the request carries.`,
      },
      ingress.answeredBy(answer, 'web', 'a pod of the Service `web`', {
        hint: `Traefik answers 404 when no rule matches. The rule must take every path of ${host} (\`pathType: Prefix\`, path \`/\`) and send it to the Service \`web\` on its port 80.`,
      }),
    ];
  },
});
