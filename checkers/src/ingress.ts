/** Criteria and reads for the Ingress and the Gateway API lesson. */
import { X509Certificate, randomUUID } from 'node:crypto';
import type { V1Ingress, V1Secret } from '@kubernetes/client-node';
import { readCustomObject, type AnyObject, type ObjectCondition } from './api.ts';
import { getOrNull, type CheckContext } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import { runProbe, shellQuote } from './probe.ts';
import type { Criterion } from './types.ts';

/**
 * Where a course cluster's Traefik answers (lab-runner/providers/kind/addons/traefik.yaml): its Service
 * `traefik.traefik` on ports 80 and 443, and every node on NodePorts 30800 and 30843. A Gateway's listener must use
 * the port of one of its entrypoints, 8000 (web) or 8443 (websecure), for Traefik to attach it.
 */
export const traefik = { service: 'traefik', namespace: 'traefik', className: 'traefik', nodePorts: { http: 30800, https: 30843 }, gatewayPort: 8000 } as const;

export function readIngress(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1Ingress | null> {
  return getOrNull(() => cluster.networking.readNamespacedIngress({ name, namespace }));
}

export function readTlsSecret(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1Secret | null> {
  return getOrNull(() => cluster.core.readNamespacedSecret({ name, namespace }));
}

/** The parts of a Gateway API object the checks read (the client has no types for these custom resources). */
export interface GatewayObject extends AnyObject {
  spec?: { gatewayClassName?: string; listeners?: { name?: string; port?: number; protocol?: string; hostname?: string; allowedRoutes?: unknown }[] };
  status?: { conditions?: ObjectCondition[]; listeners?: { name?: string; attachedRoutes?: number; conditions?: ObjectCondition[] }[] };
}

export interface BackendRef {
  name?: string;
  kind?: string;
  port?: number;
  weight?: number;
}

export interface HttpRouteObject extends AnyObject {
  spec?: {
    parentRefs?: { name?: string; namespace?: string; sectionName?: string; group?: string; kind?: string }[];
    hostnames?: string[];
    rules?: { matches?: unknown[]; backendRefs?: BackendRef[] }[];
  };
  status?: { conditions?: ObjectCondition[]; parents?: { parentRef?: { name?: string; namespace?: string }; conditions?: ObjectCondition[] }[] };
}

const gatewayGroup = { group: 'gateway.networking.k8s.io', version: 'v1' };

export async function readGateway(cluster: CheckContext, name: string, namespace = 'default'): Promise<GatewayObject | null> {
  return (await readCustomObject(cluster, { ...gatewayGroup, plural: 'gateways', name, namespace })) as GatewayObject | null;
}

export async function readHttpRoute(cluster: CheckContext, name: string, namespace = 'default'): Promise<HttpRouteObject | null> {
  return (await readCustomObject(cluster, { ...gatewayGroup, plural: 'httproutes', name, namespace })) as HttpRouteObject | null;
}

/** Traefik's addresses as a probe pod reaches them: its Service's ClusterIP, and a node's InternalIP for the NodePorts. */
export interface TraefikAddresses {
  serviceIP: string;
  nodeIP: string;
}

export async function traefikAddresses(cluster: CheckContext): Promise<TraefikAddresses> {
  const service = await cluster.core.readNamespacedService({ name: traefik.service, namespace: traefik.namespace });
  const nodes = (await cluster.core.listNode()).items;
  const nodeIP = nodes.flatMap((n) => n.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address ?? '';
  return { serviceIP: service.spec?.clusterIP ?? '', nodeIP };
}

/** One request to Traefik, as a learner would send it with curl. */
export interface TraefikRequest {
  host: string;
  /** Default `/`. */
  path?: string;
  /** HTTPS to the websecure entrypoint, with the host as SNI (curl --resolve), and the certificate it serves read too. */
  https?: boolean;
  /** Through the Service `traefik.traefik` (default) or a node's NodePort, as from outside the cluster. */
  via?: 'service' | 'node';
  /**
   * An extended regular expression the body should match (a pod name): the request is tried again, a second apart,
   * until it does or a few seconds have passed, since Traefik loads a new route a moment after the object appears.
   */
  expect?: string;
  /** With https: the SHA-256 fingerprint of the certificate to wait for, as expect does for the body. */
  expectCertificate?: string;
  /** After the first answer, this many more requests in a row, whose answers come back in `more` (a canary's split). */
  repeat?: number;
}

export interface TraefikAnswer {
  status?: number;
  /** The start of the body, or curl's error when no HTTP answer came. */
  body: string;
  /** The pod that answered, read from the body kubelab/web returns (its hostname). */
  pod?: string;
  /** For HTTPS: what the server presented for the host's name. */
  certificate?: { fingerprint: string; subject: string };
  /** The pods that answered the repeated requests (or what came back instead), in order. */
  more: string[];
  /** False when the probe pod did not finish: nothing was seen either way. */
  finished: boolean;
  /** "GET http://blog.example.com/ through traefik.traefik.svc:80: HTTP 200 from pod blog-…". */
  summary: string;
}

/** The URL a request is shown as, as the learner would write it with curl. */
export function describeRequest(request: TraefikRequest): string {
  const path = request.path ?? '/';
  if (request.via === 'node') {
    const port = request.https ? traefik.nodePorts.https : traefik.nodePorts.http;
    return `${request.https ? 'https' : 'http'}://<node>:${port}${path} with Host: ${request.host}`;
  }
  return `${request.https ? 'https' : 'http'}://${request.host}${path} through traefik.traefik.svc:${request.https ? 443 : 80}`;
}

/**
 * The bash of one request: curl sends the Host header and, for HTTPS, the SNI of `host` to Traefik's address
 * (--resolve), tries again while the answer is not the one expected, then prints what came back in the form
 * parseTraefikAnswers reads. openssl s_client reads the certificate served for the name.
 */
export function requestScript(request: TraefikRequest, addresses: TraefikAddresses, file: string, settleSeconds: number): string {
  const ip = request.via === 'node' ? addresses.nodeIP : addresses.serviceIP;
  const port = request.via === 'node' ? (request.https ? traefik.nodePorts.https : traefik.nodePorts.http) : request.https ? 443 : 80;
  const scheme = request.https ? 'https' : 'http';
  const url = `${scheme}://${request.host}:${port}${request.path ?? '/'}`;
  const curl = `curl -sS -k --connect-timeout 3 -m 5 --resolve ${shellQuote(`${request.host}:${port}:${ip}`)} -H ${shellQuote(`Host: ${request.host}`)} ${shellQuote(url)}`;
  const certificate = request.https
    ? `cert=$(timeout 5 openssl s_client -connect ${shellQuote(`${ip}:${port}`)} -servername ${shellQuote(request.host)} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 -subject -nameopt RFC2253 2>/dev/null | tr '\\n' '|')`
    : 'cert=';
  const wanted = [
    ...(request.expect ? [`grep -Eq -- ${shellQuote(request.expect)} "${file}.body"`] : []),
    ...(request.https && request.expectCertificate ? [`[[ "$cert" == *${shellQuote(request.expectCertificate)}* ]]`] : []),
  ];
  return `(
give_up=$(( $(date +%s) + ${settleSeconds} ))
while :; do
  code=$(${curl} -o "${file}.body" -w '%{http_code}' 2>"${file}.err")
  ${certificate}
  ${wanted.length ? `{ ${wanted.join(' && ')}; } && break` : 'break'}
  [ "$(date +%s)" -ge "$give_up" ] && break
  sleep 1
done
{
  echo "status:$code"
  echo "error:$(tr '\\n' ' ' < "${file}.err" | head -c 300)"
  echo "cert:$cert"
  for _ in $(seq 1 ${request.repeat ?? 0}); do
    echo "more:$(${curl} 2>&1 | head -n 1 | head -c 120)"
  done
  echo "body:"
  head -c 2048 "${file}.body"
} > "${file}"
) &`;
}

/** The hostname kubelab/web reports: the whole first line of `/`, or the `hostname` or `pod` of its JSON answers. */
export function podNameIn(body: string): string | undefined {
  const json = /"(?:hostname|pod)"\s*:\s*"([a-z0-9.-]+)"/.exec(body);
  if (json) return json[1];
  const first = body.split('\n')[0]?.trim() ?? '';
  return /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(first) && first.includes('-') ? first : undefined;
}

/** The Deployment among `deployments` whose pods are named like `pod` (`<deployment>-<hash>-<id>`), or undefined. */
export function deploymentOfPod(pod: string | undefined, deployments: readonly string[]): string | undefined {
  if (!pod) return undefined;
  return [...deployments].sort((a, b) => b.length - a.length).find((name) => new RegExp(`^${name.replace(/[.-]/g, '\\$&')}-[a-z0-9]+-[a-z0-9]+$`).test(pod));
}

/** What requestScript printed for each request, read back in the order of `requests`. */
export function parseTraefikAnswers(requests: readonly TraefikRequest[], output: string, finished: boolean, marker: string): TraefikAnswer[] {
  const sections = new Map<number, string[]>();
  let index = -1;
  for (const line of output.split('\n')) {
    const header = line.startsWith(`${marker} `) ? /^\S+ (\d+)$/.exec(line) : null;
    if (header) {
      index = Number(header[1]);
      sections.set(index, []);
    } else if (index >= 0) {
      sections.get(index)!.push(line);
    }
  }
  return requests.map((request, i) => {
    const lines = finished ? sections.get(i) : undefined;
    const target = describeRequest(request);
    if (!lines || !lines.some((line) => line.startsWith('status:'))) {
      return { body: '', more: [], finished: false, summary: `${target}: the probe did not finish in time` };
    }
    const bodyAt = lines.indexOf('body:');
    const head = bodyAt >= 0 ? lines.slice(0, bodyAt) : lines;
    const field = (key: string) => head.find((line) => line.startsWith(`${key}:`))?.slice(key.length + 1).trim() ?? '';
    const code = field('status');
    const status = /^\d{3}$/.test(code) && code !== '000' ? Number(code) : undefined;
    const error = field('error').replace(/^curl: \(\d+\) /, '').trim();
    const body = status !== undefined ? (bodyAt >= 0 ? lines.slice(bodyAt + 1).join('\n').trim() : '') : error;
    const pod = status === 200 ? podNameIn(body) : undefined;
    const more = head.filter((line) => line.startsWith('more:')).map((line) => {
      const answer = line.slice('more:'.length).trim();
      return podNameIn(answer) ?? (answer.replace(/^curl: \(\d+\) /, '') || 'no answer');
    });
    const cert = field('cert');
    const fingerprint = /Fingerprint=([0-9A-F:]+)/i.exec(cert)?.[1]?.toUpperCase();
    const subject = /subject=([^|]*)/.exec(cert)?.[1]?.trim() ?? '';
    const outcome =
      status === undefined
        ? `no answer (${error || 'curl gave up'})`
        : `HTTP ${status}${pod ? ` from pod ${pod}` : body ? `: ${body.split('\n')[0]!.slice(0, 80)}` : ''}`;
    const served = request.https ? (fingerprint ? `; certificate ${subject || 'without a subject'}` : '; no certificate read') : '';
    return {
      ...(status !== undefined ? { status } : {}),
      body,
      ...(pod ? { pod } : {}),
      ...(request.https && fingerprint ? { certificate: { fingerprint, subject } } : {}),
      more,
      finished: true,
      summary: `${target}: ${outcome}${served}`,
    };
  });
}

/** The probe's whole bash: every request side by side, then each one's answer after a line `<marker> <index>`. */
export function traefikScript(requests: readonly TraefikRequest[], addresses: TraefikAddresses, settleSeconds: number, marker: string): string {
  return [
    'out=$(mktemp -d)',
    ...requests.map((request, i) => requestScript(request, addresses, `$out/${i}`, settleSeconds)),
    'wait',
    ...requests.map((_, i) => `echo "${marker} ${i}"; cat "$out/${i}" 2>/dev/null; echo`),
  ].join('\n');
}

/**
 * Sends every request of `requests` to Traefik at once, from one probe pod of the checker's (the in-cluster
 * view: its Service, or a node's NodePort as from outside), and returns the answers in order. A request with an
 * `expect` is tried again for up to `settleSeconds` until the answer is the one expected, so a route Traefik has
 * not loaded yet is waited for; a wrong route costs that wait once, all requests running side by side.
 */
export async function throughTraefik(
  cluster: CheckContext,
  requests: readonly TraefikRequest[],
  options: { settleSeconds?: number; signal?: AbortSignal } = {},
): Promise<TraefikAnswer[]> {
  const addresses = await traefikAddresses(cluster);
  const settle = options.settleSeconds ?? 6;
  const marker = `kubelab-probe-${randomUUID()}`;
  const repeats = Math.max(0, ...requests.map((r) => r.repeat ?? 0));
  const script = traefikScript(requests, addresses, settle, marker);
  const result = await runProbe(cluster, script, { timeoutSeconds: settle + 30 + repeats, signal: options.signal });
  return parseTraefikAnswers(requests, result.output, result.exitCode !== null, marker);
}

/** The certificate in a TLS Secret's `tls.crt` (the first of a chain), or why there is none. */
export function certificateOf(secret: V1Secret | null): { certificate?: X509Certificate; problem?: string } {
  const encoded = secret?.data?.['tls.crt'];
  if (!secret) return { problem: 'no such Secret' };
  if (!encoded) return { problem: `no tls.crt in the Secret (keys: ${Object.keys(secret.data ?? {}).join(', ') || 'none'})` };
  try {
    return { certificate: new X509Certificate(Buffer.from(encoded, 'base64')) };
  } catch {
    return { problem: 'tls.crt is not a PEM certificate' };
  }
}

/** "CN=secure.example.com; DNS:secure.example.com": what a certificate is for, in openssl's words. */
export function describeCertificate(certificate: X509Certificate): string {
  const subject = certificate.subject.replace(/\n/g, ', ');
  return `subject ${subject || 'empty'}${certificate.subjectAltName ? `; ${certificate.subjectAltName}` : '; no subjectAltName'}`;
}

/** Node writes fingerprints as openssl does (upper-case hex with colons); the comparison ignores case anyway. */
const sameFingerprint = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toUpperCase() === b.toUpperCase();

/** An Ingress rule's backend, as "svc:port". */
function describeBackend(backend: { service?: { name?: string; port?: { number?: number; name?: string } } } | undefined): string {
  const service = backend?.service;
  if (!service) return 'no service';
  return `${service.name ?? '?'}:${service.port?.number ?? service.port?.name ?? '?'}`;
}

/** The rules of an Ingress in one line: "blog.example.com/ (Exact) → blog:80; default → fallback:80". */
export function describeIngressRules(target: V1Ingress | null): string {
  if (!target) return 'no Ingress';
  const rules = (target.spec?.rules ?? []).flatMap((rule) =>
    (rule.http?.paths ?? []).map((p) => `${rule.host ?? '*'}${p.path ?? ''} (${p.pathType}) → ${describeBackend(p.backend)}`),
  );
  const fallback = target.spec?.defaultBackend ? [`default backend → ${describeBackend(target.spec.defaultBackend)}`] : [];
  const all = [...rules, ...fallback];
  return all.length ? all.join('; ') : 'no rules';
}

const answerOf = (answer: TraefikAnswer | undefined) => answer?.summary ?? 'no request was sent';

/** Builders for Ingress objects, their TLS, and what Traefik answers for them. */
export const ingress = {
  read: readIngress,
  readSecret: readTlsSecret,
  through: throughTraefik,

  /** The Ingress exists under the name the task gives. Id "ingress". */
  exists<const Id extends string = 'ingress'>(target: V1Ingress | null, name: string, options: CriterionOptions<Id> & { namespace?: string } = {}): Criterion<Id> {
    const namespace = options.namespace ?? 'default';
    return buildCriterion(
      {
        id: 'ingress',
        description: `An Ingress named \`${name}\` exists in namespace \`${namespace}\``,
        hint: '`kubectl get ingress` lists them; `kubectl create ingress <name> --rule=<host>/<path>=<service>:<port>` makes one.',
      },
      options,
      { passed: target !== null, expected: `ingress/${name}`, actual: target ? `ingress/${name}: ${describeIngressRules(target)}` : 'no such Ingress' },
    );
  },

  /**
   * Traefik takes the Ingress: it names the class `traefik`, or none (traefik is the cluster's default class), and
   * no older `kubernetes.io/ingress.class` annotation names another controller. Id "ingress-class".
   */
  className<const Id extends string = 'ingress-class'>(target: V1Ingress | null, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const named = target?.spec?.ingressClassName;
    const annotation = target?.metadata?.annotations?.['kubernetes.io/ingress.class'];
    const passed = target !== null && (named === traefik.className || (named === undefined && (annotation === undefined || annotation === traefik.className)));
    return buildCriterion(
      {
        id: 'ingress-class',
        description: 'The Ingress is for the class `traefik` (named, or left to the default class)',
        hint: 'This cluster\'s controller is Traefik: `kubectl get ingressclass` shows the class `traefik`, marked default. Set `spec.ingressClassName: traefik`, or leave it out; a class such as `nginx` has no controller here, so nothing serves the Ingress.',
      },
      options,
      {
        passed,
        expected: 'ingressClassName traefik, or none',
        actual: !target ? 'no Ingress' : named ? `ingressClassName ${named}` : annotation ? `annotation kubernetes.io/ingress.class: ${annotation}` : 'no class (the default, traefik)',
      },
    );
  },

  /**
   * A request for the host (and path) was answered 200 by a pod of the Deployment `deployment`: the route works
   * end to end, whatever the objects look like. Id "routed".
   */
  routes<const Id extends string = 'routed'>(answer: TraefikAnswer | undefined, deployment: string, options: CriterionOptions<Id> & { request?: string } = {}): Criterion<Id> {
    const from = deploymentOfPod(answer?.pod, [deployment]);
    return buildCriterion(
      {
        id: 'routed',
        description: `${options.request ?? 'The request'} is answered by a pod of \`${deployment}\``,
        hint: 'Try it yourself: `curl -sS -H \'Host: <host>\' http://$NODE_IP:30800<path>` from your terminal (or `http://traefik.traefik.svc<path>` from a curl pod). Traefik\'s own "404 page not found" means no rule matched; `kubectl describe ingress` shows the rules and their backends.',
      },
      options,
      { passed: answer?.status === 200 && from === deployment, expected: `HTTP 200 from a pod ${deployment}-…`, actual: answerOf(answer) },
    );
  },

  /** The Ingress lists `host` under `spec.tls`, with a Secret to take the certificate from. Id "tls-host". */
  tlsFor<const Id extends string = 'tls-host'>(target: V1Ingress | null, host: string, secretName: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const entries = target?.spec?.tls ?? [];
    const entry = entries.find((t) => (t.hosts ?? []).includes(host));
    return buildCriterion(
      {
        id: 'tls-host',
        description: `The Ingress terminates TLS for \`${host}\` with the Secret \`${secretName}\``,
        hint: `Under \`spec.tls\`: \`- hosts: [${host}]\` and \`secretName: ${secretName}\`. With kubectl: \`--rule='${host}/*=<service>:<port>,tls=${secretName}'\`.`,
      },
      options,
      {
        passed: entry?.secretName === secretName,
        expected: `tls: hosts [${host}], secretName ${secretName}`,
        actual: !target
          ? 'no Ingress'
          : entries.length
            ? entries.map((t) => `hosts [${(t.hosts ?? []).join(', ')}], secretName ${t.secretName ?? 'none'}`).join('; ')
            : 'no tls section',
      },
    );
  },

  /** The Secret is of type kubernetes.io/tls (with tls.crt and tls.key). Id "secret-type". */
  tlsSecret<const Id extends string = 'secret-type'>(secret: V1Secret | null, name: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const keys = Object.keys(secret?.data ?? {});
    return buildCriterion(
      {
        id: 'secret-type',
        description: `The Secret \`${name}\` is a TLS Secret (type kubernetes.io/tls)`,
        hint: `\`kubectl create secret tls ${name} --cert=tls.crt --key=tls.key\` makes one of the right type; a generic Secret cannot be turned into one, so delete it first.`,
      },
      options,
      {
        passed: secret?.type === 'kubernetes.io/tls' && keys.includes('tls.crt') && keys.includes('tls.key'),
        expected: 'type kubernetes.io/tls, keys tls.crt and tls.key',
        actual: secret ? `type ${secret.type ?? 'Opaque'}, keys ${keys.join(', ') || 'none'}` : 'no such Secret',
      },
    );
  },

  /** The Secret's certificate is for `host` (a DNS name of its subjectAltName, or else its CN; wildcards count). Id "cert-host". */
  certificateFor<const Id extends string = 'cert-host'>(secret: V1Secret | null, host: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const { certificate, problem } = certificateOf(secret);
    return buildCriterion(
      {
        id: 'cert-host',
        description: `The certificate in the Secret is made for \`${host}\``,
        hint: `Make it for the name clients ask for: \`openssl req -x509 … -subj /CN=${host} -addext subjectAltName=DNS:${host}\`. \`openssl x509 -in tls.crt -noout -subject -ext subjectAltName\` shows what a certificate is for.`,
      },
      options,
      {
        passed: certificate?.checkHost(host) !== undefined,
        expected: `a certificate for ${host}`,
        actual: certificate ? describeCertificate(certificate) : problem!,
      },
    );
  },

  /**
   * HTTPS for the host is answered by the right pods, and Traefik presents the Secret's own certificate for that
   * name (same SHA-256 fingerprint), not its built-in default one. Id "https".
   */
  servesCertificate<const Id extends string = 'https'>(
    answer: TraefikAnswer | undefined,
    secret: V1Secret | null,
    deployment: string,
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const { certificate } = certificateOf(secret);
    const routed = answer?.status === 200 && deploymentOfPod(answer.pod, [deployment]) === deployment;
    const same = sameFingerprint(answer?.certificate?.fingerprint, certificate?.fingerprint256);
    return buildCriterion(
      {
        id: 'https',
        description: `HTTPS with the host's name is answered by \`${deployment}\`, with the certificate from the Secret`,
        hint: 'Try it: `curl -vk --resolve <host>:30843:$NODE_IP https://<host>:30843/` shows the certificate\'s subject. "TRAEFIK DEFAULT CERT" means Traefik found no certificate for that name: check the Ingress\'s tls hosts, the Secret, and the name in the certificate.',
      },
      options,
      {
        passed: routed && same,
        expected: `HTTP 200 from ${deployment}-…, certificate ${certificate ? certificate.subject.replace(/\n/g, ', ') : 'from the Secret'}`,
        actual: `${answerOf(answer)}${answer?.certificate && !same ? ' (not the Secret\'s certificate)' : ''}`,
      },
    );
  },
};

/** Whether `conditions` hold `type` as True, and the reason when not, for a criterion's text. */
function conditionState(conditions: readonly ObjectCondition[] | undefined, type: string): { ok: boolean; text: string } {
  const found = conditions?.find((c) => c.type === type);
  if (!found) return { ok: false, text: `${type} not reported yet` };
  const why = found.status === 'True' ? '' : ` (${found.reason ?? 'no reason'}${found.message ? `: ${found.message.slice(0, 150)}` : ''})`;
  return { ok: found.status === 'True', text: `${type}=${found.status}${why}` };
}

/** Builders for a Gateway: its class, and whether its controller took its listeners. */
export const gateway = {
  read: readGateway,

  /** The Gateway exists and names the GatewayClass `className`. Id "gateway". */
  exists<const Id extends string = 'gateway'>(target: GatewayObject | null, name: string, className: string = traefik.className, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const found = target?.spec?.gatewayClassName;
    return buildCriterion(
      {
        id: 'gateway',
        description: `A Gateway \`${name}\` of the GatewayClass \`${className}\` exists`,
        hint: `\`kubectl get gatewayclass\` shows the class \`${className}\`; a Gateway names it in \`spec.gatewayClassName\`.`,
      },
      options,
      { passed: found === className, expected: `gateway/${name}, gatewayClassName ${className}`, actual: target ? `gateway/${name}, gatewayClassName ${found ?? 'none'}` : 'no such Gateway' },
    );
  },

  /**
   * The controller took the Gateway and every listener of it (Accepted and Programmed): Traefik programs a listener
   * only on the port of one of its entrypoints. Id "listener".
   */
  programmed<const Id extends string = 'listener'>(target: GatewayObject | null, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const listeners = target?.status?.listeners ?? [];
    const specs = target?.spec?.listeners ?? [];
    const accepted = conditionState(target?.status?.conditions, 'Accepted');
    const overall = accepted.ok ? conditionState(target?.status?.conditions, 'Programmed') : accepted;
    const each = specs.map((spec) => {
      const status = listeners.find((l) => l.name === spec.name);
      const programmed = conditionState(status?.conditions, 'Programmed');
      const taken = conditionState(status?.conditions, 'Accepted');
      return { ok: programmed.ok && taken.ok, text: `listener ${spec.name ?? '?'} (${spec.protocol ?? '?'} ${spec.port ?? '?'}): ${taken.ok ? programmed.text : taken.text}` };
    });
    return buildCriterion(
      {
        id: 'listener',
        description: 'Traefik accepted the Gateway and programmed its listeners',
        hint: `\`kubectl describe gateway\` shows each listener's conditions. Traefik serves a listener only on the port of one of its entrypoints: HTTP on port ${traefik.gatewayPort}.`,
      },
      options,
      {
        passed: target !== null && overall.ok && each.length > 0 && each.every((l) => l.ok),
        expected: 'Programmed=True, and every listener Accepted and Programmed',
        actual: !target ? 'no Gateway' : [overall.text, ...each.map((l) => l.text)].join('; '),
      },
    );
  },
};

/** The weight each Service gets from a route's backendRefs (weight 1 when none is written), summed over its rules. */
export function routeWeights(route: HttpRouteObject | null): Map<string, number> {
  const weights = new Map<string, number>();
  for (const rule of route?.spec?.rules ?? []) {
    for (const ref of rule.backendRefs ?? []) {
      if (ref.kind && ref.kind !== 'Service') continue;
      const name = ref.name ?? '?';
      weights.set(name, (weights.get(name) ?? 0) + (ref.weight ?? 1));
    }
  }
  return weights;
}

const percent = (part: number, total: number) => (total > 0 ? Math.round((100 * part) / total) : 0);

/** Builders for an HTTPRoute: attached to its Gateway, and how it splits traffic. */
export const httpRoute = {
  read: readHttpRoute,

  /**
   * The route exists and the Gateway `gatewayName` accepted it (status.parents), its backends resolved. Id
   * "route".
   */
  accepted<const Id extends string = 'route'>(target: HttpRouteObject | null, name: string, gatewayName: string, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const parents = target?.status?.parents ?? [];
    const parent = parents.find((p) => p.parentRef?.name === gatewayName);
    const accepted = conditionState(parent?.conditions, 'Accepted');
    const resolved = conditionState(parent?.conditions, 'ResolvedRefs');
    const refs = (target?.spec?.parentRefs ?? []).map((ref) => ref.name ?? '?');
    return buildCriterion(
      {
        id: 'route',
        description: `The HTTPRoute \`${name}\` is attached to the Gateway \`${gatewayName}\`, which accepted it`,
        hint: `The route names its Gateway in \`spec.parentRefs\` (\`- name: ${gatewayName}\`), not the GatewayClass. \`kubectl describe httproute ${name}\` shows Accepted and ResolvedRefs for each parent, with the reason.`,
      },
      options,
      {
        passed: accepted.ok && resolved.ok,
        expected: `parent ${gatewayName}: Accepted=True, ResolvedRefs=True`,
        actual: !target
          ? 'no such HTTPRoute'
          : parent
            ? `parent ${gatewayName}: ${accepted.text}, ${resolved.text}`
            : `parentRefs ${refs.join(', ') || 'none'}; no status from ${gatewayName}`,
      },
    );
  },

  /** The route's weights give each Service its share, in percent, at whatever scale they are written (4:1 is 80:20). Id "weights". */
  weights<const Id extends string = 'weights'>(target: HttpRouteObject | null, shares: Record<string, number>, options: CriterionOptions<Id> = {}): Criterion<Id> {
    const weights = routeWeights(target);
    const total = [...weights.values()].reduce((a, b) => a + b, 0);
    const wanted = Object.entries(shares);
    const passed = total > 0 && wanted.every(([name, share]) => Math.abs((100 * (weights.get(name) ?? 0)) / total - share) < 0.5) && [...weights.keys()].every((name) => name in shares);
    return buildCriterion(
      {
        id: 'weights',
        description: `The route's weights split traffic ${wanted.map(([name, share]) => `${share}% to \`${name}\``).join(', ')}`,
        hint: 'Each entry of `backendRefs` takes a `weight`; a Service gets its weight divided by the sum of all of them. Without weights every backend gets 1, an even split.',
      },
      options,
      {
        passed,
        expected: wanted.map(([name, share]) => `${name} ${share}%`).join(', '),
        actual: !target
          ? 'no HTTPRoute'
          : weights.size
            ? [...weights].map(([name, weight]) => `${name} weight ${weight} (${percent(weight, total)}%)`).join(', ')
            : 'no backendRefs',
      },
    );
  },

  /**
   * Of `answers` (the pods that answered repeated requests), the Deployment `canary` served about `share` percent
   * (within `tolerance` points) and `stable` the rest. Id "split".
   */
  split<const Id extends string = 'split'>(
    answers: readonly string[],
    want: { stable: string; canary: string; share: number; tolerance: number },
    options: CriterionOptions<Id> & { request?: string } = {},
  ): Criterion<Id> {
    const counts = new Map<string, number>();
    for (const answer of answers) {
      const key = deploymentOfPod(answer, [want.stable, want.canary]) ?? answer;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const stable = counts.get(want.stable) ?? 0;
    const canary = counts.get(want.canary) ?? 0;
    const share = percent(canary, answers.length);
    const others = [...counts].filter(([key]) => key !== want.stable && key !== want.canary);
    return buildCriterion(
      {
        id: 'split',
        description: `${options.request ?? `${answers.length} requests`}: about ${want.share}% answered by \`${want.canary}\`, the rest by \`${want.stable}\``,
        hint: 'Send a few yourself: `for i in $(seq 20); do curl -s -H \'Host: <host>\' http://$NODE_IP:30800/; done | sort | uniq -c`. Traefik spreads requests by the weights, in turn.',
      },
      options,
      {
        passed: answers.length > 0 && others.length === 0 && canary > 0 && stable > 0 && Math.abs(share - want.share) <= want.tolerance,
        expected: `${want.canary} ${want.share}% (±${want.tolerance}), ${want.stable} the rest`,
        actual: answers.length
          ? `${want.stable} ${stable}, ${want.canary} ${canary} of ${answers.length} (${share}% canary)${others.length ? `; also ${others.map(([key, n]) => `${n}× ${key}`).join(', ')}` : ''}`
          : 'no answers',
      },
    );
  },
};
