import { apply, defineExercise, deletes, matchesLabelSelector, pod, podsLabelled, webRequests, type Criterion, type V1Deployment } from '@kubelab/labs';
import { toolboxImage, webImage } from '../shared.ts';

const labels = { app: 'admin' };

const admin: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'admin', labels },
  spec: {
    replicas: 1,
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: webImage, ports: [{ containerPort: 5000 }] }] },
    },
  },
};

/**
 * `kubectl port-forward <target> <local>:5000` in the background, then one GET of `path` through it. A local port of
 * '' (written `:5000`) lets kubectl pick a free one, which it prints.
 */
const forwardAndGet = (target: string, local: string, path = '/api/v1/info') => `LOG=$(mktemp)
kubectl port-forward ${target} ${local}:5000 >"$LOG" 2>&1 &
PF=$!
for i in $(seq 1 60); do PORT=$(sed -n 's/^Forwarding from 127\\.0\\.0\\.1:\\([0-9]*\\) .*/\\1/p' "$LOG"); [ -n "$PORT" ] && break; sleep 0.5; done
curl -s -m 5 "http://127.0.0.1:$PORT${path}"
kill $PF`;

export default defineExercise({
  title: 'Reach a pod from your terminal',
  hints: [
    'The Deployment admin has no Service, on purpose. `kubectl port-forward` opens a tunnel from a port of your own machine (here, your terminal) to a port of a pod, through the API server.',
    '`kubectl port-forward deployment/admin 8080:5000` listens on localhost:8080 until you stop it: end the line with `&` to keep your prompt, or use a second terminal.',
    '`kubectl port-forward deployment/admin 8080:5000 &`, then `curl http://localhost:8080/api/v1/info`, then `kill %1`.',
  ],
  setup: `${apply(admin)}
kubectl rollout status deployment/admin --timeout=120s`,
  solution: forwardAndGet('deployment/admin', ''),
  cleanup: `${deletes('service/admin', 'pod/curl')}
${deletes('deployment/admin')} --cascade=foreground`,
  variants: [
    {
      name: 'port-forward to the pod by its name, on a fixed local port, with a query string',
      apply: `POD=$(kubectl get pods -l app=admin -o jsonpath='{.items[0].metadata.name}')
${forwardAndGet('pod/"$POD"', '$((20000 + RANDOM % 20000))', '/api/v1/info?from=terminal')}`,
    },
  ],
  nearMisses: [
    {
      name: 'curl from a pod to admin\'s pod IP (inside the cluster, not from the terminal)',
      apply: `IP=$(kubectl get pods -l app=admin -o jsonpath='{.items[0].status.podIP}')
kubectl run curl --image=${toolboxImage} --restart=Never -- curl -s -m 5 "http://$IP:5000/api/v1/info"
kubectl wait --for=jsonpath='{.status.phase}'=Succeeded pod/curl --timeout=120s`,
      failsOn: 'port-forward',
    },
    {
      name: 'a Service made for admin, and port-forward through it',
      apply: `kubectl expose deployment admin --port=5000
${forwardAndGet('service/admin', '')}`,
      failsOn: 'no-service',
    },
  ],
  check: async (cluster) => {
    const pods = (await podsLabelled(cluster, labels)).filter((p) => !p.metadata?.deletionTimestamp);
    const services = (await cluster.core.listNamespacedService({ namespace: 'default' })).items.filter((s) => {
      const selector = s.spec?.selector;
      return selector && Object.keys(selector).length > 0 && pods.some((p) => matchesLabelSelector({ matchLabels: selector }, p.metadata?.labels ?? {}));
    });
    const noService: Criterion<'no-service'> = {
      id: 'no-service',
      description: 'admin stays unexposed: no Service selects its pods',
      passed: services.length === 0,
      expected: 'no Service',
      actual: services.length ? `Service ${services.map((s) => s.metadata?.name).join(', ')} selects admin's pods` : 'no Service',
      hint: 'The task is to reach admin without exposing it: delete the Service you made (`kubectl delete service <name>`) and use `kubectl port-forward deployment/admin …`.',
    };
    // Through a port-forward, the kubelet connects to the app from inside the pod: the app sees 127.0.0.1 (or ::1).
    const requests = (await Promise.all(pods.map(async (p) => webRequests(await pod.log(cluster, p))))).flat();
    const info = requests.filter((r) => r.path.startsWith('/api/v1/info'));
    const forwarded = info.filter((r) => r.from === '127.0.0.1' || r.from === '::1');
    const portForward: Criterion<'port-forward'> = {
      id: 'port-forward',
      description: 'admin\'s log shows GET /api/v1/info arriving through a port-forward (from 127.0.0.1, inside the pod)',
      passed: forwarded.length > 0,
      expected: 'GET /api/v1/info from 127.0.0.1',
      actual: pods.length === 0
        ? 'no admin pod (Reset the exercise)'
        : info.length
          ? `GET /api/v1/info only from ${[...new Set(info.map((r) => r.from))].join(', ')}`
          : requests.length
            ? `other requests only: ${requests.slice(-3).map((r) => `${r.method} ${r.path} from ${r.from}`).join('; ')}`
            : 'no request in admin\'s log',
      hint: 'A request from another pod arrives from that pod\'s IP. Through `kubectl port-forward`, it arrives from 127.0.0.1: run the port-forward in your terminal, then `curl http://localhost:<local port>/api/v1/info` there.',
    };
    return [noService, portForward];
  },
});
