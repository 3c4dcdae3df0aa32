/** The Ingress lesson's reads and builders, without a cluster: the probe's bash runs against a stand-in curl. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Ingress, V1Secret } from '@kubernetes/client-node';
import {
  certificateOf,
  deploymentOfPod,
  describeIngressRules,
  httpRoute,
  ingress,
  parseTraefikAnswers,
  podNameIn,
  routeWeights,
  traefikScript,
  type HttpRouteObject,
  type TraefikRequest,
} from '../src/ingress.ts';

/** A self-signed P-256 certificate for secure.example.com (CN and subjectAltName), valid until 2126. */
const forHost = `-----BEGIN CERTIFICATE-----
MIIBrzCCAVagAwIBAgIUaulEQdg4DgTfNzHweISDCpCpsY0wCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSc2VjdXJlLmV4YW1wbGUuY29tMCAXDTI2MTIwNzEyMjQxN1oY
DzIxMjYxMTEzMTIyNDE3WjAdMRswGQYDVQQDDBJzZWN1cmUuZXhhbXBsZS5jb20w
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQz4cLQxLZYLGfbqkTy0JBqaV82VRLb
iq70C8U3H69kZrPWA0Jj+K/cCmMpfQ2M0+i61IpyTVsLP+BWGP/KZd34o3IwcDAd
BgNVHQ4EFgQUehv+8t6A5QMW6HAa7snI41/rx3cwHwYDVR0jBBgwFoAUehv+8t6A
5QMW6HAa7snI41/rx3cwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHREEFjAUghJzZWN1
cmUuZXhhbXBsZS5jb20wCgYIKoZIzj0EAwIDRwAwRAIgLSYNWqsiJs4IPyGLKf5I
dHXjmyRy3AjGvAilLmulUt4CICluoY95R6NMofAfB92TuypAKnyejF3RGkjddfzI
tQuA
-----END CERTIFICATE-----
`;
const fingerprint = '66:DA:75:C4:5B:72:3E:33:78:ED:90:ED:97:3A:AF:AA:BD:ED:B1:16:5E:09:76:1E:5D:6F:42:2D:97:FE:FB:D1';

/** The same kind of certificate for CN=example.com only, with no subjectAltName. */
const forApex = `-----BEGIN CERTIFICATE-----
MIIBhDCCASmgAwIBAgIUP3FWnnXJjCXBNfW2yWDfUzwUJg8wCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLZXhhbXBsZS5jb20wIBcNMjYxMjA3MTIyNDE3WhgPMjEyNjEx
MTMxMjI0MTdaMBYxFDASBgNVBAMMC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEa1tSuApTCxpwc6r5WrYkqcY4+gZv3vRJdP5lbZcm4JpIzR76
btZuzuyOG6Uq4kqkHJ5iGtF+lU+7vyzyzhE+1qNTMFEwHQYDVR0OBBYEFBgTl38o
0aOTQWl55TLaD9P2m0gxMB8GA1UdIwQYMBaAFBgTl38o0aOTQWl55TLaD9P2m0gx
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAOD5a2Nuej+VN3GR
+RlZF4doa3x4PaQ3e7n05asiKBQ+AiEAzYzfXu1XBRjXoNR201I8kLpZ3XaH/n3u
OkJw/cW3WWk=
-----END CERTIFICATE-----
`;

const tlsSecret = (pem: string, type = 'kubernetes.io/tls'): V1Secret => ({
  metadata: { name: 'secure-tls' },
  type,
  data: { 'tls.crt': Buffer.from(pem).toString('base64'), 'tls.key': Buffer.from('key').toString('base64') },
});

