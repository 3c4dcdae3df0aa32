import {
  apply,
  buildCriterion,
  clusterDnsAddress,
  clusterNetwork,
  config,
  defineExercise,
  deletes,
  eventually,
  pod,
  podProxyAnswer,
  podResolvConf,
  type ServiceAnswer,
  type V1Deployment,
  type V1Pod,
  type V1Service,
} from '@kubelab/labs';

/** The learner's own namespace: a workshop's learner works there too, and a Reset deletes three objects, not a namespace. */
const ns = 'default';
const password = 'kubelab-db-pass';

const cacheDeployment: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'cache', namespace: ns, labels: { app: 'cache' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'cache' } },
    template: {
      metadata: { labels: { app: 'cache' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'redis', image: 'kubelab/redis:7.0', ports: [{ containerPort: 6379 }], env: [{ name: 'REDIS_PASSWORD', value: password }] }],
      },
    },
  },
};

const cacheService: V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'cache', namespace: ns, labels: { app: 'cache' } },
  spec: { selector: { app: 'cache' }, ports: [{ port: 6379, targetPort: 6379 }] },
};

/**
 * The app as it was copied from another cluster: its DNS settings name that cluster's DNS server, an address
 * where nothing answers here, so every lookup fails although the search domains are right.
 */
const orders: V1Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'orders', namespace: ns, labels: { app: 'orders' } },
  spec: {
    terminationGracePeriodSeconds: 1,
    dnsPolicy: 'None',
    dnsConfig: {
      nameservers: ['10.96.0.53'],
      searches: [`${ns}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'],
      options: [{ name: 'ndots', value: '5' }],
    },
    containers: [
      {
        name: 'orders',
        image: 'kubelab/web:1.0',
        ports: [{ containerPort: 5000 }],
        env: [
          { name: 'DB_HOST', value: 'cache' },
          { name: 'DB_PASSWORD', value: password },
        ],
      },
    ],
  },
};

const setup = `${apply([cacheDeployment, cacheService, orders])}
kubectl rollout status deployment/cache --timeout=120s
kubectl wait --for=condition=Ready pod/orders --timeout=120s`;

const ready = `kubectl wait --for=condition=Ready pod/orders --timeout=120s`;
const clusterDns = `dns=$(kubectl get service kube-dns -n kube-system -o jsonpath='{.spec.clusterIP}')`;

/** The pod's spec through jq, then replaced (most of a pod's spec cannot change in place). */
const replaceWith = (jq: string, args = '') =>
  `kubectl get pod orders -o json | jq ${args}'del(.metadata.resourceVersion, .metadata.uid, .metadata.creationTimestamp, .metadata.managedFields, .status) | ${jq}' | kubectl replace --force -f -
${ready}`;

export default defineExercise({
  title: 'A pod that cannot resolve names',
  hints: [
    'Compare the pod with a healthy one: `kubectl exec orders -- cat /etc/resolv.conf`, and `kubectl get service kube-dns -n kube-system`. Which server does it ask?',
    '`kubectl get pod orders -o yaml` shows `dnsPolicy` and `dnsConfig`. With `dnsPolicy: ClusterFirst` (the default, when the field is left out) the kubelet writes the cluster DNS and the namespace\'s search domains for you.',
    'A pod\'s DNS settings cannot change in place: `kubectl get pod orders -o yaml > orders.yaml`, delete the `dnsConfig` block and set `dnsPolicy: ClusterFirst`, then `kubectl replace --force -f orders.yaml`.',
  ],
  setup,
  solution: `kubectl get pod orders -o jsonpath='{.spec.dnsPolicy} {.spec.dnsConfig}'; echo
kubectl get service kube-dns -n kube-system
${replaceWith('del(.spec.dnsConfig) | .spec.dnsPolicy = "ClusterFirst"')}`,
  cleanup: deletes('pod/orders', 'deployment/cache', 'service/cache'),
  variants: [
    {
      name: 'dnsPolicy None kept, the kube-dns address put in its nameservers, the pod written anew with an extra label',
      apply: `${clusterDns}
kubectl delete pod orders --grace-period=1 --wait
kubectl apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: orders, labels: {app: orders, fixed: dns}}
spec:
  dnsPolicy: None
  dnsConfig:
    nameservers: ["$dns"]
    searches: [${ns}.svc.cluster.local, svc.cluster.local, cluster.local]
    options: [{name: ndots, value: "5"}]
  containers:
    - name: orders
      image: docker.io/kubelab/web:1.0
      env: [{name: DB_HOST, value: cache}, {name: DB_PASSWORD, value: ${password}}]
YAML
${ready}`,
    },
  ],
  nearMisses: [
    {
      name: 'dnsPolicy: Default (the node\'s resolver, which knows no Service)',
      apply: replaceWith('del(.spec.dnsConfig) | .spec.dnsPolicy = "Default"'),
      failsOn: 'dns',
    },
    {
      name: 'the name server fixed, the search domains dropped',
      apply: `${clusterDns}
${replaceWith('.spec.dnsConfig = {nameservers: [$dns]}', '--arg dns "$dns" ')}`,
      failsOn: 'app-db',
    },
    {
      name: 'a CoreDNS pod\'s own IP as the name server',
      apply: `coredns=$(kubectl get pods -n kube-system -l k8s-app=kube-dns -o jsonpath='{.items[0].status.podIP}')
${replaceWith('.spec.dnsConfig.nameservers = [$dns]', '--arg dns "$coredns" ')}`,
      failsOn: 'dns',
    },
    {
      name: 'DNS left broken, DB_HOST set to the ClusterIP of cache',
      apply: `ip=$(kubectl get service cache -o jsonpath='{.spec.clusterIP}')
${replaceWith('.spec.containers[0].env |= map(if .name == "DB_HOST" then .value = $ip else . end)', '--arg ip "$ip" ')}`,
      failsOn: 'db-host',
    },
  ],
  timeoutMs: 60_000,
  check: async (cluster, signal) => {
    const target = await pod.read(cluster, 'orders', ns);
    const dnsIp = await clusterDnsAddress(cluster);
    const corednsPods = (await cluster.core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-dns' })).items;
    const owners = new Map(corednsPods.filter((p) => p.status?.podIP).map((p) => [p.status!.podIP!, `the pod ${p.metadata?.name}'s own IP, which changes when the pod is replaced`]));
    const container = target?.spec?.containers.find((c) => c.env?.some((e) => e.name === 'DB_HOST')) ?? target?.spec?.containers[0];
    const dbHost = container?.env?.find((e) => e.name === 'DB_HOST');
    let answer: ServiceAnswer = { body: target ? 'the pod is not ready to answer' : 'no pod orders' };
    // A pod just replaced is given a few seconds to start; a ready one is asked once, as it is.
    const ready = target && (pod.running(target).passed ? target : await eventually(async () => {
      const now = await pod.read(cluster, 'orders', ns);
      return now && pod.running(now).passed ? now : undefined;
    }, { timeoutMs: 6_000, signal }).catch(() => undefined));
    if (ready) answer = await podProxyAnswer(cluster, { pod: 'orders', namespace: ns, port: 5000, path: '/api/v1/db' });
    return [
      pod.exists(target, 'orders', { namespace: ns }),
      pod.running(target),
      buildCriterion(
        {
          id: 'db-host',
          description: 'The app still finds its database by the name `cache` (DB_HOST unchanged)',
          hint: 'The name is right: it is the lookup that fails. Put `DB_HOST=cache` back and fix how the pod resolves names.',
        },
        {},
        {
          passed: dbHost?.value === 'cache',
          expected: 'DB_HOST=cache',
          actual: !target ? 'no pod' : dbHost ? (dbHost.value !== undefined ? `DB_HOST=${dbHost.value}` : 'DB_HOST comes from elsewhere (valueFrom)') : 'no DB_HOST',
        },
      ),
      clusterNetwork.clusterDns(target ? podResolvConf(target.spec, ns, dnsIp) : undefined, dnsIp, {
        policy: target?.spec?.dnsPolicy ?? 'ClusterFirst',
        owners,
        description: 'The pod\'s /etc/resolv.conf (as the kubelet writes it from the pod\'s dnsPolicy and dnsConfig) names the cluster DNS Service first',
        hint: 'Every pod should ask the Service `kube-dns` in `kube-system`: its ClusterIP stays, while CoreDNS pods come and go. `dnsPolicy: ClusterFirst` gives a pod that address; `Default` means the node\'s resolver, which knows nothing of Services.',
      }),
      config.databaseReachable(answer, {
        id: 'app-db',
        description: 'The app reaches its database by name: its GET /api/v1/db (asked through the API server\'s pod proxy) answers `{"database":"reachable"}`',
        hint: 'Ask it yourself: `kubectl port-forward pod/orders 8080:5000 &`, then `curl -s localhost:8080/api/v1/db`. A short name needs the namespace\'s search domains too (`default.svc.cluster.local` first).',
      }),
    ];
  },
});
