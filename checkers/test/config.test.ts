import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';
import { config, describeOrigin, environmentOf, fileOrigin, referencedNames, secretText, type ReferencedObjects } from '../src/index.ts';
import type { Criterion } from '../src/types.ts';

// The configuration builders need no cluster: each judges objects built by hand here.
const b64 = (text: string) => Buffer.from(text).toString('base64');
const settings: V1ConfigMap = { metadata: { name: 'web-config' }, data: { DB_HOST: 'db', DB_PORT: '6379', 'not a name': 'x' } };
const dbSecret: V1Secret = { metadata: { name: 'db-secret' }, data: { password: b64('s3cret') } };
const objects: ReferencedObjects = { configMaps: { 'web-config': settings }, secrets: { 'db-secret': dbSecret } };
const facts = (c: Criterion) => [c.id, c.passed, c.expected, c.actual];

describe('environmentOf', () => {
  test('env entries, envFrom with and without prefix, and env winning over envFrom', () => {
    const container: V1Container = {
      name: 'web',
      envFrom: [{ configMapRef: { name: 'web-config' } }, { secretRef: { name: 'db-secret' }, prefix: 'DB_' }],
      env: [
        { name: 'DB_PORT', value: '6380' },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-secret', key: 'password' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      ],
    };
    const env = environmentOf(container, objects);
    assert.deepEqual(env.get('DB_HOST'), { from: 'configMap', name: 'web-config', key: 'DB_HOST' });
    assert.deepEqual(env.get('DB_PORT'), { from: 'value', value: '6380' });
    assert.deepEqual(env.get('DB_password'), { from: 'secret', name: 'db-secret', key: 'password' });
    assert.deepEqual(env.get('DB_PASSWORD'), { from: 'secret', name: 'db-secret', key: 'password' });
    assert.equal(env.has('not a name'), false, 'keys that are not variable names are skipped');
    assert.equal(describeOrigin(env.get('NODE')), 'the pod field spec.nodeName');
    assert.equal(describeOrigin(env.get('MISSING')), 'not set');
  });

  test('envFrom of a ConfigMap that does not exist gives nothing', () => {
    assert.equal(environmentOf({ name: 'x', envFrom: [{ configMapRef: { name: 'absent' } }] }, objects).size, 0);
  });

  test('referencedNames lists what env, envFrom and volumes name', () => {
    const names = referencedNames({
      containers: [{ name: 'a', envFrom: [{ configMapRef: { name: 'one' } }], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'two', key: 'k' } } }] }],
      volumes: [{ name: 'v', configMap: { name: 'three' } }, { name: 'p', projected: { sources: [{ secret: { name: 'four' } }] } }],
    });
    assert.deepEqual(names, { configMaps: ['one', 'three'], secrets: ['two', 'four'] });
  });
});

describe('fileOrigin', () => {
  const files: ReferencedObjects = {
    configMaps: { 'reader-config': { data: { 'app.conf': 'color=blue' } } },
    secrets: { 'reader-secret': { data: { token: b64('t0ken') } } },
  };
  const podWith = (mounts: V1Container['volumeMounts'], volumes: NonNullable<V1Pod['spec']>['volumes']): V1Pod => ({
    metadata: { name: 'reader' },
    spec: { containers: [{ name: 'reader', volumeMounts: mounts }], volumes },
  });
  const origin = (pod: V1Pod, path: string) => fileOrigin(pod.spec, pod.spec?.containers[0], path, files);

  test('a whole ConfigMap mounted as a folder: each key is a file', () => {
    const pod = podWith([{ name: 'cfg', mountPath: '/etc/reader/' }], [{ name: 'cfg', configMap: { name: 'reader-config' } }]);
    assert.deepEqual(origin(pod, '/etc/reader/app.conf'), { from: 'configMap', name: 'reader-config', key: 'app.conf' });
    assert.equal(origin(pod, '/etc/reader/other.conf'), undefined);
    assert.equal(origin(pod, '/etc/readerx/app.conf'), undefined);
  });

  test('items rename keys; subPath places one file; projected volumes combine sources', () => {
    const items = podWith([{ name: 's', mountPath: '/etc/reader-secret' }], [{ name: 's', secret: { secretName: 'reader-secret', items: [{ key: 'token', path: 'api/token' }] } }]);
    assert.deepEqual(origin(items, '/etc/reader-secret/api/token'), { from: 'secret', name: 'reader-secret', key: 'token' });
    assert.equal(origin(items, '/etc/reader-secret/token'), undefined);
    const sub = podWith([{ name: 'cfg', mountPath: '/etc/reader/app.conf', subPath: 'app.conf' }], [{ name: 'cfg', configMap: { name: 'reader-config' } }]);
    assert.deepEqual(origin(sub, '/etc/reader/app.conf'), { from: 'configMap', name: 'reader-config', key: 'app.conf' });
    const projected = podWith(
      [{ name: 'all', mountPath: '/etc/all' }],
      [{ name: 'all', projected: { sources: [{ configMap: { name: 'reader-config' } }, { secret: { name: 'reader-secret' } }] } }],
    );
    assert.deepEqual(origin(projected, '/etc/all/token'), { from: 'secret', name: 'reader-secret', key: 'token' });
  });

  test('a ConfigMap mounted at the file path without subPath makes a folder there, not the file', () => {
    const pod = podWith([{ name: 'cfg', mountPath: '/etc/reader/app.conf' }], [{ name: 'cfg', configMap: { name: 'reader-config' } }]);
    assert.equal(origin(pod, '/etc/reader/app.conf'), undefined);
    assert.deepEqual(origin(pod, '/etc/reader/app.conf/app.conf'), { from: 'configMap', name: 'reader-config', key: 'app.conf' });
    const c = config.file(pod, pod.spec?.containers[0], '/etc/reader/app.conf', { configMap: 'reader-config', key: 'app.conf' }, files);
    assert.deepEqual([c.id, c.passed], ['file', false]);
    assert.match(c.actual ?? '', /nothing mounted puts a file at \/etc\/reader\/app.conf \(mounts: cfg at \/etc\/reader\/app.conf\)/);
  });
});