test('the pod that answered is read from what kubelab/web returns', () => {
  assert.equal(podNameIn('blog-7d9f8c6b5-x2x7q\n'), 'blog-7d9f8c6b5-x2x7q');
  assert.equal(podNameIn('{"hostname":"api-5c6d-abcde","uptime":"3s","version":"1.0"}'), 'api-5c6d-abcde');
  assert.equal(podNameIn('404 page not found'), undefined);
  assert.equal(deploymentOfPod('canary-5c6d7f-abcde', ['stable', 'canary']), 'canary');
  assert.equal(deploymentOfPod('api-5c6d7f-abcde', ['api', 'api-v2']), 'api');
  assert.equal(deploymentOfPod('api-v2-5c6d7f-abcde', ['api', 'api-v2']), 'api-v2');
  assert.equal(deploymentOfPod('fallback-5c6d7f-abcde', ['front']), undefined);
});

test('the probe script sends each request with its Host and SNI, waits for the expected answer, and reads back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ingress-test-'));
  try {
    // A stand-in curl answers from files named after the Host header, a line per call in turn, 404 without one.
    writeFileSync(join(dir, 'curl'), `#!/bin/bash
out=; host=; url=
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift ;;
    -H) host=\${2#Host: }; shift ;;
    -w|--resolve|--connect-timeout|-m) shift ;;
    -*) ;;
    *) url=$1 ;;
  esac
  shift
done
echo "$url" >> "${dir}/urls"
file="${dir}/answers/$host"
if [ -f "$file" ]; then
  n=$(cat "$file.n" 2>/dev/null || echo 0); echo $((n + 1)) > "$file.n"
  lines=$(wc -l < "$file"); body=$(sed -n "$((n % lines + 1))p" "$file"); code=200
else
  body='404 page not found'; code=404
fi
if [ -n "$out" ]; then echo "$body" > "$out"; printf %s "$code"; else echo "$body"; fi
`);
    writeFileSync(join(dir, 'openssl'), `#!/bin/bash
cat > /dev/null
[ "$1" = x509 ] && printf 'sha256 Fingerprint=${fingerprint}\\nsubject=CN=secure.example.com\\n'
exit 0
`);
    chmodSync(join(dir, 'curl'), 0o755);
    chmodSync(join(dir, 'openssl'), 0o755);
    execFileSync('mkdir', ['-p', join(dir, 'answers')]);
    writeFileSync(join(dir, 'answers', 'blog.example.com'), 'blog-7d9f8c6b5-x2x7q\n');
    writeFileSync(join(dir, 'answers', 'secure.example.com'), 'secure-6b5c-q7x2p\n');
    writeFileSync(join(dir, 'answers', 'www.example.com'), 'stable-5d-aaaaa\nstable-5d-aaaaa\ncanary-7c-bbbbb\nstable-5d-aaaaa\nstable-5d-aaaaa\n');
    const requests: TraefikRequest[] = [
      { host: 'blog.example.com', expect: '^blog-' },
      { host: 'blog.example.com', via: 'node', path: '/x', expect: '^blog-' },
      { host: 'shop.example.com', expect: '^shop-' },
      { host: 'secure.example.com', https: true, expect: '^secure-', expectCertificate: fingerprint },
      { host: 'www.example.com', expect: '^(stable|canary)-', repeat: 10 },
    ];
    const marker = 'kubelab-probe-test';
    const script = traefikScript(requests, { serviceIP: '10.96.0.80', nodeIP: '172.18.0.2' }, 1, marker);
    const output = execFileSync('bash', ['-c', script], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
    const [blog, fromNode, shop, secure, www] = parseTraefikAnswers(requests, output, true, marker);
    assert.equal(blog?.status, 200);
    assert.equal(blog?.pod, 'blog-7d9f8c6b5-x2x7q');
    assert.equal(blog?.summary, 'http://blog.example.com/ through traefik.traefik.svc:80: HTTP 200 from pod blog-7d9f8c6b5-x2x7q');
    assert.equal(fromNode?.summary, 'http://<node>:30800/x with Host: blog.example.com: HTTP 200 from pod blog-7d9f8c6b5-x2x7q');
    assert.equal(shop?.status, 404);
    assert.match(shop!.summary, /HTTP 404: 404 page not found$/);
    assert.deepEqual(secure?.certificate, { fingerprint, subject: 'CN=secure.example.com' });
    assert.match(secure!.summary, /^https:\/\/secure\.example\.com\/ through traefik\.traefik\.svc:443: HTTP 200 from pod secure-6b5c-q7x2p; certificate CN=secure\.example\.com$/);
    assert.equal(www?.more.length, 10);
    assert.equal(www?.more.filter((pod) => pod.startsWith('canary-')).length, 2);
    const urls = execFileSync('cat', [join(dir, 'urls')], { encoding: 'utf8' });
    assert.match(urls, /^http:\/\/blog\.example\.com:30800\/x$/m);
    assert.match(urls, /^https:\/\/secure\.example\.com:443\/$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a probe cut short proves nothing', () => {
  const [answer] = parseTraefikAnswers([{ host: 'blog.example.com' }], '', false, 'm');
  assert.equal(answer?.finished, false);
  assert.match(answer!.summary, /did not finish in time$/);
  assert.equal(ingress.routes(answer, 'blog').passed, false);
});

test('routes passes only on a 200 from a pod of the Deployment', () => {
  const answer = { status: 200, body: 'blog-7d-x2x7q', pod: 'blog-7d-x2x7q', more: [], finished: true, summary: 's' };
  assert.equal(ingress.routes(answer, 'blog').passed, true);
  assert.equal(ingress.routes(answer, 'shop').passed, false);
  assert.equal(ingress.routes({ ...answer, status: 503 }, 'blog').passed, false);
});

test('the Ingress class: traefik by name or by default, not another controller', () => {
  const withClass = (spec: V1Ingress['spec'], annotations?: Record<string, string>): V1Ingress => ({ metadata: { name: 'sites', annotations }, spec });
  assert.equal(ingress.className(withClass({ ingressClassName: 'traefik' })).passed, true);
  assert.equal(ingress.className(withClass({})).passed, true);
  assert.equal(ingress.className(withClass({ ingressClassName: 'nginx' })).passed, false);
  assert.equal(ingress.className(withClass({}, { 'kubernetes.io/ingress.class': 'nginx' })).passed, false);
  assert.equal(ingress.className(null).passed, false);
});

test('rules read in one line, with their path types and the default backend', () => {
  const rules: V1Ingress = {
    spec: {
      defaultBackend: { service: { name: 'fallback', port: { number: 80 } } },
      rules: [{ host: 'app.example.com', http: { paths: [{ path: '/api', pathType: 'Exact', backend: { service: { name: 'api', port: { name: 'http' } } } }] } }],
    },
  };
  assert.equal(describeIngressRules(rules), 'app.example.com/api (Exact) → api:http; default backend → fallback:80');
});

test('TLS: the host under spec.tls, a Secret of type kubernetes.io/tls, a certificate for the host', () => {
  const withTls: V1Ingress = { spec: { tls: [{ hosts: ['secure.example.com'], secretName: 'secure-tls' }] } };
  assert.equal(ingress.tlsFor(withTls, 'secure.example.com', 'secure-tls').passed, true);
  assert.equal(ingress.tlsFor({ spec: { tls: [{ secretName: 'secure-tls' }] } }, 'secure.example.com', 'secure-tls').passed, false);
  assert.equal(ingress.tlsFor({ spec: {} }, 'secure.example.com', 'secure-tls').actual, 'no tls section');
  assert.equal(ingress.tlsSecret(tlsSecret(forHost), 'secure-tls').passed, true);
  assert.equal(ingress.tlsSecret(tlsSecret(forHost, 'Opaque'), 'secure-tls').passed, false);
  assert.equal(ingress.certificateFor(tlsSecret(forHost), 'secure.example.com').passed, true);
  const apex = ingress.certificateFor(tlsSecret(forApex), 'secure.example.com');
  assert.equal(apex.passed, false);
  assert.equal(apex.actual, 'subject CN=example.com; no subjectAltName');
  assert.equal(ingress.certificateFor(tlsSecret(forApex), 'example.com').passed, true, 'a CN counts when there is no subjectAltName');
  assert.equal(certificateOf(tlsSecret(forHost)).certificate?.fingerprint256, fingerprint);
  assert.equal(certificateOf({ data: { 'tls.crt': 'bm9wZQ==' } }).problem, 'tls.crt is not a PEM certificate');
});

test('HTTPS passes when the backend answers with the Secret\'s own certificate, not Traefik\'s default', () => {
  const secret = tlsSecret(forHost);
  const answer = { status: 200, body: 'secure-6b-q7x2p', pod: 'secure-6b-q7x2p', more: [], finished: true, summary: 's', certificate: { fingerprint, subject: 'CN=secure.example.com' } };
  assert.equal(ingress.servesCertificate(answer, secret, 'secure').passed, true);
  const fallback = { ...answer, certificate: { fingerprint: 'AA:BB', subject: 'CN=TRAEFIK DEFAULT CERT' } };
  assert.equal(ingress.servesCertificate(fallback, secret, 'secure').passed, false);
});

test('weights are shares at any scale; a split counts who answered', () => {
  const route = (refs: { name: string; weight?: number }[]): HttpRouteObject => ({ spec: { rules: [{ backendRefs: refs.map((ref) => ({ ...ref, port: 80 })) }] } });
  assert.deepEqual([...routeWeights(route([{ name: 'stable' }, { name: 'canary' }]))], [['stable', 1], ['canary', 1]]);
  const shares = { stable: 80, canary: 20 };
  assert.equal(httpRoute.weights(route([{ name: 'stable', weight: 80 }, { name: 'canary', weight: 20 }]), shares).passed, true);
  assert.equal(httpRoute.weights(route([{ name: 'canary', weight: 1 }, { name: 'stable', weight: 4 }]), shares).passed, true);
  const even = httpRoute.weights(route([{ name: 'stable' }, { name: 'canary' }]), shares);
  assert.equal(even.passed, false);
  assert.equal(even.actual, 'stable weight 1 (50%), canary weight 1 (50%)');
  const want = { stable: 'stable', canary: 'canary', share: 20, tolerance: 10 };
  const answers = (canary: number) => Array.from({ length: 20 }, (_, i) => (i < canary ? 'canary-7c-bbbbb' : 'stable-5d-aaaaa'));
  assert.equal(httpRoute.split(answers(4), want).passed, true);
  assert.equal(httpRoute.split(answers(10), want).passed, false);
  assert.equal(httpRoute.split(answers(0), want).passed, false);
  assert.equal(httpRoute.split(answers(16), want).actual, 'stable 4, canary 16 of 20 (80% canary)');
  assert.equal(httpRoute.split([...answers(4).slice(1), '404 page not found'], want).passed, false);
});

test('a route is attached when its Gateway accepted it and its backends resolved', () => {
  const status = (resolved: string): HttpRouteObject => ({
    spec: { parentRefs: [{ name: 'public' }] },
    status: { parents: [{ parentRef: { name: 'public' }, conditions: [{ type: 'Accepted', status: 'True' }, { type: 'ResolvedRefs', status: resolved, reason: 'BackendNotFound' }] }] },
  });
  assert.equal(httpRoute.accepted(status('True'), 'store', 'public').passed, true);
  const unresolved = httpRoute.accepted(status('False'), 'store', 'public');
  assert.equal(unresolved.passed, false);
  assert.equal(unresolved.actual, 'parent public: Accepted=True, ResolvedRefs=False (BackendNotFound)');
  assert.equal(httpRoute.accepted({ spec: { parentRefs: [{ name: 'traefik' }] } }, 'store', 'public').actual, 'parentRefs traefik; no status from public');
});
