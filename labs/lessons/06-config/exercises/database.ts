import {
  apply,
  buildCriterion,
  config,
  defineExercise,
  deletes,
  environmentOf,
  getOrNull,
  readReferencedObjects,
  sameImage,
  serviceBackends,
  type ConfigOrigin,
  type V1Container,
  type V1Deployment,
  type V1Secret,
  type V1Service,
} from '@kubelab/labs';

export const dbImage = 'kubelab/redis:7.0';
export const dbPassword = 'kubelab-db-pass';

export const dbSecret: V1Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-secret' }, type: 'Opaque', stringData: { password: dbPassword } };

export function dbDeployment(container: Partial<V1Container> = {}, image = dbImage): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'db', labels: { app: 'db' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'redis',
              image,
              ports: [{ name: 'redis', containerPort: 6379 }],
              env: [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-secret', key: 'password' } } }],
              ...container,
            },
          ],
        },
      },
    },
  };
}

export function dbService(port: number | string = 6379, targetPort: number | string = 6379): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'db', labels: { app: 'db' } },
    spec: { selector: { app: 'db' }, ports: [{ port: Number(port), targetPort }] },
  };
}

/** The database of this exercise's solution, ready: the next exercise starts from it. */
export const runningDatabase = `${apply([dbSecret, dbDeployment(), dbService()])}
kubectl rollout status deployment/db --timeout=120s`;

const rolledOut = 'kubectl rollout status deployment/db --timeout=120s';

/**
 * Where the server's password comes from: an argument `--requirepass $(VAR)` (the kubelet expands it from the
 * container's env), or else the variable REDIS_PASSWORD the image reads.
 */
function passwordOrigin(container: V1Container | undefined, env: Map<string, ConfigOrigin>): { origin: ConfigOrigin | undefined; via: string } {
  const argv = [...(container?.command ?? []), ...(container?.args ?? [])];
  const flag = argv.indexOf('--requirepass');
  if (flag >= 0) {
    const word = argv[flag + 1] ?? '';
    const reference = /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(word);
    if (!reference) return { origin: { from: 'value', value: word }, via: '--requirepass' };
    return { origin: env.get(reference[1]!), via: `--requirepass $(${reference[1]})` };
  }
  return { origin: env.get('REDIS_PASSWORD'), via: 'REDIS_PASSWORD' };
}

