import { apply, defineExercise, deletes, getOrNull, httpFromPod, kubeProxyChains, serviceChain, type Criterion, type V1Deployment, type V1Service } from '@kubelab/labs';
import { deleteDebugPods, onNode, webImage } from '../shared.ts';

const labels = { app: 'web' };

const web: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels },
  spec: {
    replicas: 2,
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: webImage, ports: [{ name: 'http', containerPort: 5000 }] }] },
    },
  },
};

const webService: V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', labels },
  spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
};

/** Sets NODE to a node, and SVC and SEPS to the chains kube-proxy wrote there for web (read with iptables-save). */
const readChains = `NODE=$(kubectl get nodes -o jsonpath='{.items[0].metadata.name}')
RULES=$(${onNode('chroot /host iptables-save -t nat')})
SVC=$(printf '%s\\n' "$RULES" | awk '/^-A KUBE-SERVICES .*"default\\/web:http cluster IP"/ { for (i = 1; i <= NF; i++) if ($i == "-j") print $(i + 1) }')
SEPS=$(printf '%s\\n' "$RULES" | awk -v chain="$SVC" '$1 == "-A" && $2 == chain { for (i = 1; i <= NF; i++) if ($i == "-j" && $(i + 1) ~ /^KUBE-SEP-/) print $(i + 1) }' | tr '\\n' ' ')`;

/** The chain names written in a value: split on spaces, commas and new lines. */
const namesIn = (text: string | undefined) => (text ?? '').split(/[\s,]+/).filter(Boolean);

export default defineExercise({
  title: 'The iptables rules behind a Service',
  hints: [
    'kube-proxy writes its rules into the node\'s `nat` table. Open a node shell that may read them: `kubectl debug node/<node> -it --profile=sysadmin --image=kubelab/toolbox:1.0`, then `chroot /host`.',
    '`iptables -t nat -L KUBE-SERVICES -n` lists one KUBE-SVC-… chain per Service port, with a comment naming it (`default/web:http cluster IP`). `iptables -t nat -L <that chain> -n` lists the KUBE-SEP-… chains it jumps to, one per pod.',
    '`kubectl create configmap web-chains --from-literal=service=KUBE-SVC-… --from-literal=endpoints="KUBE-SEP-… KUBE-SEP-…"`',
  ],
  setup: `${apply([web, webService])}
kubectl rollout status deployment/web --timeout=120s`,
  solution: `${readChains}
kubectl create configmap web-chains --from-literal=service="$SVC" --from-literal=endpoints="$SEPS"`,
  cleanup: `${deleteDebugPods}
${deletes('configmap/web-chains', 'service/web', 'deployment/web')}`,
  timeoutMs: 60_000,
  variants: [
    {
      name: 'hand-written YAML, the endpoint chains one per line in reverse order, an extra label',
      apply: `${readChains}
SEPS_LINES=$(printf '%s\\n' $SEPS | sort -r)
kubectl apply -f - <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: web-chains, labels: {lesson: cluster-network}}
data:
  service: $SVC
  endpoints: |
$(printf '%s\\n' "$SEPS_LINES" | sed 's/^/    /')
YAML`,
    },
  ],
  nearMisses: [
    {
      name: 'the first KUBE-SVC chain of the list (the kubernetes Service\'s)',
      apply: `${readChains}
FIRST=$(printf '%s\\n' "$RULES" | awk '/^-A KUBE-SERVICES .*"default\\/kubernetes:https cluster IP"/ { for (i = 1; i <= NF; i++) if ($i == "-j") print $(i + 1) }')
kubectl create configmap web-chains --from-literal=service="$FIRST" --from-literal=endpoints="$SEPS"`,
      failsOn: 'service-chain',
    },
    {
      name: 'only one of the two endpoint chains',
      apply: `${readChains}
kubectl create configmap web-chains --from-literal=service="$SVC" --from-literal=endpoints="\${SEPS%% *}"`,
      failsOn: 'endpoint-chains',
    },
  ],
  check: async (cluster, signal) => {
    const recorded = await getOrNull(() => cluster.core.readNamespacedConfigMap({ name: 'web-chains', namespace: 'default' }));
    const [port] = await kubeProxyChains(cluster, 'default', 'web');
    const truth = port ?? { port: 'http', service: serviceChain('default', 'web', 'http'), endpoints: [] };
    const written = namesIn(recorded?.data?.service);
    const serviceCriterion: Criterion<'service-chain'> = {
      id: 'service-chain',
      description: 'ConfigMap web-chains: `service` is the KUBE-SVC chain kube-proxy wrote for Service web',
      passed: written.length === 1 && written[0] === truth.service,
      expected: `service: ${truth.service}`,
      actual: recorded ? (written.length ? `service: ${written.join(' ')}` : 'no key service') : 'no ConfigMap web-chains',
      hint: 'Each KUBE-SVC chain in KUBE-SERVICES carries a comment naming its Service and port: look for `default/web:http`, not for the first line.',
    };
    const endpoints = namesIn(recorded?.data?.endpoints);
    const want = [...truth.endpoints].sort();
    const got = [...new Set(endpoints)].sort();
    const endpointsCriterion: Criterion<'endpoint-chains'> = {
      id: 'endpoint-chains',
      description: 'ConfigMap web-chains: `endpoints` lists the KUBE-SEP chains of web, one per pod behind it',
      passed: want.length > 0 && got.length === want.length && got.every((name, i) => name === want[i]),
      expected: want.length ? want.join(' ') : 'web with ready pods (Reset the exercise)',
      actual: recorded ? (got.length ? got.join(' ') : 'no key endpoints') : 'no ConfigMap web-chains',
      hint: '`iptables -t nat -L <web\'s KUBE-SVC chain> -n` on the node: it jumps to one KUBE-SEP chain per pod (the first with a `statistic mode random probability` match). List them all.',
    };
    // Traffic through those rules: a probe pod asks the Service's name, which the rules send to a pod.
    const answer = await httpFromPod(cluster, 'http://web.default/', { signal });
    const traffic: Criterion<'traffic'> = {
      id: 'traffic',
      description: 'The Service answers through those rules',
      passed: answer.status === 200,
      expected: 'HTTP 200 from one of web\'s pods',
      actual: answer.status === 200 ? `${answer.summary} (served by ${answer.body.split('\n')[0]})` : answer.summary,
      hint: 'Service web or its pods are gone: Reset the exercise.',
    };
    return [serviceCriterion, endpointsCriterion, traffic];
  },
});
