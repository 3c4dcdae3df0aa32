import { apply, defineExercise, ingress, type V1Ingress } from '@kubelab/labs';
import { nodeIP, removeApps, startApps, untilServed } from '../apps.ts';

const apps = ['blog', 'shop'];

const served = `${nodeIP}
${untilServed('shop.example.com')}`;

const sites = (spec: V1Ingress['spec'], annotations?: Record<string, string>): V1Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'sites', ...(annotations ? { annotations } : {}) },
  spec,
});

const rule = (host: string, service: string, port: { number: number } | { name: string } = { number: 80 }) => ({
  host,
  http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port } } }] },
});

export default defineExercise({
  title: 'Two sites, one address',
  hints: [
    '`kubectl create ingress --help` shows its `--rule` flag: one rule per host, `host/path=service:port`.',
    'A rule routes a host to a Service on the Service\'s port (80 here), not the pods\' 5000. Leave the class out (traefik is the default) or say `--class=traefik`.',
    '`kubectl create ingress sites --rule=\'blog.example.com/*=blog:80\' --rule=\'shop.example.com/*=shop:80\'`, then `curl -H \'Host: blog.example.com\' http://$NODE_IP:30800/`.',
  ],
  setup: startApps(...apps),
  solution: `kubectl create ingress sites --rule='blog.example.com/*=blog:80' --rule='shop.example.com/*=shop:80'
${served}`,
  cleanup: removeApps(apps, ['ingress/sites']),
  variants: [
    {
      name: 'YAML with the class named, Prefix paths, the Service port by its name, an annotation',
      apply: `${apply(sites({ ingressClassName: 'traefik', rules: [rule('shop.example.com', 'shop', { name: 'http' }), rule('blog.example.com', 'blog', { name: 'http' })] }, { owner: 'web-team' }))}
${served}`,
    },
  ],
  nearMisses: [
    {
      name: 'ingressClassName nginx, copied from a tutorial',
      apply: `kubectl create ingress sites --class=nginx --rule=blog.example.com/=blog:80 --rule=shop.example.com/=shop:80`,
      failsOn: 'ingress-class',
    },
    {
      name: 'the pods\' port 5000 instead of the Service\'s 80',
      apply: `kubectl create ingress sites --rule=blog.example.com/=blog:5000 --rule=shop.example.com/=shop:5000`,
      failsOn: 'blog-host',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const target = await ingress.read(cluster, 'sites');
    const [blog, shop, fromNode] = await ingress.through(
      cluster,
      [
        { host: 'blog.example.com', expect: '^blog-' },
        { host: 'shop.example.com', expect: '^shop-' },
        { host: 'blog.example.com', via: 'node', expect: '^blog-' },
      ],
      { signal },
    );
    return [
      ingress.exists(target, 'sites'),
      ingress.className(target),
      ingress.routes(blog, 'blog', { id: 'blog-host', request: '`blog.example.com` through the Traefik Service' }),
      ingress.routes(shop, 'shop', { id: 'shop-host', request: '`shop.example.com` through the Traefik Service' }),
      ingress.routes(fromNode, 'blog', {
        id: 'node-port',
        request: '`blog.example.com` through the node\'s port 30800 (as from outside the cluster)',
        hint: 'Traefik listens on port 30800 of every node: `curl -H \'Host: blog.example.com\' http://$NODE_IP:30800/`. If the Service works but this does not, look at `kubectl get svc traefik -n traefik`.',
      }),
    ];
  },
});
