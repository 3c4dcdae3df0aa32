/** The objects this lesson's exercises start from, and the steps their scripts share. */
import type { KubernetesObject, V1Namespace, V1Pod, V1Service } from '@kubelab/labs';

export const webImage = 'kubelab/web:1.0';

/** Small and explicit, so a workshop namespace's quota takes them whatever its LimitRange says. */
const resources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } };

export function namespace(name: string, labels?: Record<string, string>): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } };
}

/**
 * A kubelab/web pod serving HTTP on 5000 (named `http`); with `adminPort`, a second container serves the same app on
 * that port (named `admin`), a port the task keeps closed. Bare pods: a reset's `kubectl apply` brings back a
 * deleted one, or labels a learner changed, in a second.
 */
export function webPod(name: string, ns: string, labels: Record<string, string>, options: { adminPort?: number } = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'web', image: webImage, ports: [{ name: 'http', containerPort: 5000 }], resources },
        ...(options.adminPort
          ? [{ name: 'admin', image: webImage, env: [{ name: 'PORT', value: String(options.adminPort) }], ports: [{ name: 'admin', containerPort: options.adminPort }], resources }]
          : []),
      ],
    },
  };
}

/** A kubelab/toolbox pod that only waits: a client to `kubectl exec` curl and dig from. */
export function clientPod(name: string, ns: string, labels: Record<string, string>): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name, image: 'kubelab/toolbox:1.0', command: ['sleep', 'infinity'], resources }],
    },
  };
}

/** A ClusterIP Service on port 80 to the pods' `http` port, and any more [port, target port name]. */
export function webService(name: string, ns: string, selector: Record<string, string>, more: [number, string][] = []): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: {
      selector,
      ports: [
        { name: 'http', port: 80, targetPort: 'http' },
        ...more.map(([port, targetPort]) => ({ name: targetPort, port, targetPort })),
      ],
    },
  };
}

type Peer = { podSelector?: object; namespaceSelector?: object };
type Port = { protocol?: string; port?: number | string };

/**
 * A NetworkPolicy as its YAML reads. Not client-node's V1NetworkPolicy: that spells an ingress rule's `from` as
 * `_from`, and apply() writes an object as it is.
 */
export interface PolicySpec {
  podSelector: object;
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: { from?: Peer[]; ports?: Port[] }[];
  egress?: { to?: Peer[]; ports?: Port[] }[];
}

export function networkPolicy(name: string, ns: string, spec: PolicySpec, labels?: Record<string, string>): KubernetesObject & { spec: PolicySpec } {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns, ...(labels ? { labels } : {}) }, spec };
}

/** The policy every exercise after the first starts from: no pod of the namespace takes any connection. */
export const denyAll = (ns: string) => networkPolicy('deny-all', ns, { podSelector: {}, policyTypes: ['Ingress'] });

/** bash: wait until these pods of the namespace are ready. */
export function podsReady(ns: string, names: readonly string[]): string {
  return `kubectl wait --for=condition=Ready -n ${ns} ${names.map((name) => `pod/${name}`).join(' ')} --timeout=120s`;
}

/**
 * bash, the usual cleanup: every NetworkPolicy of the namespace goes, and the setup after it applies the pods and
 * the starting policies again (a second when nothing else changed, where deleting the namespace took many).
 */
export function deletePolicies(ns: string): string {
  return `kubectl delete networkpolicy --all -n ${ns} --ignore-not-found`;
}
