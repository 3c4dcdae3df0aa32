import {
  apply,
  config,
  defineExercise,
  deletes,
  logIncludes,
  pod,
  readReferencedObjects,
  type V1ConfigMap,
  type V1Container,
  type V1Pod,
  type V1Secret,
} from '@kubelab/labs';

const appConf = 'color=blue\nsize=large\n';
const token = 'kubelab-token-7c1f';

const files: [V1ConfigMap, V1Secret] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'reader-config' }, data: { 'app.conf': appConf } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'reader-secret' }, type: 'Opaque', data: { token: Buffer.from(token).toString('base64') } },
];

const printThenWait = 'cat /etc/reader/app.conf /etc/reader-secret/token; echo; trap "exit 0" TERM; sleep infinity & wait';

type Volumes = NonNullable<V1Pod['spec']>['volumes'];

function reader(mounts: V1Container['volumeMounts'], volumes: Volumes, extra: Partial<V1Container> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'reader' },
    spec: {
      containers: [{ name: 'reader', image: 'kubelab/toolbox:1.0', command: ['sh', '-c', printThenWait], volumeMounts: mounts, ...extra }],
      volumes,
    },
  };
}

const bothFolders = reader(
  [
    { name: 'config', mountPath: '/etc/reader' },
    { name: 'secret', mountPath: '/etc/reader-secret' },
  ],
  [
    { name: 'config', configMap: { name: 'reader-config' } },
    { name: 'secret', secret: { secretName: 'reader-secret' } },
  ],
);

const settle = `kubectl wait --for=condition=Ready pod/reader --timeout=120s
sleep 1`;

export default defineExercise({
  title: 'Configuration as files',
  hints: [
    'A volume can be made from a ConfigMap or a Secret: each key becomes a file in the folder where the container mounts it.',
    'Under `spec.volumes`, add `{name: config, configMap: {name: reader-config}}` and `{name: secret, secret: {secretName: reader-secret}}`; in the container, `volumeMounts` puts each one at its `mountPath`.',
    'Mounting at a file\'s own path (`/etc/reader/app.conf`) makes a folder of that name: mount the folder, or add `subPath: app.conf`. `kubectl exec reader -- ls -l /etc/reader` shows what is there.',
  ],
  setup: apply(files),
  solution: `${apply(bothFolders)}
${settle}`,
  cleanup: deletes('pod/reader', 'configmap/reader-config', 'secret/reader-secret'),
  variants: [
    {
      name: 'one file each with subPath, items and defaultMode, read-only mounts',
      apply: `${apply(
        reader(
          [
            { name: 'config', mountPath: '/etc/reader/app.conf', subPath: 'app.conf', readOnly: true },
            { name: 'secret', mountPath: '/etc/reader-secret', readOnly: true },
          ],
          [
            { name: 'config', configMap: { name: 'reader-config' } },
            { name: 'secret', secret: { secretName: 'reader-secret', items: [{ key: 'token', path: 'token' }], defaultMode: 0o400 } },
          ],
        ),
      )}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'the token as an environment variable instead of a file',
      apply: `${apply(
        reader([{ name: 'config', mountPath: '/etc/reader' }], [{ name: 'config', configMap: { name: 'reader-config' } }], {
          command: ['sh', '-c', 'cat /etc/reader/app.conf; echo "$TOKEN"; trap "exit 0" TERM; sleep infinity & wait'],
          env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'reader-secret', key: 'token' } } }],
        }),
      )}
${settle}`,
      failsOn: 'secret-file',
    },
    {
      name: 'the ConfigMap mounted at /etc/reader/app.conf without subPath (a folder, not the file)',
      apply: `${apply(
        reader(
          [
            { name: 'config', mountPath: '/etc/reader/app.conf' },
            { name: 'secret', mountPath: '/etc/reader-secret' },
          ],
          [
            { name: 'config', configMap: { name: 'reader-config' } },
            { name: 'secret', secret: { secretName: 'reader-secret' } },
          ],
        ),
      )}
${settle}`,
      failsOn: 'config-file',
    },
  ],
  check: async (cluster) => {
    const target = await pod.read(cluster, 'reader');
    const container = target?.spec?.containers[0];
    const objects = await readReferencedObjects(cluster, target?.spec);
    const log = await pod.log(cluster, target);
    return [
      pod.exists(target, 'reader'),
      pod.running(target),
      config.file(target, container, '/etc/reader/app.conf', { configMap: 'reader-config', key: 'app.conf' }, objects, { id: 'config-file' }),
      config.file(target, container, '/etc/reader-secret/token', { secret: 'reader-secret', key: 'token' }, objects, { id: 'secret-file' }),
      logIncludes(log, 'color=blue', {
        id: 'printed-config',
        description: 'The pod printed `app.conf` (its log shows `color=blue`)',
        hint: 'The command should `cat /etc/reader/app.conf`; `kubectl logs reader` shows what it printed.',
      }),
      logIncludes(log, token, {
        id: 'printed-secret',
        description: 'The pod printed the token, decoded: inside the container a Secret is plain text',
        hint: 'The command should `cat /etc/reader-secret/token`; `kubectl logs reader` shows what it printed.',
      }),
    ];
  },
});
