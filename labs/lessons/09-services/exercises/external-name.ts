import { apply, defineExercise, deletes, httpFromPod, service, type Criterion, type V1Service } from '@kubelab/labs';
import { health, webDeployment } from '../shared.ts';

const target = 'search-api.catalog.svc.cluster.local';
const labels = { app: 'search-api' };

const searchApi: V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'search-api', namespace: 'catalog' },
  spec: { selector: labels, ports: [{ port: 80, targetPort: 5000 }] },
};

/** Nothing to wait for but the object: CoreDNS answers for a new Service within a moment, and the check retries. */
const settle = `kubectl wait --for=jsonpath='{.spec.type}'=ExternalName service/search --timeout=30s`;

export default defineExercise({
  title: 'An alias for a Service in another namespace',
  hints: [
    'A Service of type `ExternalName` has no pods and no IP: its DNS name answers with another name (a CNAME). `kubectl create service --help` lists the kinds.',
    'The name it points to must be complete, because a CNAME is not searched like a short name: `<service>.<namespace>.svc.cluster.local`.',
    '`kubectl create service externalname search --external-name=search-api.catalog.svc.cluster.local`.',
  ],
  setup: `kubectl create namespace catalog --dry-run=client -o yaml | kubectl apply -f -
${apply([webDeployment('search-api', labels, { replicas: 1, namespace: 'catalog' }), searchApi])}
kubectl rollout status deployment/search-api -n catalog --timeout=120s`,
  solution: `kubectl create service externalname search --external-name=${target}
${settle}`,
  cleanup: `${deletes('service/search')}
kubectl delete -n catalog service/search-api deployment/search-api --ignore-not-found --grace-period=1 --wait`,
  variants: [
    {
      name: 'hand-written YAML, the name written absolute (with its final dot), a label',
      apply: `${apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'search', labels: { points: 'catalog' } },
        spec: { type: 'ExternalName', externalName: `${target}.` },
      })}
${settle}`,
    },
  ],
  nearMisses: [
    {
      name: 'the short name search-api.catalog, which a CNAME does not expand',
      apply: `kubectl create service externalname search --external-name=search-api.catalog
${settle}`,
      failsOn: 'traffic',
    },
    {
      name: 'a ClusterIP Service search with the selector app=search-api (no such pods in default)',
      apply: `kubectl create service clusterip search --tcp=80:5000
kubectl set selector service search app=search-api
kubectl wait --for=jsonpath='{.spec.selector.app}'=search-api service/search --timeout=30s`,
      failsOn: 'external-name',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const svc = await service.read(cluster, 'search');
    const type = svc?.spec?.type ?? 'ClusterIP';
    const externalName: Criterion<'external-name'> = {
      id: 'external-name',
      description: `\`search\` is an ExternalName Service: its DNS name stands for \`${target}\``,
      passed: svc !== null && type === 'ExternalName' && (svc.spec?.externalName ?? '').toLowerCase().replace(/\.$/, '') === target,
      expected: `type ExternalName, externalName ${target}`,
      actual: !svc ? 'no service' : type === 'ExternalName' ? `type ExternalName, externalName ${svc.spec?.externalName ?? 'unset'}` : `type ${type}, no external name`,
      hint: 'Only `type: ExternalName` with `externalName: ' + target + '` makes `search` an alias. A ClusterIP Service in `default` can only select pods of `default`.',
    };
    const criteria = [service.exists(svc, 'search'), externalName];
    if (!svc) return criteria;
    const url = `http://search.default${health}`;
    let answer = await httpFromPod(cluster, url, { signal });
    // A moment after the Service was made, DNS may not have caught up: one more try, only then.
    if (answer.status !== 200 && externalName.passed && !signal.aborted) answer = await httpFromPod(cluster, url, { signal });
    const traffic: Criterion<'traffic'> = {
      id: 'traffic',
      description: `Inside the cluster, \`${url}\` reaches the search API: \`{"status":"OK"}\``,
      passed: answer.status === 200 && answer.body.includes('"status":"OK"'),
      expected: 'HTTP 200 {"status":"OK"}',
      actual: answer.status !== undefined ? `${answer.summary}: ${answer.body.slice(0, 100)}` : answer.summary,
      hint: 'Look the name up yourself: `kubectl run dig --rm -it --image=kubelab/toolbox:1.0 --restart=Never -- dig +search search`. A CNAME to a name that does not resolve leads nowhere.',
    };
    return [...criteria, traffic];
  },
});
