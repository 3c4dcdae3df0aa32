/**
 * The checks' client is built from explicit objects: only the allowlisted fields of a kubeconfig reach
 * client-node, and a kubeconfig with anything that could run a command or read a file is refused outright (the
 * lab-runner serves only clean ones; this is the second line).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubelabError } from '@kubelab/kit/errors';
import { contextFromKubeconfig } from '../src/index.ts';

const pem = (label: string, body: string) => Buffer.from(`-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`).toString('base64');
const ca = pem('CERTIFICATE', 'Y2EtYm9keQ==');
const cert = pem('CERTIFICATE', 'Y2VydC1ib2R5');
const key = pem('RSA PRIVATE KEY', 'a2V5LWJvZHk=');

const kindKubeconfig = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${ca}
    server: https://127.0.0.1:39811
  name: kind-kubelab-demo
contexts:
- context:
    cluster: kind-kubelab-demo
    user: kind-kubelab-demo
    namespace: default
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

const refused = (field: string) => (error: unknown) => {
  assert.ok(error instanceof KubelabError, `expected a KubelabError, got ${error}`);
  assert.equal(error.code, 'E_UNSAFE_KUBECONFIG');
  assert.ok(error.message.includes(field), error.message);
  return true;
};

test('the client gets the server, the CA and the client certificate and key, and nothing else', () => {
  const k = contextFromKubeconfig(kindKubeconfig);
  assert.deepEqual({ ...k.kubeConfig.getCurrentUser() }, { name: 'kind-kubelab-demo', certData: cert, keyData: key });
  assert.deepEqual({ ...k.kubeConfig.getCurrentCluster() }, { name: 'kind-kubelab-demo', server: 'https://127.0.0.1:39811', caData: ca, skipTLSVerify: false });
  assert.equal(k.kubeConfig.getCurrentContext(), 'kind-kubelab-demo');
  // JSON is YAML: a kubeconfig written as JSON goes through the same rule.
  const json = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority-data': ca } }],
    users: [{ name: 'u', user: { 'client-certificate-data': cert, 'client-key-data': key } }],
  });
  assert.equal(contextFromKubeconfig(json).kubeConfig.getCurrentCluster()?.server, 'https://127.0.0.1:1');
});

test('a kubeconfig with a credential plugin, an auth-provider command, a token file or a proxy is refused', () => {
  const withUser = (lines: string) => kindKubeconfig.replace('  user:\n', `  user:\n${lines}`);
  const cases: [string, string][] = [
    ['exec', withUser('    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: sh\n      args: [-c, "touch /tmp/pwned"]\n')],
    ['auth-provider', withUser('    auth-provider:\n      name: gcp\n      config: {cmd-path: /bin/sh}\n')],
    ['tokenFile', withUser('    tokenFile: /etc/shadow\n')],
    ['token', withUser('    token: abc\n')],
    ['client-key', withUser('    client-key: /root/.ssh/id_ed25519\n')],
    ['proxy-url', kindKubeconfig.replace('    server:', '    proxy-url: http://attacker.example:3128\n    server:')],
    ['insecure-skip-tls-verify', kindKubeconfig.replace('    server:', '    insecure-skip-tls-verify: true\n    server:')],
  ];
  for (const [field, text] of cases) assert.throws(() => contextFromKubeconfig(text), refused(field), field);
  assert.throws(() => contextFromKubeconfig('not: [a kubeconfig'), refused('kubeconfig'));
  assert.throws(() => contextFromKubeconfig(''), refused('kubeconfig'));
});
