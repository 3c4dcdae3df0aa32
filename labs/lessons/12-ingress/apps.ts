import { apply, type V1Deployment, type V1Service } from '@kubelab/labs';

/**
 * The little web apps the ingress lesson routes traffic to: one Deployment (one pod of kubelab/web, which answers
 * on port 5000 and says which pod it is at /api/v1/info) and one ClusterIP Service of the same name (port 80,
 * named `http`, to the pods' port 5000) per name. Each exercise's setup makes its own, so Reset touches nothing
 * of another exercise, and the checks tell the apps apart by the pod name in the answer.
 */
export function webApps(...names: [string, ...string[]]): string {
  const objects: (V1Deployment | V1Service)[] = names.flatMap((name): (V1Deployment | V1Service)[] => [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: { app: name } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'web',
                image: 'kubelab/web:1.0',
                ports: [{ name: 'http', containerPort: 5000 }],
                readinessProbe: { httpGet: { path: '/api/v1/health', port: 'http' }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels: { app: name } },
      spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  ]);
  return `${apply(objects)}
kubectl rollout status ${names.map((name) => `deployment/${name}`).join(' ')} --timeout=120s`;
}

/** The objects webApps() makes, for a cleanup's deletes(). */
export const appObjects = (...names: string[]): string[] => names.flatMap((name) => [`deployment/${name}`, `service/${name}`]);
