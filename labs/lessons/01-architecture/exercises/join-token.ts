import { defineExercise, type V1Secret } from '@kubelab/labs';
import { deleteDebugPods, findNode, onNode } from '../node-shell.ts';

const description = 'kubelab';
/** The token kind's kubeadm init made (kind's kubeadm.conf names it abcdef): cleanup keeps it, and deletes the learner's. */
const kindsToken = 'bootstrap-token-abcdef';
/** The group kubeadm's RBAC lets post a certificate request and have it approved: a joining kubelet's token needs it. */
const nodeTokenGroup = 'system:bootstrappers:kubeadm:default-node-token';

const kubeadmToken = (flags: string) => `${findNode}
${onNode(`chroot /host kubeadm token create ${flags} --print-join-command`)}`;

/** A bootstrap token made without kubeadm: it is only a Secret of a special type, in kube-system. */
const handMadeToken = (usages: string, groups: string) => `kubectl -n kube-system create secret generic bootstrap-token-k1ab42 --type=bootstrap.kubernetes.io/token \\
  --from-literal=token-id=k1ab42 --from-literal=token-secret=0123456789abcdef --from-literal=description=${description} \\
  --from-literal=expiration="$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" ${usages}${groups}`;
const bothUsages = '--from-literal=usage-bootstrap-authentication=true --from-literal=usage-bootstrap-signing=true';
const nodeGroup = ` --from-literal=auth-extra-groups=${nodeTokenGroup}`;

const decode = (secret: V1Secret, key: string) => {
  const value = secret.data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
};

function minutesValid(secret: V1Secret): number | undefined {
  const expiration = Date.parse(decode(secret, 'expiration') ?? '');
  const created = secret.metadata?.creationTimestamp ? new Date(secret.metadata.creationTimestamp).getTime() : NaN;
  return Number.isNaN(expiration) || Number.isNaN(created) ? undefined : Math.round((expiration - created) / 60_000);
}

export default defineExercise({
  title: 'A token for the next node',
  hints: [
    'kubeadm built this cluster: `kubeadm init` on the first node, `kubeadm join` on every other one, and a joining node proves itself with a bootstrap token. kubeadm is on the node: `kubectl debug node/<node> -it --profile=general --image=kubelab/toolbox:1.0`, then `chroot /host kubeadm token --help`.',
    `\`kubeadm token create\` takes \`--ttl\` (how long the token is valid) and \`--description\`; \`--print-join-command\` prints the \`kubeadm join\` line a new node would run.`,
    `A token is a Secret in kube-system: \`kubectl get secrets -n kube-system --field-selector type=bootstrap.kubernetes.io/token\`, and \`kubeadm token list\` on the node shows each one's TTL and description.`,
  ],
  solution: kubeadmToken(`--ttl 1h --description ${description}`),
  cleanup: `${deleteDebugPods}
kubectl -n kube-system get secrets --field-selector type=bootstrap.kubernetes.io/token -o json |
  jq -r '.items[] | select(.metadata.name != "${kindsToken}") | "secret/" + .metadata.name' |
  xargs -r kubectl -n kube-system delete --ignore-not-found --wait`,
  variants: [
    { name: 'kubeadm with the TTL in minutes and the usages spelt out', apply: kubeadmToken(`--ttl 60m --usages signing,authentication --description ${description}`) },
    { name: 'the Secret written by hand with kubectl', apply: handMadeToken(bothUsages, nodeGroup) },
  ],
  nearMisses: [
    { name: 'kubeadm\'s default TTL (24 hours)', apply: kubeadmToken(`--description ${description}`), failsOn: 'ttl' },
    {
      name: 'the Secret written by hand for signing only (it cannot authenticate a node)',
      apply: handMadeToken('--from-literal=usage-bootstrap-signing=true', ''),
      failsOn: 'authentication',
    },
    { name: 'the Secret written by hand without the node group', apply: handMadeToken(bothUsages, ''), failsOn: 'groups' },
  ],
  check: async (cluster) => {
    const secrets = await cluster.core.listNamespacedSecret({ namespace: 'kube-system', fieldSelector: 'type=bootstrap.kubernetes.io/token' });
    const ours = secrets.items
      .filter((secret) => decode(secret, 'description') === description)
      .sort((a, b) => new Date(b.metadata?.creationTimestamp ?? 0).getTime() - new Date(a.metadata?.creationTimestamp ?? 0).getTime());
    const token = ours[0];
    const minutes = token ? minutesValid(token) : undefined;
    const groups = (token && decode(token, 'auth-extra-groups')?.split(',')) ?? [];
    const found = (what: string) => (token ? what : 'no token described `kubelab`');
    return [
      {
        id: 'token',
        description: `A bootstrap token described \`${description}\` exists (a Secret of type bootstrap.kubernetes.io/token in kube-system)`,
        passed: token !== undefined,
        expected: `a token with the description ${description}`,
        actual: token ? `token ${decode(token, 'token-id') ?? '?'}` : `no such token (${secrets.items.length} other bootstrap token${secrets.items.length === 1 ? '' : 's'})`,
        hint: '`kubeadm token create --description kubelab …` on the node makes one; `kubeadm token list` shows the descriptions.',
      },
      {
        id: 'ttl',
        description: 'The token is valid for one hour',
        passed: minutes !== undefined && minutes >= 55 && minutes <= 61,
        expected: 'expires 60 minutes after it was made',
        actual: found(minutes === undefined ? 'no expiration' : `expires ${minutes} minutes after it was made`),
        hint: 'Without `--ttl`, kubeadm makes a token valid for 24 hours. A token cannot be changed: delete it (`kubeadm token delete <id>`) and make another.',
      },
      {
        id: 'authentication',
        description: 'The token can authenticate a joining node (usage `authentication`)',
        passed: token !== undefined && decode(token, 'usage-bootstrap-authentication') === 'true',
        expected: 'usage-bootstrap-authentication: true',
        actual: found(`usage-bootstrap-authentication: ${(token && decode(token, 'usage-bootstrap-authentication')) ?? 'not set'}`),
        hint: 'A node joins by authenticating to the API server with the token: its Secret needs `usage-bootstrap-authentication: "true"`. The signing usage alone only lets a node check the cluster-info ConfigMap.',
      },
      {
        id: 'groups',
        description: `A node that joins with the token is in the group \`${nodeTokenGroup}\``,
        passed: groups.includes(nodeTokenGroup),
        expected: `auth-extra-groups: ${nodeTokenGroup}`,
        actual: found(groups.length ? `auth-extra-groups: ${groups.join(',')}` : 'no auth-extra-groups'),
        hint: 'kubeadm\'s RBAC lets that group ask for a kubelet certificate; kubeadm adds it unless told `--groups` otherwise.',
      },
    ];
  },
});
