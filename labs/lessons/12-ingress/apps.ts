import { apply, deletes, type V1Deployment, type V1Service } from '@kubelab/labs';

/**
 * The backends of the Ingress lesson: one small kubelab/web Deployment per name, each behind a Service of the same
 * name on port 80 (named `http`) to the pods' port 5000. A pod of `blog` answers `/` with its own name,
 * `blog-<hash>-<id>`, so a check tells which Service a request reached. Requests and limits of their own, small
 * ones: a lab starts every exercise's backends at once, and with a workshop LimitRange's defaults (1Gi of ephemeral
 * storage each) nine pods would outgrow the namespace's quota.
 */
export function webApp(name: string): [V1Deployment, V1Service] {
  const labels = { app: name };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'web',
                image: 'kubelab/web:1.0',
                ports: [{ name: 'http', containerPort: 5000 }],
                readinessProbe: { httpGet: { path: '/api/v1/health', port: 5000 }, periodSeconds: 2 },
                resources: { requests: { cpu: '10m', memory: '16Mi', 'ephemeral-storage': '16Mi' }, limits: { cpu: '100m', memory: '48Mi', 'ephemeral-storage': '64Mi' } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  ];
}

/** The apps applied, and waited for until each has a ready pod. */
export function startApps(...names: string[]): string {
  return `${apply(names.flatMap(webApp))}
${names.map((name) => `kubectl rollout status deployment/${name} --timeout=120s`).join('\n')}`;
}

/** Deletes the apps (and, first, whatever else the exercise made: `kind/name` as deletes() takes them). */
export function removeApps(names: string[], others: string[] = []): string {
  const objects = [...others, ...names.flatMap((name) => [`deployment/${name}`, `service/${name}`])];
  return deletes(objects[0]!, ...objects.slice(1));
}

/** The first node's address, where Traefik answers on ports 30800 and 30843, as the page has the learner set it. */
export const nodeIP = `NODE_IP=$(kubectl get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')`;

/**
 * Waits until Traefik routes `host` (it loads a new Ingress a moment after it is made, and writes nothing in its
 * status for a NodePort Service to wait on): curl through the node's port, as the learner tries it, trying again
 * while Traefik still answers 404.
 */
export function untilServed(host: string, options: { https?: boolean } = {}): string {
  const target = options.https ? `-k --resolve ${host}:30843:$NODE_IP https://${host}:30843/` : `-H 'Host: ${host}' http://$NODE_IP:30800/`;
  return `curl -sS --fail --retry 15 --retry-all-errors --retry-delay 1 ${target}`;
}