export default defineExercise({
  title: 'A database with its password in a Secret',
  hints: [
    '`kubectl create secret generic db-secret --from-literal=password=…` makes the Secret; `kubectl create deployment db --image=kubelab/redis:7.0` the database. Its log says what it is missing.',
    '`kubectl set env deployment/db --from=secret/db-secret --keys=password --prefix=REDIS_` adds `REDIS_PASSWORD` with a `secretKeyRef`. In YAML: `env: [{name: REDIS_PASSWORD, valueFrom: {secretKeyRef: {name: db-secret, key: password}}}]`.',
    '`kubectl expose deployment db --port=6379` puts a Service in front; `kubectl get endpointslices -l kubernetes.io/service-name=db` shows the pod behind it.',
  ],
  solution: `kubectl create secret generic db-secret --from-literal=password=${dbPassword}
kubectl create deployment db --image=${dbImage} --port=6379
kubectl set env deployment/db --from=secret/db-secret --keys=password --prefix=REDIS_
kubectl expose deployment db --port=6379
${rolledOut}`,
  // Foreground: the command returns once the pods are gone too, so the next scenario's pods are the only ones.
  cleanup: `${deletes('deployment/db', 'service/db', 'secret/db-secret')} --cascade=foreground`,
  variants: [
    {
      name: 'YAML: the password as --requirepass $(DB_PASSWORD), a stringData Secret, the Service targeting the port by name',
      apply: `${apply([
        dbSecret,
        dbDeployment(
          {
            args: ['--requirepass', '$(DB_PASSWORD)'],
            env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-secret', key: 'password' } } }],
          },
          `docker.io/${dbImage}`,
        ),
        dbService(6379, 'redis'),
      ])}
${rolledOut}`,
    },
  ],
  nearMisses: [
    {
      name: 'the password typed into the Deployment as a literal',
      apply: `kubectl create secret generic db-secret --from-literal=password=${dbPassword}
${apply([dbDeployment({ env: [{ name: 'REDIS_PASSWORD', value: dbPassword }] }), dbService()])}
${rolledOut}`,
      failsOn: 'password-from-secret',
    },
    {
      name: 'secretKeyRef to a key that does not exist (pass)',
      apply: `${apply([dbSecret, dbDeployment({ env: [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-secret', key: 'pass' } } }] }), dbService()])}
until kubectl get pods -l app=db -o name | grep -q .; do sleep 1; done
kubectl wait --for=jsonpath='{.status.containerStatuses[0].state.waiting.reason}'=CreateContainerConfigError pod -l app=db --timeout=120s`,
      failsOn: 'password-from-secret',
    },
    {
      name: 'the Service on port 80 instead of 6379',
      apply: `${apply([dbSecret, dbDeployment(), dbService(80, 6379)])}
${rolledOut}`,
      failsOn: 'service',
    },
  ],
  check: async (cluster) => {
    const secret = await config.readSecret(cluster, 'db-secret');
    const deployment = await getOrNull(() => cluster.apps.readNamespacedDeployment({ name: 'db', namespace: 'default' }));
    const spec = deployment?.spec?.template.spec;
    const container = spec?.containers.find((c) => sameImage(c.image, dbImage)) ?? spec?.containers[0];
    const env = environmentOf(container, await readReferencedObjects(cluster, spec));
    const password = passwordOrigin(container, env);
    const { service, ports } = await serviceBackends(cluster, 'db');
    const redisPort = ports.find((p) => p.port === 6379);
    const status = deployment?.status;
    const ready = (status?.readyReplicas ?? 0) >= 1 && status?.updatedReplicas === status?.replicas && (status?.replicas ?? 0) >= 1;
    return [
      config.secretValue(secret, 'db-secret', 'password'),
      buildCriterion(
        {
          id: 'deployment',
          description: `A Deployment named \`db\` runs \`${dbImage}\``,
          hint: `\`kubectl create deployment db --image=${dbImage}\`; \`kubectl get deployments\` lists what is there.`,
        },
        {},
        {
          passed: container !== undefined && sameImage(container.image, dbImage),
          expected: `deployment/db with ${dbImage}`,
          actual: !deployment ? 'no Deployment named `db`' : `deployment/db with ${spec?.containers.map((c) => c.image).join(', ')}`,
        },
      ),
      config.envFrom(
        new Map(password.origin ? [['password', password.origin]] : []),
        { password: { secret: 'db-secret', key: 'password' } },
        {
          id: 'password-from-secret',
          description: 'The database takes its password from the Secret `db-secret`, key `password` (in `REDIS_PASSWORD`, or `--requirepass $(VAR)`)',
          hint: 'Reference the Secret instead of typing the password: `valueFrom: {secretKeyRef: {name: db-secret, key: password}}`. The key must be one the Secret has: `kubectl describe secret db-secret` lists them.',
        },
      ),
      buildCriterion(
        {
          id: 'available',
          description: 'The Deployment `db` has rolled out and its pod is ready',
          hint: '`kubectl get pods -l app=db` and `kubectl describe pod -l app=db` say why a pod is not ready; `kubectl logs deployment/db` what the database said.',
        },
        {},
        {
          passed: ready,
          expected: 'every replica updated and ready',
          actual: status ? `${status.readyReplicas ?? 0} ready, ${status.updatedReplicas ?? 0}/${status.replicas ?? 0} updated` : 'no Deployment',
        },
      ),
      buildCriterion(
        {
          id: 'service',
          description: 'A Service named `db` answers on port 6379 and leads to the database pod on 6379',
          hint: 'Clients will connect to `db:6379`: `kubectl expose deployment db --port=6379`. `kubectl get endpointslices -l kubernetes.io/service-name=db` shows where it leads.',
        },
        {},
        {
          passed: redisPort !== undefined && redisPort.ready.some((endpoint) => endpoint.endsWith(':6379')),
          expected: 'port 6379 → a ready pod on 6379',
          actual: !service
            ? 'no Service named `db`'
            : ports.map((p) => `port ${p.port} → ${p.ready.length ? p.ready.join(', ') : 'no ready pod'}`).join('; ') || 'no ports',
        },
      ),
    ];
  },
});
