import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { V1Ingress, V1IngressBackend, V1IngressClass, V1Secret } from '@kubernetes/client-node';
import { getOrNull, type CheckContext } from './context.ts';
import { readCustomObject, type AnyObject, type ObjectCondition } from './api.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import type { Criterion } from './types.ts';

/**
 * Ingress and Gateway API checks that see traffic: requests from the checker's own process to the ingress
 * controller's NodePort on a node, with the Host header (or, for HTTPS, the SNI server name) a browser would send,
 * so a check can say "GET http://172.18.0.2:30800/api/v1/info with Host web.kubelab.test: HTTP 200 from pod
 * web-7d9c…". Node's fetch() cannot set Host, hence node:http and node:https.
 */

/** Where the course's ingress controller (Traefik, lab-runner/providers/kind/addons/traefik.yaml) answers on every node. */
export const ingressNodePorts = { http: 30800, https: 30843 } as const;

/** The Gateway API group and version the course's CRDs serve (standard channel). */
export const gatewayApi = { group: 'gateway.networking.k8s.io', version: 'v1' } as const;

/** The certificate a TLS server presented, as a check reports it. */
export interface ServedCertificate {
  subject: string;
  /** "DNS:secure.kubelab.test, DNS:*.kubelab.test", or undefined when the certificate has none. */
  subjectAltName?: string;
  /** SHA-256 fingerprint (colon-separated hex), to compare with a Secret's certificate. */
  fingerprint256: string;
}

/** One request through the ingress controller, and what came back. */
export interface IngressAnswer {
  /** "GET http://172.18.0.2:30800/api/v1/info with Host web.kubelab.test". */
  request: string;
  /** The HTTP status; undefined when no HTTP answer came (refused, reset, timed out, TLS failure). */
  status?: number;
  /** The start of the body (at most 4 KiB), or why nothing came back. */
  body: string;
  /** For HTTPS: the certificate the server presented. */
  certificate?: ServedCertificate;
  /** The pod that answered, from kubelab/web's answer (its /api/v1/info JSON, or the hostname line of GET /). */
  pod?: string;
}

/** The first node's InternalIP (`kubectl get nodes -o wide`), where a NodePort answers; undefined when none has one. */
export async function nodeAddress(cluster: CheckContext): Promise<string | undefined> {
  const nodes = (await cluster.core.listNode()).items;
  for (const node of nodes) {
    const address = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (address) return address;
  }
  return undefined;
}

/**
 * The pod that answered, from kubelab/web's body: `{"hostname": "web-7d9c…"}` (GET /api/v1/info) or the bare
 * hostname line of GET /. Undefined for anything else (Traefik's "404 page not found", an HTML page).
 */
export function answeringPod(body: string): string | undefined {
  const text = body.trim();
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { hostname?: unknown }).hostname === 'string') return (parsed as { hostname: string }).hostname;
  } catch {
    // not JSON: maybe the hostname line of GET /
  }
  return /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(text) ? text : undefined;
}

/** Whether `pod` is a pod of the Deployment `deployment` (named `<deployment>-<template hash>-<suffix>`). */
export function isPodOf(pod: string | undefined, deployment: string): boolean {
  if (!pod?.startsWith(`${deployment}-`)) return false;
  return /^[a-z0-9]+-[a-z0-9]+$/.test(pod.slice(deployment.length + 1));
}

/** "HTTP 200 from pod web-7d9c…-x2x4z", "HTTP 404: 404 page not found", "no answer (ECONNREFUSED)". */
export function describeAnswer(answer: Pick<IngressAnswer, 'status' | 'body' | 'pod'>): string {
  if (answer.status === undefined) return `no answer (${answer.body})`;
  if (answer.pod) return `HTTP ${answer.status} from pod ${answer.pod}`;
  const flat = answer.body.replace(/\s+/g, ' ').trim();
  return `HTTP ${answer.status}${flat ? `: ${flat.length > 100 ? `${flat.slice(0, 99)}…` : flat}` : ''}`;
}

function certificateOf(response: IncomingMessage): ServedCertificate | undefined {
  const socket = response.socket as Partial<TLSSocket> | null;
  const peer = socket?.getPeerCertificate?.();
  if (!peer?.raw) return undefined;
  const certificate = new X509Certificate(peer.raw);
  return { subject: certificate.subject.replace(/\n/g, ', '), subjectAltName: certificate.subjectAltName, fingerprint256: certificate.fingerprint256 };
}

/**
 * GETs `path` from `address:port` as if from `host`: the Host header for HTTP, and for HTTPS also the SNI server
 * name, with certificate verification off (a lab's certificate is self-signed) but the presented certificate kept,
 * so the check can compare it with the learner's Secret. Never throws: a refused port or a timeout is an answer.
 */
/** The most of an answer's body kept; reading stops there. */
const maxAnswerBytes = 4096;

