import {
  apply,
  clusterNetwork,
  config,
  defineExercise,
  eventually,
  getOrNull,
  reportedDbAddress,
  serviceAnswer,
  type ServiceAnswer,
  type V1Deployment,
  type V1Namespace,
  type V1Service,
} from '@kubelab/labs';

/** The password is not this lesson's subject: both sides get it as a plain variable. */
const password = 'kubelab-db-pass';

const namespace = (name: string): V1Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

function deployment(name: string, ns: string, image: string, env: Record<string, string>, port: number): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name, image, ports: [{ containerPort: port }], env: Object.entries(env).map(([key, value]) => ({ name: key, value })) }],
        },
      },
    },
  };
}

const service = (name: string, ns: string, port: number, targetPort: number): V1Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: { selector: { app: name }, ports: [{ port, targetPort }] },
});

/** The web app in `front` still looks for `db` in its own namespace, where there is none. */
const setup = `${apply([
  namespace('data'),
  namespace('front'),
  deployment('db', 'data', 'kubelab/redis:7.0', { REDIS_PASSWORD: password }, 6379),
  service('db', 'data', 6379, 6379),
  deployment('web', 'front', 'kubelab/web:1.0', { DB_HOST: 'db', DB_PASSWORD: password }, 5000),
  service('web', 'front', 80, 5000),
])}
kubectl rollout status deployment/db -n data --timeout=120s
kubectl rollout status deployment/web -n front --timeout=120s`;

const rolledOut = 'kubectl rollout status deployment/web -n front --timeout=120s';
const patchTemplate = (spec: object) => `kubectl patch deployment web -n front -p '${JSON.stringify({ spec: { template: { spec } } })}'
${rolledOut}`;

/** Every pod of the newest template is up and no older one is left. */
function rolledOutNow(target: V1Deployment | null): boolean {
  const status = target?.status;
  const want = target?.spec?.replicas ?? 1;
  return (
    status !== undefined &&
    (status.observedGeneration ?? 0) >= (target?.metadata?.generation ?? 1) &&
    status.updatedReplicas === want &&
    status.replicas === want &&
    status.availableReplicas === want
  );
}

export default defineExercise({
  title: 'A database in another namespace',
  hints: [
    'Ask the app: `kubectl run ask --rm -i --restart=Never --image=kubelab/toolbox:1.0 -- curl -s web.front/api/v1/db`. Its error names the address it tried and why it failed.',
    'A short name like `db` is tried with the search domains of the pod\'s own namespace first: `db.front.svc.cluster.local`. A Service of another namespace needs that namespace in the name: `<service>.<namespace>`.',
    '`kubectl set env deployment/web -n front DB_HOST=db.data` (the Deployment replaces its pod, which gets the new variable).',
  ],
  setup,
  solution: `kubectl set env deployment/web -n front DB_HOST=db.data
${rolledOut}`,
  cleanup: 'kubectl delete namespace front data --ignore-not-found --wait',
  variants: [
    {
      name: 'the fully qualified name db.data.svc.cluster.local, by kubectl patch',
      apply: patchTemplate({ containers: [{ name: 'web', env: [{ name: 'DB_HOST', value: 'db.data.svc.cluster.local' }] }] }),
    },
    {
      name: 'DB_HOST left as db, and data.svc.cluster.local added to the pod\'s search domains (dnsConfig)',
      apply: patchTemplate({ dnsConfig: { searches: ['data.svc.cluster.local'] } }),
    },
  ],
  nearMisses: [
    {
      name: 'db.data.cluster.local: the svc part left out',
      apply: `kubectl set env deployment/web -n front DB_HOST=db.data.cluster.local
${rolledOut}`,
      failsOn: 'reachable',
    },
    {
      name: 'the ClusterIP of db copied into DB_HOST',
      apply: `kubectl set env deployment/web -n front DB_HOST="$(kubectl get service db -n data -o jsonpath='{.spec.clusterIP}')"
${rolledOut}`,
      failsOn: 'by-name',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const read = () => getOrNull(() => cluster.apps.readNamespacedDeployment({ name: 'web', namespace: 'front' }));
    const web = await read();
    let answer: ServiceAnswer = { body: 'no Deployment `web` in namespace front' };
    if (web) {
      // A Deployment just changed is still replacing its pod: wait a few seconds for the new one, so that the answer
      // is the new pod's; a Deployment at rest is asked at once.
      if (!rolledOutNow(web)) await eventually(async () => (rolledOutNow(await read()) ? true : undefined), { timeoutMs: 8_000, signal }).catch(() => undefined);
      answer = await serviceAnswer(cluster, { namespace: 'front', service: 'web', port: 80, path: '/api/v1/db' });
    }
    return [
      config.databaseReachable(answer, {
        description: 'The web app in `front` reaches the database Service `db` of `data`: GET /api/v1/db (through the API server\'s service proxy) answers `{"database":"reachable"}`',
        hint: 'The error names the address the app tried. `kubectl run ask --rm -i --restart=Never -n front --image=kubelab/toolbox:1.0 -- nslookup <that name>` shows whether it resolves from `front`.',
      }),
      clusterNetwork.byName(reportedDbAddress(answer), {
        hint: 'A ClusterIP works until someone recreates the Service; its DNS name keeps working. Use `<service>.<namespace>`.',
      }),
    ];
  },
});
