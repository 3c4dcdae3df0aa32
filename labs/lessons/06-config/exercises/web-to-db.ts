import {
  apply,
  buildCriterion,
  config,
  defineExercise,
  deletes,
  environmentOf,
  eventually,
  getOrNull,
  readReferencedObjects,
  sameImage,
  serviceAnswer,
  serviceBackends,
  type ServiceAnswer,
  type V1ConfigMap,
  type V1Container,
  type V1Deployment,
  type V1Service,
} from '@kubelab/labs';
import { runningDatabase } from './database.ts';

const webImage = 'kubelab/web:1.0';
const nodePort = 30100;

const webConfig = (data: Record<string, string> = { DB_HOST: 'db', DB_PORT: '6379' }): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-config' },
  data,
});

const fromConfigMap = (name: string, key = name) => ({ name, valueFrom: { configMapKeyRef: { name: 'web-config', key } } });
const passwordFromSecret = (key = 'password') => ({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-secret', key } } });

function webDeployment(container: Partial<V1Container> = {}, image = webImage): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'web',
              image,
              ports: [{ name: 'http', containerPort: 5000 }],
              env: [fromConfigMap('DB_HOST'), fromConfigMap('DB_PORT'), passwordFromSecret()],
              ...container,
            },
          ],
        },
      },
    },
  };
}

function webService(port: { nodePort?: number; targetPort?: number | string; port?: number } = {}, type = 'NodePort'): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      type,
      selector: { app: 'web' },
      ports: [{ port: port.port ?? 5000, targetPort: port.targetPort ?? 5000, ...(type === 'NodePort' ? { nodePort: port.nodePort ?? nodePort } : {}) }],
    },
  };
}

const rolledOut = 'kubectl rollout status deployment/web --timeout=120s';