export function requestWithHost(target: {
  address: string;
  port: number;
  host: string;
  path: string;
  tls?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<IngressAnswer> {
  const scheme = target.tls ? 'https' : 'http';
  const bracketed = target.address.includes(':') ? `[${target.address}]` : target.address;
  const what = `GET ${scheme}://${bracketed}:${target.port}${target.path} with ${target.tls ? 'server name (SNI) and ' : ''}Host ${target.host}`;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Omit<IngressAnswer, 'request'>) => {
      if (settled) return;
      settled = true;
      resolve({ request: what, ...answer });
    };
    const options: RequestOptions = {
      host: target.address,
      port: target.port,
      path: target.path,
      method: 'GET',
      headers: { host: target.host, 'user-agent': 'kubelab-checker', connection: 'close' },
      agent: false,
      timeout: target.timeoutMs ?? 3_000,
      signal: target.signal,
    };
    const request = target.tls ? httpsRequest({ ...options, servername: target.host, rejectUnauthorized: false }) : httpRequest(options);
    request.on('response', (response) => {
      let certificate: ServedCertificate | undefined;
      try {
        certificate = target.tls ? certificateOf(response) : undefined;
      } catch {
        certificate = undefined;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const body = Buffer.concat(chunks).toString('utf8').slice(0, maxAnswerBytes);
        finish({ status: response.statusCode, body, certificate, pod: answeringPod(body) });
      };
      // The app is the learner's: an endless body must not hold the check (or the lab server's memory).
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= maxAnswerBytes) {
          done();
          response.destroy();
        }
      });
      response.on('end', done);
      response.on('error', done);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${target.timeoutMs ?? 3_000} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => finish({ body: error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message }));
    request.end();
  });
}

/**
 * Requests through the ingress controller's NodePort on the first node (30800 for HTTP, 30843 for HTTPS) until
 * `good` holds for the answer or `timeoutMs` passes (a controller takes a moment to load a new route), and returns
 * the last answer. Give `timeoutMs: 0` for a single attempt.
 */
export async function viaIngress(
  cluster: CheckContext,
  target: { host: string; path: string; tls?: boolean; timeoutMs?: number; intervalMs?: number; signal?: AbortSignal; good?: (answer: IngressAnswer) => boolean },
): Promise<IngressAnswer> {
  const address = await nodeAddress(cluster);
  if (!address) return { request: `GET ${target.path} with Host ${target.host}`, body: 'no node has an InternalIP' };
  const port = target.tls ? ingressNodePorts.https : ingressNodePorts.http;
  const deadline = Date.now() + (target.timeoutMs ?? 6_000);
  for (;;) {
    const answer = await requestWithHost({ address, port, host: target.host, path: target.path, tls: target.tls, signal: target.signal, timeoutMs: 2_000 });
    if (!target.good || target.good(answer) || Date.now() >= deadline || target.signal?.aborted) return answer;
    await new Promise((resolve) => setTimeout(resolve, target.intervalMs ?? 500));
  }
}

