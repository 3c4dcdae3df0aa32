import { apply, defineExercise, deletes, getOrNull, pod, runProbe, shellQuote, type Criterion, type V1Pod } from '@kubelab/labs';
import { toolboxImage } from '../shared.ts';

/** What `lookup` runs: it prints the resolv.conf it was given, then tries a Service's name every few seconds. */
const lookupScript = `echo "--- /etc/resolv.conf"; cat /etc/resolv.conf; echo "---"
while true; do
  if answer=$(getent hosts kubernetes.default); then echo "$(date +%T) kubernetes.default -> \${answer%% *}"; else echo "$(date +%T) kubernetes.default: cannot resolve"; fi
  sleep 3
done`;
const command = ['bash', '-c', lookupScript];

/** The pod `lookup`, with the DNS settings given (the broken one: a mistyped nameserver and a search list that misses). */
const lookupPod = (dns: Partial<Pick<NonNullable<V1Pod['spec']>, 'dnsPolicy' | 'dnsConfig'>> = {}, labels: Record<string, string> = { app: 'lookup' }, image = toolboxImage): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'lookup', labels },
  spec: { terminationGracePeriodSeconds: 0, ...dns, containers: [{ name: 'lookup', image, command }] },
});

const broken = lookupPod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['10.96.0.100'], searches: ['cluster.local'] } });

const recreate = (fixed: V1Pod) => `kubectl delete pod lookup --ignore-not-found --grace-period=0 --wait
${apply(fixed)}
kubectl wait --for=condition=Ready pod/lookup --timeout=120s`;

/** The lines between the markers lookup printed first: the resolv.conf the kubelet wrote for it. */
function resolvConfFromLog(log: string): string | undefined {
  const match = /^--- \/etc\/resolv\.conf\n([\s\S]*?)^---$/m.exec(log);
  return match?.[1]?.trim();
}

export default defineExercise({
  title: 'A pod that cannot resolve names',
  hints: [
    '`kubectl logs lookup` starts with the /etc/resolv.conf the pod was given. Compare it with a healthy pod\'s (`kubectl exec` into any pod, or run one) and with `kubectl get service -n kube-system kube-dns`.',
    'Two things are wrong in `kubectl get pod lookup -o yaml`: `dnsPolicy: None` with a mistyped nameserver, and a search list without `default.svc.cluster.local` and `svc.cluster.local`, so the short name `kubernetes.default` is never completed. A pod\'s DNS settings cannot be edited in place.',
    '`kubectl get pod lookup -o yaml > lookup.yaml`, delete the `dnsPolicy: None` line and the `dnsConfig` block (the default, ClusterFirst, is what a pod needs), then `kubectl replace --force -f lookup.yaml`.',
  ],
  setup: `${apply(broken)}
kubectl wait --for=condition=Ready pod/lookup --timeout=120s`,
  solution: recreate(lookupPod()),
  cleanup: deletes('pod/lookup'),
  timeoutMs: 60_000,
  variants: [
    {
      name: 'dnsPolicy None kept, with the right nameserver, the full search list and ndots:5; the image with its registry',
      apply: recreate(
        lookupPod(
          {
            dnsPolicy: 'None',
            dnsConfig: {
              nameservers: ['10.96.0.10'],
              searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
              options: [{ name: 'ndots', value: '5' }],
            },
          },
          { app: 'lookup', fixed: 'by-hand' },
          `docker.io/${toolboxImage}`,
        ),
      ),
    },
  ],
  nearMisses: [
    {
      name: 'only the nameserver corrected: the search list still misses svc.cluster.local',
      apply: recreate(lookupPod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['10.96.0.10'], searches: ['cluster.local'] } })),
      failsOn: 'resolves',
    },
    {
      name: 'dnsPolicy Default (the node\'s resolver, not the cluster\'s)',
      apply: recreate(lookupPod({ dnsPolicy: 'Default' })),
      failsOn: 'resolves',
    },
  ],
  check: async (cluster, signal) => {
    const lookup = await pod.read(cluster, 'lookup');
    const kubernetes = await getOrNull(() => cluster.core.readNamespacedService({ name: 'kubernetes', namespace: 'default' }));
    const want = kubernetes?.spec?.clusterIP ?? '';
    const runs = lookup?.spec?.containers?.[0]?.command ?? [];
    const sameCommand: Criterion<'command'> = {
      id: 'command',
      description: 'lookup still runs its lookup loop (only its DNS settings needed fixing)',
      passed: lookup !== null && JSON.stringify(runs) === JSON.stringify(command) && !lookup.spec?.containers?.[0]?.args?.length,
      expected: 'the command the exercise gave lookup',
      actual: lookup ? (JSON.stringify(runs) === JSON.stringify(command) ? 'the same command' : 'another command') : 'no pod lookup',
      hint: 'Keep the pod as it was and change only `dnsPolicy` and `dnsConfig`: `kubectl get pod lookup -o yaml` gives you all of it to start from.',
    };
    // The check's own proof: a probe pod in lookup's namespace is given lookup's very resolv.conf (as lookup printed
    // it; one-second timeouts added so a dead nameserver answers quickly) and resolves the same name.
    const log = lookup ? await pod.log(cluster, lookup) : '';
    const resolvConf = resolvConfFromLog(log);
    let resolves: Criterion<'resolves'>;
    if (!lookup || !resolvConf) {
      resolves = {
        id: 'resolves',
        description: 'With lookup\'s /etc/resolv.conf, kubernetes.default resolves to the kubernetes Service',
        passed: false,
        expected: `kubernetes.default → ${want}`,
        actual: lookup ? 'lookup has not printed its /etc/resolv.conf yet (is it running?)' : 'no pod lookup',
      };
    } else {
      const probe = await runProbe(
        cluster,
        `printf '%s\\noptions timeout:1 attempts:1\\n' ${shellQuote(resolvConf)} > /etc/resolv.conf
getent hosts kubernetes.default | awk '{print $1}' | head -n 1`,
        { namespace: lookup.metadata?.namespace ?? 'default', timeoutSeconds: 25, signal },
      );
      const answer = probe.exitCode === null ? '' : probe.output.split('\n').at(-1)?.trim() ?? '';
      const summary = resolvConf.split('\n').map((line) => line.trim()).filter(Boolean).join('; ');
      resolves = {
        id: 'resolves',
        description: 'With lookup\'s /etc/resolv.conf, kubernetes.default resolves to the kubernetes Service',
        passed: want !== '' && answer === want,
        expected: `kubernetes.default → ${want}`,
        actual: `${probe.from} given lookup's resolv.conf (${summary}): ${probe.exitCode === null ? 'the probe did not finish in time' : answer ? `kubernetes.default → ${answer}` : 'kubernetes.default does not resolve'}`,
        hint: 'A pod needs the cluster DNS Service as its nameserver (`kubectl get service -n kube-system kube-dns`) and the search list `<namespace>.svc.cluster.local svc.cluster.local cluster.local`. `dnsPolicy: ClusterFirst` (the default) gives both; `Default` gives the node\'s resolver, which knows no Service.',
      };
    }
    return [pod.exists(lookup, 'lookup'), pod.running(lookup), sameCommand, resolves];
  },
});
