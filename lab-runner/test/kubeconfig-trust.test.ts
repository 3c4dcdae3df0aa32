/**
 * The kubeconfig allowlist (@kubelab/kit/kubeconfig), without a cluster: what kind writes is accepted and rebuilt
 * byte for byte the same every time; every field that could make kubectl or client-node run a command, read a
 * host file, skip TLS or use a proxy is refused with E_UNSAFE_KUBECONFIG, and so is anything else that kubeadm
 * does not write. (checkers/test/context.test.ts holds the checks' client to the same rule.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { run } from '@kubelab/kit/exec';
import { KubelabError } from '@kubelab/kit/errors';
import { toolPath } from '@kubelab/kit/artifacts';
import { renderKubeconfig, sanitizeKubeconfig, withKubeconfigFile } from '@kubelab/kit/kubeconfig';

const pem = (label: string, body: string) => Buffer.from(`-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`).toString('base64');
const ca = pem('CERTIFICATE', 'Y2EtYm9keQ==');
const cert = pem('CERTIFICATE', 'Y2VydC1ib2R5');
const key = pem('RSA PRIVATE KEY', 'a2V5LWJvZHk=');

/** What `kind get kubeconfig` prints, field for field (kind's own layout and names). */
const kindKubeconfig = (server = 'https://127.0.0.1:39811') => `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${ca}
    server: ${server}
  name: kind-kubelab-demo
contexts:
- context:
    cluster: kind-kubelab-demo
    user: kind-kubelab-demo
  name: kind-kubelab-demo
current-context: kind-kubelab-demo
kind: Config
preferences: {}
users:
- name: kind-kubelab-demo
  user:
    client-certificate-data: ${cert}
    client-key-data: ${key}
`;

const clean = () => parse(kindKubeconfig()) as { clusters: { name: string; cluster: Record<string, unknown> }[]; users: { name: string; user: Record<string, unknown> }[] } & Record<string, unknown>;