/** Reads one Ingress (networking.k8s.io/v1), or null. */
export function readIngress(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1Ingress | null> {
  return getOrNull(() => cluster.networking.readNamespacedIngress({ name, namespace }));
}

/** One path of an Ingress: host ('' for every host), path, pathType and the Service it sends to. */
export interface IngressRoute {
  host: string;
  path: string;
  pathType: string;
  service?: string;
  /** The Service port, by number or by name. */
  port?: number | string;
}

const backendPort = (backend: V1IngressBackend | undefined) => backend?.service?.port?.number ?? backend?.service?.port?.name;

/** Every host/path of the Ingress with its backend, in the order written. */
export function ingressRoutes(target: V1Ingress | null): IngressRoute[] {
  const routes: IngressRoute[] = [];
  for (const rule of target?.spec?.rules ?? []) {
    for (const path of rule.http?.paths ?? []) {
      routes.push({ host: rule.host ?? '', path: path.path ?? '', pathType: path.pathType, service: path.backend.service?.name, port: backendPort(path.backend) });
    }
  }
  return routes;
}

/** "web.kubelab.test/ (Prefix) → web:80", or "any host/api (Exact) → api:http". */
export function formatRoute(route: IngressRoute): string {
  return `${route.host || 'any host'}${route.path || '/'} (${route.pathType}) → ${route.service ?? 'no service'}${route.port === undefined ? '' : `:${route.port}`}`;
}

/** Which IngressClass handles the Ingress: the one it names, or the cluster's default class when it names none. */
export interface IngressClassChoice {
  /** The class name the Ingress ends up with, if any. */
  name?: string;
  /** How it was chosen: spec.ingressClassName, the legacy annotation kubernetes.io/ingress.class, or the default class. */
  via: 'ingressClassName' | 'annotation' | 'default' | 'none';
  /** The controller of that IngressClass (`traefik.io/ingress-controller`), when the class exists. */
  controller?: string;
}

/**
 * The IngressClass that will serve the Ingress. An Ingress without `ingressClassName` gets the class marked
 * `ingressclass.kubernetes.io/is-default-class: "true"` (the API server fills it in on create, when one exists).
 */
export async function ingressClassOf(cluster: CheckContext, target: V1Ingress | null): Promise<IngressClassChoice> {
  if (!target) return { via: 'none' };
  const classes: V1IngressClass[] = (await cluster.networking.listIngressClass()).items;
  const named = target.spec?.ingressClassName;
  const annotated = target.metadata?.annotations?.['kubernetes.io/ingress.class'];
  if (named) return { name: named, via: 'ingressClassName', controller: classes.find((c) => c.metadata?.name === named)?.spec?.controller };
  if (annotated) return { name: annotated, via: 'annotation', controller: classes.find((c) => c.metadata?.name === annotated)?.spec?.controller };
  const fallback = classes.find((c) => c.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true');
  return fallback ? { name: fallback.metadata?.name, via: 'default', controller: fallback.spec?.controller } : { via: 'none' };
}

/** The PEM certificate of a TLS Secret (its `tls.crt`), parsed; undefined when missing or not a certificate. */
export function secretCertificate(secret: V1Secret | null): X509Certificate | undefined {
  const encoded = secret?.data?.['tls.crt'];
  if (!encoded) return undefined;
  try {
    return new X509Certificate(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined;
  }
}

/** "CN=secure.kubelab.test; DNS:secure.kubelab.test" for a criterion's text. */
export function describeCertificate(certificate: { subject: string; subjectAltName?: string } | undefined): string {
  if (!certificate) return 'no certificate';
  return `${certificate.subject.replace(/\n/g, ', ')}${certificate.subjectAltName ? `; ${certificate.subjectAltName}` : '; no subjectAltName'}`;
}

/**
 * Whether the certificate is valid for `host`: a DNS subjectAltName (wildcards as browsers match them), or, for a
 * certificate without any DNS name, its subject CN, as the ingress controllers match a server name.
 */
export function certificateCovers(certificate: X509Certificate | undefined, host: string): boolean {
  if (!certificate) return false;
  return certificate.checkHost(host, { subject: 'default' }) !== undefined;
}

/** Reads a Gateway API object of `plural` (gateways, httproutes), or null. */
export function readGatewayObject(cluster: CheckContext, plural: 'gateways' | 'httproutes' | 'gatewayclasses', name: string, namespace = 'default'): Promise<AnyObject | null> {
  return readCustomObject(cluster, { ...gatewayApi, plural, name, namespace: plural === 'gatewayclasses' ? undefined : namespace });
}

interface RouteParentStatus {
  parentRef?: { name?: string; namespace?: string; sectionName?: string };
  controllerName?: string;
  conditions?: ObjectCondition[];
}

/** The conditions a controller reported for the route on the Gateway `gateway` (status.parents), or undefined. */
export function routeParentConditions(route: AnyObject | null, gateway: string): ObjectCondition[] | undefined {
  const parents = ((route as { status?: { parents?: RouteParentStatus[] } } | null)?.status?.parents ?? []).filter((p) => p.parentRef?.name === gateway);
  return parents.length ? parents.flatMap((p) => p.conditions ?? []) : undefined;
}

/** "Accepted=True, ResolvedRefs=False (BackendNotFound: …)". */
export function formatConditions(conditions: readonly ObjectCondition[] | undefined): string {
  if (!conditions?.length) return 'no conditions';
  return conditions.map((c) => `${c.type}=${c.status}${c.status !== 'True' && c.reason ? ` (${c.reason}${c.message ? `: ${c.message.slice(0, 120)}` : ''})` : ''}`).join(', ');
}

/** A Gateway's listeners that a controller did not accept or program, with why ("http: PortUnavailable: …"). */
export function listenerProblems(gateway: AnyObject | null): string[] {
  const listeners = (gateway as { status?: { listeners?: { name?: string; conditions?: ObjectCondition[] }[] } } | null)?.status?.listeners ?? [];
  return listeners.flatMap((l) => (l.conditions ?? []).filter((c) => c.status !== 'True').map((c) => `listener ${l.name ?? '?'}: ${c.type}=${c.status} (${c.reason ?? ''}${c.message ? `: ${c.message.slice(0, 140)}` : ''})`));
}

/** One backendRef of an HTTPRoute rule, with its weight (1 when not written, as the API defines). */
export interface WeightedBackend {
  name: string;
  port?: number;
  weight: number;
}

/** The backendRefs of each rule of an HTTPRoute, weights filled in. */
export function routeBackends(route: AnyObject | null): WeightedBackend[][] {
  const rules = (route as { spec?: { rules?: { backendRefs?: { name?: string; port?: number; weight?: number; kind?: string }[] }[] } } | null)?.spec?.rules ?? [];
  return rules.map((rule) =>
    (rule.backendRefs ?? []).filter((ref) => (ref.kind ?? 'Service') === 'Service').map((ref) => ({ name: ref.name ?? '', port: ref.port, weight: ref.weight ?? 1 })),
  );
}

/** "stable:80 ×80, canary:80 ×20". */
export function formatBackends(backends: readonly WeightedBackend[]): string {
  return backends.length ? backends.map((b) => `${b.name}${b.port === undefined ? '' : `:${b.port}`} ×${b.weight}`).join(', ') : 'no backends';
}

/**
 * Whether one rule splits traffic between the Services of `shares` in those proportions (80/20 is also 4/1 and
 * 8/2): it names each of them with a non-zero weight, and nothing else gets traffic.
 */
export function splitsAs(backends: readonly WeightedBackend[], shares: Readonly<Record<string, number>>): boolean {
  const weights = new Map<string, number>();
  for (const b of backends) weights.set(b.name, (weights.get(b.name) ?? 0) + b.weight);
  const names = Object.keys(shares);
  if (names.length === 0 || [...weights].some(([name, weight]) => weight > 0 && !(name in shares))) return false;
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const wanted = names.reduce((a, n) => a + shares[n]!, 0);
  return total > 0 && names.every((n) => Math.abs((weights.get(n) ?? 0) / total - shares[n]! / wanted) < 1e-9);
}

/** Counts the answers of `count` requests per Deployment (by pod name prefix), "other" for the rest. */
export function tallyByDeployment(answers: readonly IngressAnswer[], deployments: readonly string[]): Record<string, number> {
  const tally: Record<string, number> = Object.fromEntries([...deployments, 'other'].map((d) => [d, 0]));
  for (const answer of answers) {
    const owner = answer.status === 200 ? deployments.find((d) => isPodOf(answer.pod, d)) : undefined;
    tally[owner ?? 'other']! += 1;
  }
  return tally;
}

/**
 * Criterion builders that judge traffic through the ingress controller. Each says what was requested and what
 * came back.
 */
export const ingress = {
  read: readIngress,
  routes: ingressRoutes,
  classOf: ingressClassOf,
  via: viaIngress,
  describe: describeAnswer,

  /**
   * The request was answered (HTTP 200) by a pod of the Deployment `deployment`. `what` says, in the task's words,
   * what should have answered ("the Service `web`"). Id "answer".
   */
  answeredBy<const Id extends string = 'answer'>(answer: IngressAnswer, deployment: string, what: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    return buildCriterion(
      {
        id: 'answer',
        description: `${answer.request} is answered by ${what}`,
        hint: 'A 404 from Traefik means no route matched: compare host, path and pathType with the request. `kubectl describe ingress <name>` shows the rules and the backends\' endpoints.',
      },
      options,
      { passed: answer.status === 200 && isPodOf(answer.pod, deployment), expected: `HTTP 200 from a pod of ${deployment} (${deployment}-…)`, actual: describeAnswer(answer) },
    );
  },
};

/** Builders for Gateway API objects (Gateway, HTTPRoute). */
export const gateway = {
  read: readGatewayObject,
  routeParentConditions,
  listenerProblems,
  routeBackends,

  /** The route is attached to the Gateway `name`: the controller reported Accepted=True for it there. Id "attached". */
  attached<const Id extends string = 'attached'>(route: AnyObject | null, gatewayName: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const conditions = routeParentConditions(route, gatewayName);
    const accepted = conditions?.find((c) => c.type === 'Accepted');
    const refs = conditions?.find((c) => c.type === 'ResolvedRefs');
    const parents = ((route as { spec?: { parentRefs?: { name?: string }[] } } | null)?.spec?.parentRefs ?? []).map((p) => p.name ?? '?');
    return buildCriterion(
      {
        id: 'attached',
        description: `The HTTPRoute is attached to the Gateway \`${gatewayName}\` (Accepted and ResolvedRefs)`,
        hint: `\`parentRefs: [{name: ${gatewayName}}]\` attaches a route; \`kubectl describe httproute ${route?.metadata?.name ?? '<name>'}\` shows what the Gateway's controller said under Status → Parents.`,
      },
      options,
      {
        passed: accepted?.status === 'True' && refs?.status !== 'False',
        expected: `status.parents: ${gatewayName}: Accepted=True, ResolvedRefs=True`,
        actual: !route
          ? 'no HTTPRoute'
          : conditions
            ? `${gatewayName}: ${formatConditions(conditions)}`
            : `no status from gateway ${gatewayName} (parentRefs: ${parents.length ? parents.join(', ') : 'none'})`,
      },
    );
  },
};
