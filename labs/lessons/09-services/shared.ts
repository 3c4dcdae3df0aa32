import type { V1Container, V1Deployment } from '@kubelab/labs';

export const image = 'kubelab/web:1.0';
export const health = '/api/v1/health';

/** A kubelab/web container listening on 5000, ready once /api/v1/health answers (so endpoints follow readiness). */
export function webContainer(port: { name?: string } = {}): V1Container {
  return {
    name: 'web',
    image,
    ports: [{ containerPort: 5000, ...(port.name ? { name: port.name } : {}) }],
    readinessProbe: { httpGet: { path: health, port: 5000 }, periodSeconds: 2 },
  };
}

/** The Deployment a setup starts from: `replicas` pods labelled `labels`, one web container. */
export function webDeployment(name: string, labels: Record<string, string>, options: { replicas?: number; portName?: string; namespace?: string } = {}): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels, ...(options.namespace ? { namespace: options.namespace } : {}) },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, containers: [webContainer({ name: options.portName })] } },
    },
  };
}

/** Waits (bash) until the Service's EndpointSlices list at least `count` ready addresses, for at most 60 s. */
export function waitForEndpoints(service: string, count = 1, namespace = 'default'): string {
  return `for i in $(seq 60); do
  n=$(kubectl get endpointslices -n ${namespace} -l kubernetes.io/service-name=${service} -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{"\\n"}{end}' | grep -c . || true)
  [ "$n" -ge ${count} ] && break
  sleep 1
done`;
}

/** The container port a Service's targetPort stands for: a number as it is, a name through the containers' ports. */
export function resolveTargetPort(targetPort: number | string | undefined, port: number, containers: readonly V1Container[]): number | undefined {
  const value = targetPort ?? port;
  if (typeof value === 'number') return value;
  if (/^\d+$/.test(value)) return Number(value);
  return containers.flatMap((c) => c.ports ?? []).find((p) => p.name === value)?.containerPort;
}