export default defineExercise({
  title: 'Wire the web app to its database',
  hints: [
    'Three objects: `kubectl create configmap web-config --from-literal=DB_HOST=db --from-literal=DB_PORT=6379`, a Deployment `web`, and a Service `web` of type NodePort.',
    'In the Deployment\'s container, `envFrom: [{configMapRef: {name: web-config}}]` gives DB_HOST and DB_PORT; `env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db-secret, key: password}}}]` the password.',
    'A NodePort Service picks a random port unless you set `nodePort: 30100` under its port (in YAML, or `kubectl create service nodeport web --tcp=5000:5000 --node-port=30100`). Then `curl http://<node address>:30100/api/v1/db` says what the app found.',
  ],
  setup: runningDatabase,
  solution: `kubectl create configmap web-config --from-literal=DB_HOST=db --from-literal=DB_PORT=6379
${apply(webDeployment({ env: [passwordFromSecret()], envFrom: [{ configMapRef: { name: 'web-config' } }] }))}
kubectl create service nodeport web --tcp=5000:5000 --node-port=${nodePort}
${rolledOut}`,
  // Foreground: the command returns once the pods are gone too, so the next scenario's pods are the only ones.
  cleanup: `${deletes('deployment/web', 'service/web', 'configmap/web-config', 'deployment/db', 'service/db', 'secret/db-secret')} --cascade=foreground`,
  variants: [
    {
      name: 'one configMapKeyRef per variable, DB_HOST as the full DNS name, the Service on port 80 to the port named http',
      apply: `${apply([
        webConfig({ DB_HOST: 'db.default.svc.cluster.local', DB_PORT: '6379' }),
        webDeployment({}, `docker.io/${webImage}`),
        webService({ port: 80, targetPort: 'http' }),
      ])}
${rolledOut}`,
    },
  ],
  nearMisses: [
    {
      name: 'secretKeyRef to the key pass, which the Secret does not have',
      apply: `${apply([webConfig(), webDeployment({ env: [fromConfigMap('DB_HOST'), fromConfigMap('DB_PORT'), passwordFromSecret('pass')] }), webService()])}
until kubectl get pods -l app=web -o name | grep -q .; do sleep 1; done
kubectl wait --for=jsonpath='{.status.containerStatuses[0].state.waiting.reason}'=CreateContainerConfigError pod -l app=web --timeout=120s`,
      failsOn: 'password-from-secret',
    },
    {
      name: 'the password put in the ConfigMap',
      apply: `${apply([
        webConfig({ DB_HOST: 'db', DB_PORT: '6379', DB_PASSWORD: 'kubelab-db-pass' }),
        webDeployment({ env: [], envFrom: [{ configMapRef: { name: 'web-config' } }] }),
        webService(),
      ])}
${rolledOut}`,
      failsOn: 'password-from-secret',
    },
    {
      name: 'DB_PORT 6380 (no database there)',
      apply: `${apply([webConfig({ DB_HOST: 'db', DB_PORT: '6380' }), webDeployment(), webService()])}
${rolledOut}`,
      failsOn: 'reachable',
    },
    {
      name: 'a NodePort Service without nodePort (Kubernetes picks a random port)',
      apply: `${apply([webConfig(), webDeployment()])}
kubectl create service nodeport web --tcp=5000:5000
${rolledOut}`,
      failsOn: 'nodeport',
    },
  ],
  check: async (cluster, signal) => {
    const configMap = await config.readConfigMap(cluster, 'web-config');
    const deployment = await getOrNull(() => cluster.apps.readNamespacedDeployment({ name: 'web', namespace: 'default' }));
    const spec = deployment?.spec?.template.spec;
    const container = spec?.containers.find((c) => sameImage(c.image, webImage)) ?? spec?.containers[0];
    const env = environmentOf(container, await readReferencedObjects(cluster, spec));
    const { service, ports } = await serviceBackends(cluster, 'web');
    const exposed = ports.find((p) => p.nodePort === nodePort);
    let answer: ServiceAnswer = { body: service ? 'the Service has no port with node port 30100' : 'no Service named `web`' };
    if (exposed) {
      const target = { service: 'web', port: exposed.name || exposed.port, path: '/api/v1/db' };
      answer = (await eventually(
        async () => {
          answer = await serviceAnswer(cluster, target);
          return answer.status === 200 ? answer : undefined;
        },
        { timeoutMs: 6_000, signal },
      )) ?? answer;
    }
    return [
      config.configMapKeys(configMap, 'web-config', ['DB_HOST', 'DB_PORT']),
      buildCriterion(
        {
          id: 'deployment',
          description: `A Deployment named \`web\` runs \`${webImage}\``,
          hint: `\`kubectl create deployment web --image=${webImage} --dry-run=client -o yaml > web.yaml\` gives a manifest to add the environment to.`,
        },
        {},
        {
          passed: container !== undefined && sameImage(container.image, webImage),
          expected: `deployment/web with ${webImage}`,
          actual: !deployment ? 'no Deployment named `web`' : `deployment/web with ${spec?.containers.map((c) => c.image).join(', ')}`,
        },
      ),
      config.envFrom(
        env,
        { DB_HOST: { configMap: 'web-config', key: 'DB_HOST' }, DB_PORT: { configMap: 'web-config', key: 'DB_PORT' } },
        {
          id: 'address-from-configmap',
          description: 'The web container takes `DB_HOST` and `DB_PORT` from the ConfigMap `web-config`',
          hint: '`envFrom: [{configMapRef: {name: web-config}}]` in the container gives it every key of the ConfigMap as a variable.',
        },
      ),
      config.envFrom(
        env,
        { DB_PASSWORD: { secret: 'db-secret', key: 'password' } },
        {
          id: 'password-from-secret',
          description: 'The web container takes `DB_PASSWORD` from the Secret `db-secret`, key `password` (not from the ConfigMap, not typed in)',
          hint: 'A password belongs in a Secret: `env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db-secret, key: password}}}]`. `kubectl describe secret db-secret` lists its keys.',
        },
      ),
      buildCriterion(
        {
          id: 'nodeport',
          description: `A Service named \`web\` of type NodePort answers on node port ${nodePort}`,
          hint: `Set \`type: NodePort\` and \`nodePort: ${nodePort}\` on the Service's port; without it Kubernetes picks one between 30000 and 32767.`,
        },
        {},
        {
          passed: service?.spec?.type === 'NodePort' && exposed !== undefined,
          expected: `type NodePort, node port ${nodePort}`,
          actual: !service
            ? 'no Service named `web`'
            : `type ${service.spec?.type ?? 'ClusterIP'}, ${ports.map((p) => (p.nodePort ? `node port ${p.nodePort}` : `port ${p.port} without a node port`)).join(', ') || 'no ports'}`,
        },
      ),
      config.databaseReachable(answer),
    ];
  },
});