const refused = (field: string) => (error: unknown) => {
  assert.ok(error instanceof KubelabError, `expected a KubelabError, got ${error}`);
  assert.equal(error.code, 'E_UNSAFE_KUBECONFIG');
  if (field) assert.match(error.message, new RegExp(field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.ok(error.hint && /Delete the cluster/.test(error.hint));
  return true;
};

test('the kubeconfig kind writes is accepted, and rebuilt the same, byte for byte, every time', () => {
  const safe = sanitizeKubeconfig(clean(), { name: 'kind-kubelab-demo' });
  assert.deepEqual(safe, {
    name: 'kind-kubelab-demo',
    server: 'https://127.0.0.1:39811',
    certificateAuthorityData: ca,
    clientCertificateData: cert,
    clientKeyData: key,
  });
  const text = renderKubeconfig(safe);
  assert.equal(text, kindKubeconfig(), 'the rebuilt text is what kind wrote, in the same layout');
  const again = renderKubeconfig(sanitizeKubeconfig(parse(text), { name: 'kind-kubelab-demo' }));
  assert.equal(again, text, 'sanitizing what it wrote gives the same bytes');
  // The names come from the provider, not the file: a file that names itself otherwise gets Kubelab's names.
  const renamed = renderKubeconfig(sanitizeKubeconfig(parse(kindKubeconfig().replaceAll('kind-kubelab-demo', 'kubernetes-admin')), { name: 'kind-kubelab-demo' }));
  assert.equal(renamed, text);
});

test('the internal kubeconfig (server on the cluster network) is accepted too; odd but valid values are quoted, not mangled', () => {
  const internal = sanitizeKubeconfig(parse(kindKubeconfig('https://kubelab-demo-control-plane:6443')));
  assert.equal(internal.server, 'https://kubelab-demo-control-plane:6443');
  for (const server of ['https://[::1]:6443', 'https://10.0.0.1:6443']) {
    const safe = sanitizeKubeconfig(parse(kindKubeconfig(server)), { name: 'true' });
    const back = parse(renderKubeconfig(safe)) as { clusters: { cluster: { server: unknown } }[]; 'current-context': unknown };
    assert.equal(back.clusters[0]!.cluster.server, server);
    assert.equal(back['current-context'], 'true', 'a name YAML would read as a boolean is quoted');
  }
});

test('kubectl reads the rebuilt kubeconfig as the same cluster and user', { skip: !existsSync(toolPath('kubectl')) && 'kubectl is not set up' }, async () => {
  const text = renderKubeconfig(sanitizeKubeconfig(clean(), { name: 'kind-kubelab-demo' }));
  const view = await withKubeconfigFile(text, async (path) =>
    JSON.parse((await run([toolPath('kubectl'), 'config', 'view', '--raw', '-o', 'json'], { env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', KUBECONFIG: path } })).stdout),
  );
  assert.equal(view['current-context'], 'kind-kubelab-demo');
  assert.deepEqual(view.clusters[0].cluster, { server: 'https://127.0.0.1:39811', 'certificate-authority-data': ca });
  assert.deepEqual(view.users[0].user, { 'client-certificate-data': cert, 'client-key-data': key });
});

test('a temporary kubeconfig lives in a private folder (0700, the file 0600) that is gone afterwards, even when the work fails', async () => {
  let seen: { dir: string; dirMode: number; fileMode: number } | undefined;
  await assert.rejects(
    withKubeconfigFile('apiVersion: v1\n', async (path, dir) => {
      seen = { dir, dirMode: statSync(dir).mode & 0o777, fileMode: statSync(path).mode & 0o777 };
      throw new Error('kubectl failed');
    }),
    /kubectl failed/,
  );
  assert.deepEqual({ dirMode: seen!.dirMode, fileMode: seen!.fileMode }, { dirMode: 0o700, fileMode: 0o600 }, 'only its owner can list or read it');
  assert.equal(existsSync(seen!.dir), false, 'removed afterwards');
});

/** Every field of a kubeconfig's cluster and user entries that Kubelab refuses, with a value that would do harm. */
const refusedClusterFields: Record<string, unknown> = {
  'insecure-skip-tls-verify': true,
  'certificate-authority': '/etc/kubernetes/pki/ca.crt',
  'proxy-url': 'http://attacker.example:3128',
  'tls-server-name': 'kubernetes',
  'disable-compression': true,
  extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { anything: 1 } }],
};
const refusedUserFields: Record<string, unknown> = {
  exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', 'touch /tmp/pwned'] },
  'auth-provider': { name: 'gcp', config: { 'cmd-path': '/bin/sh', 'cmd-args': '-c "touch /tmp/pwned"' } },
  token: 'a-bearer-token',
  tokenFile: '/root/.ssh/id_ed25519',
  username: 'admin',
  password: 'secret',
  'client-certificate': '/etc/kubernetes/pki/admin.crt',
  'client-key': '/etc/kubernetes/pki/admin.key',
  as: 'system:admin',
  'as-uid': '0',
  'as-groups': ['system:masters'],
  'as-user-extra': { scopes: ['x'] },
  extensions: [],
};

for (const [field, value] of Object.entries(refusedClusterFields)) {
  test(`a cluster entry with ${field} is refused`, () => {
    const config = clean();
    config.clusters[0]!.cluster[field] = value;
    assert.throws(() => sanitizeKubeconfig(config), refused(field));
  });
}

for (const [field, value] of Object.entries(refusedUserFields)) {
  test(`a user entry with ${field} is refused, even beside a client certificate`, () => {
    const config = clean();
    config.users[0]!.user[field] = value;
    assert.throws(() => sanitizeKubeconfig(config), (error: unknown) => {
      refused(field)(error);
      // The message names the field, never its value (a token or a path is not for the log of a learner's lab).
      if (typeof value === 'string') assert.ok(!(error as Error).message.includes(value));
      return true;
    });
  });
}

test('a user with exec or a token file and no certificate at all is refused', () => {
  for (const user of [{ exec: refusedUserFields.exec }, { tokenFile: '/etc/shadow' }]) {
    const config = clean();
    config.users[0]!.user = user;
    assert.throws(() => sanitizeKubeconfig(config), refused(''));
  }
});

test('anything else kubeadm does not write is refused too', () => {
  const cases: [string, (config: ReturnType<typeof clean>) => unknown][] = [
    ['an extra field beside name and user', (c) => ({ ...c, users: [{ ...c.users[0], extra: 1 }] })],
    ['two users', (c) => ({ ...c, users: [c.users[0], { ...c.users[0], name: 'other' }] })],
    ['no clusters', (c) => ({ ...c, clusters: [] })],
    ['no users at all', (c) => ({ ...c, users: undefined })],
    ['a user without a key', (c) => ({ ...c, users: [{ name: 'u', user: { 'client-certificate-data': cert } }] })],
    ['a cluster without a CA', (c) => ({ ...c, clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }] })],
    ['data that is not base64', (c) => ({ ...c, users: [{ name: 'u', user: { 'client-certificate-data': '$(touch /tmp/x)', 'client-key-data': key } }] })],
    ['a number for the key', (c) => ({ ...c, users: [{ name: 'u', user: { 'client-certificate-data': cert, 'client-key-data': 42 } }] })],
    ['a name with a newline', (c) => ({ ...c, clusters: [{ ...c.clusters[0], name: 'a\nb' }] })],
    ['plain http', (c) => ({ ...c, clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:1', 'certificate-authority-data': ca } }] })],
    ['credentials in the URL', (c) => ({ ...c, clusters: [{ name: 'c', cluster: { server: 'https://u:p@127.0.0.1:1', 'certificate-authority-data': ca } }] })],
    ['a path in the URL', (c) => ({ ...c, clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1/proxy', 'certificate-authority-data': ca } }] })],
    ['a query in the URL', (c) => ({ ...c, clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1/?x=1', 'certificate-authority-data': ca } }] })],
    ['another kind of object', (c) => ({ ...c, kind: 'Pod' })],
    ['a list', () => []],
    ['nothing', () => null],
  ];
  for (const [what, make] of cases) assert.throws(() => sanitizeKubeconfig(make(clean())), refused(''), what);
});
