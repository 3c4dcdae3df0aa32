import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDACTED, redactSecrets } from '../notebook/redact.ts';

test('secret values on a command line are replaced, and what was done stays readable', () => {
  const cases: [string, string][] = [
    ['kubectl create secret generic db --from-literal=password=hunter2', `kubectl create secret generic db --from-literal=password=${REDACTED}`],
    ['kubectl create secret generic db --from-literal user=admin --from-literal=pw=s3cr3t', `kubectl create secret generic db --from-literal user=${REDACTED} --from-literal=pw=${REDACTED}`],
    ["kubectl create secret generic db --from-literal='password=a b'", `kubectl create secret generic db --from-literal='password=${REDACTED}'`],
    ['helm install x ./chart --set-string a=1 --password hunter2', `helm install x ./chart --set-string a=1 --password ${REDACTED}`],
    ['kubectl --token=eyJhbGciOi get pods', `kubectl --token=${REDACTED} get pods`],
    ['kubectl create secret docker-registry r --docker-password "p w" --docker-username u', `kubectl create secret docker-registry r --docker-password ${REDACTED} --docker-username u`],
    ['export GITHUB_TOKEN=ghp_abc123', `export GITHUB_TOKEN=${REDACTED}`],
    ["DB_PASSWORD='x y' ./run.sh", `DB_PASSWORD=${REDACTED} ./run.sh`],
    ['curl -H "Authorization: Bearer abc.def" https://api', `curl -H "Authorization: Bearer ${REDACTED}" https://api`],
    ['curl https://admin:hunter2@10.0.0.1/', `curl https://admin:${REDACTED}@10.0.0.1/`],
    ['curl -u admin:hunter2 http://x', `curl -u admin:${REDACTED} http://x`],
  ];
  for (const [input, expected] of cases) {
    const result = redactSecrets(input);
    assert.equal(result.text, expected, input);
    assert.equal(result.redacted, true, input);
    assert.doesNotMatch(result.text, /hunter2|s3cr3t|ghp_abc123|abc\.def|eyJhbGciOi/, input);
  }
});

test('ordinary commands are stored as typed', () => {
  for (const command of [
    'kubectl get pods -o wide',
    'kubectl create secret generic db --from-file=./password.txt',
    'kubectl get secret db -o jsonpath={.data.password}',
    'kubectl create token default --duration=1h',
    'echo $TOKEN',
    'kubectl describe sa default',
  ]) {
    assert.deepEqual(redactSecrets(command), { text: command, redacted: false }, command);
  }
});

test('a long hostile line is handled in linear time', () => {
  const line = `--password${' '.repeat(50_000)}x ${'a='.repeat(50_000)}`;
  const started = performance.now();
  redactSecrets(line);
  assert.ok(performance.now() - started < 2000);
});