describe('config criterion builders', () => {
  test('configMapData and configMapKeys', () => {
    assert.deepEqual(facts(config.configMapData(settings, 'web-config', { DB_HOST: 'db' })).slice(0, 3), ['configmap', true, 'DB_HOST=db']);
    assert.equal(config.configMapData(settings, 'web-config', { DB_HOST: 'database' }).passed, false);
    assert.equal(config.configMapData(null, 'web-config', { DB_HOST: 'db' }).actual, 'no ConfigMap named `web-config`');
    assert.equal(config.configMapKeys(settings, 'web-config', ['DB_HOST', 'DB_PORT']).passed, true);
    assert.deepEqual(facts(config.configMapKeys({ data: { db_host: 'db' } }, 'web-config', ['DB_HOST'])), ['configmap-keys', false, 'DB_HOST', 'db_host']);
  });

  test('secretValue decodes, and names a trailing newline and a value encoded twice', () => {
    assert.equal(secretText(dbSecret, 'password'), 's3cret');
    assert.equal(config.secretValue(dbSecret, 'db-secret', 'password', 's3cret').passed, true);
    assert.equal(config.secretValue(dbSecret, 'db-secret', 'password').passed, true, 'any non-empty value');
    const newline = config.secretValue({ data: { password: b64('s3cret\n') } }, 'db-secret', 'password', 's3cret');
    assert.deepEqual([newline.passed, /newline/.test(newline.actual ?? '')], [false, true]);
    const twice = config.secretValue({ data: { password: b64(b64('s3cret')) } }, 'db-secret', 'password', 's3cret');
    assert.deepEqual([twice.passed, /encoded twice/.test(twice.actual ?? '')], [false, true]);
    assert.equal(config.secretValue({ data: { pass: b64('x') } }, 'db-secret', 'password').actual, 'no key `password` (keys: pass)');
    assert.equal(config.secretValue({ data: { password: '' } }, 'db-secret', 'password').passed, false, 'empty is not a password');
  });

  test('envFrom passes on any route to the right key, and fails on a literal or another key', () => {
    const wanted = { DB_PASSWORD: { secret: 'db-secret', key: 'password' } };
    const byRef = environmentOf({ name: 'w', env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-secret', key: 'password' } } }] }, objects);
    assert.equal(config.envFrom(byRef, wanted).passed, true);
    const literal = environmentOf({ name: 'w', env: [{ name: 'DB_PASSWORD', value: 's3cret' }] }, objects);
    assert.deepEqual(facts(config.envFrom(literal, wanted)).slice(0, 2), ['env-source', false]);
    assert.equal(config.envFrom(literal, wanted).actual, 'DB_PASSWORD: a literal value in the pod spec');
    const wrongKey = environmentOf({ name: 'w', env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-secret', key: 'pass' } } }] }, objects);
    assert.equal(config.envFrom(wrongKey, wanted).actual, 'DB_PASSWORD: Secret `db-secret`, key `pass`');
    const fromConfigMap = environmentOf({ name: 'w', envFrom: [{ configMapRef: { name: 'web-config' } }] }, objects);
    assert.equal(config.envFrom(fromConfigMap, { DB_HOST: { configMap: 'web-config', key: 'DB_HOST' }, DB_PORT: { configMap: 'web-config', key: 'DB_PORT' } }).passed, true);
  });

  test('databaseReachable reads the app\'s JSON, its error, or the proxy\'s failure', () => {
    assert.equal(config.databaseReachable({ status: 200, body: '{"database":"reachable","address":"db:6379"}' }).passed, true);
    const refused = config.databaseReachable({ status: 503, body: '{"database":"unreachable","error":"auth failed: the database refused the password"}' });
    assert.deepEqual([refused.passed, refused.actual], [false, 'HTTP 503: unreachable (auth failed: the database refused the password)']);
    const noPods = config.databaseReachable({ body: '{"kind":"Status","message":"no endpoints available for service \\"web\\""}' });
    assert.match(noPods.actual ?? '', /^no answer from the app: .*no endpoints/);
  });
});
