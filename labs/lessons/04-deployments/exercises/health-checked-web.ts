import { apply, defineExercise, deletes, deployment, eventually, service, type V1Deployment, type V1Service } from '@kubelab/labs';

const image = 'kubelab/web:1.0';
const health = '/api/v1/health';

/** The declarative answer; the near-misses and variants change one thing each. */
function webDeployment(options: { namedPort?: boolean; registry?: boolean } = {}): V1Deployment {
  const port = options.namedPort ? 'http' : 5000;
  const probe = { httpGet: { path: health, port } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', ...(options.namedPort ? { tier: 'frontend' } : {}) } },
        spec: {
          containers: [
            {
              name: 'web',
              image: options.registry ? `docker.io/${image}` : image,
              ports: [{ containerPort: 5000, ...(options.namedPort ? { name: 'http' } : {}) }],
              readinessProbe: { ...probe, periodSeconds: 2 },
              livenessProbe: probe,
            },
          ],
        },
      },
    },
  };
}

function webService(options: { selector?: Record<string, string>; targetPort?: number | string; nodePort?: boolean } = {}): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: {
      type: 'NodePort',
      selector: options.selector ?? { app: 'web' },
      ports: [{ port: 80, targetPort: options.targetPort ?? 5000, ...(options.nodePort === false ? {} : { nodePort: 30080 }) }],
    },
  };
}

const settle = 'kubectl rollout status deployment/web --timeout=120s';

export default defineExercise({
  title: 'A health-checked web app on a NodePort',
  hints: [
    'Start the manifest from `kubectl create deployment web --image=kubelab/web:1.0 --replicas=2 --port=5000 --dry-run=client -o yaml > web.yaml`. A Service can go in the same file after a line `---`.',
    'Both probes sit under the container: `readinessProbe:` and `livenessProbe:`, each with `httpGet: {path: /api/v1/health, port: 5000}`. The probe\'s port is the container\'s, not the Service\'s.',
    'The Service needs `type: NodePort`, a selector of `app: web`, and under `ports`: `port: 80`, `targetPort: 5000`, `nodePort: 30080`. Then `kubectl apply -f web.yaml`.',
  ],
  solution: `cat > web.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: kubelab/web:1.0
          ports:
            - containerPort: 5000
          readinessProbe:
            httpGet:
              path: /api/v1/health
              port: 5000
            periodSeconds: 2
          livenessProbe:
            httpGet:
              path: /api/v1/health
              port: 5000
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 5000
      nodePort: 30080
YAML
kubectl apply -f web.yaml
${settle}`,
  cleanup: deletes('service/web', 'deployment/web'),
  variants: [
    {
      name: 'named port http for the probes and the targetPort, an extra label, the image with its registry',
      apply: `${apply([webDeployment({ namedPort: true, registry: true }), webService({ targetPort: 'http' })])}
${settle}`,
    },
    {
      name: 'imperative first (create deployment, create service nodeport), then the manifest applied over it',
      apply: `kubectl create deployment web --image=${image} --replicas=2 --port=5000
kubectl create service nodeport web --tcp=80:5000 --node-port=30080
${apply(webDeployment())}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'no nodePort given, so a random one is picked (as kubectl expose does)',
      apply: `${apply([webDeployment(), webService({ nodePort: false })])}
${settle}`,
      failsOn: 'node-port',
    },
    {
      name: 'only kubectl create deployment: no probes',
      apply: `kubectl create deployment web --image=${image} --replicas=2 --port=5000
kubectl create service nodeport web --tcp=80:5000 --node-port=30080
${settle}`,
      failsOn: 'readiness',
    },
    {
      name: 'the Service selects app=webapp',
      apply: `${apply([webDeployment(), webService({ selector: { app: 'webapp' } })])}
${settle}`,
      failsOn: 'service-selector',
    },
  ],
  check: async (cluster, signal) => {
    const web = await deployment.read(cluster, 'web');
    const svc = await service.read(cluster, 'web');
    const criteria = [
      deployment.exists(web, 'web'),
      deployment.image(web, image),
      deployment.replicas(web, 2),
      deployment.readinessProbe(web, { path: health, port: 5000 }),
      deployment.livenessProbe(web, { path: health, port: 5000 }),
      deployment.available(web),
      service.exists(svc, 'web'),
      service.nodePort(svc, { port: 80, nodePort: 30080, targetPort: 5000, pods: web }),
      service.selects(svc, web),
    ];
    if (!svc) return criteria;
    // Endpoints follow the pods' readiness by a moment; give them that moment, not more.
    const ready = (await eventually(async () => {
      const addresses = service.readyAddresses(await service.endpointSlices(cluster, 'web'));
      return addresses.length >= 2 ? addresses : undefined;
    }, { timeoutMs: 3_000, signal })) ?? service.readyAddresses(await service.endpointSlices(cluster, 'web'));
    const answer = (await eventually(async () => {
      const got = await service.get(cluster, { service: 'web', port: 80, path: health });
      return got.body?.includes('"status":"OK"') ? got : undefined;
    }, { timeoutMs: 3_000, signal })) ?? (await service.get(cluster, { service: 'web', port: 80, path: health }));
    return [...criteria, service.endpoints(ready, 2), service.responds(answer, health, '"status":"OK"')];
  },
});
