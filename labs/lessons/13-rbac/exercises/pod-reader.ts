import { apply, certificateUserSubject, defineExercise, rbac, type V1ClusterRole, type V1Role, type V1RoleBinding } from '@kubelab/labs';

/** jane as the API server sees her certificate of the exercise before: CN=jane, O=developers. */
const jane = certificateUserSubject('jane', ['developers']);
const namespace = 'dev';

const podRules = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
];

const role = (rules = podRules, ns = namespace): V1Role => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'pod-reader', namespace: ns },
  rules,
});

const binding = (options: { ns?: string; roleKind?: 'Role' | 'ClusterRole'; roleName?: string; subject?: { kind: string; name: string } } = {}): V1RoleBinding => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'jane-reads-pods', namespace: options.ns ?? namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: options.roleKind ?? 'Role', name: options.roleName ?? 'pod-reader' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: options.subject?.kind ?? 'User', name: options.subject?.name ?? 'jane' }],
});

const clusterRole: V1ClusterRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: podRules };

export default defineExercise({
  title: 'Read-only access to pods, in one namespace',
  hints: [
    'Two objects in `dev`: a Role that allows the verbs `get`, `list` and `watch` on `pods` and `pods/log`, and a RoleBinding that grants it to the user `jane`. `kubectl create role --help` and `kubectl create rolebinding --help` show the flags.',
    '`kubectl create role pod-reader --verb=get,list,watch --resource=pods,pods/log -n dev --dry-run=client -o yaml` prints the Role without creating it: read it, then drop `--dry-run=client -o yaml` (or pipe it to `kubectl apply -f -`).',
    'Test as jane without her certificate: `kubectl auth can-i list pods -n dev --as=jane`, `kubectl auth can-i delete pods -n dev --as=jane` (no), `kubectl auth can-i list pods -n default --as=jane` (no).',
  ],
  setup: `kubectl create namespace ${namespace} --dry-run=client -o yaml | kubectl apply -f -`,
  solution: `kubectl create role pod-reader --verb=get,list,watch --resource=pods,pods/log -n ${namespace}
kubectl create rolebinding jane-reads-pods --role=pod-reader --user=jane -n ${namespace}
kubectl auth can-i list pods -n ${namespace} --as=jane`,
  cleanup: `kubectl delete role,rolebinding --all -n ${namespace}
kubectl delete role pod-reader -n default --ignore-not-found
kubectl delete rolebinding jane-reads-pods -n default --ignore-not-found
kubectl delete clusterrole pod-reader --ignore-not-found
kubectl delete clusterrolebinding jane-reads-pods --ignore-not-found`,
  variants: [
    {
      name: 'a ClusterRole of two rules, granted in dev only by a RoleBinding',
      apply: apply([clusterRole, binding({ roleKind: 'ClusterRole' })]),
    },
    {
      name: "the Role granted to jane's group developers, from the dry-run YAML",
      apply: `kubectl create role pod-reader --verb=get,list,watch --resource=pods,pods/log -n ${namespace} --dry-run=client -o yaml | kubectl apply -f -
kubectl create rolebinding developers-read-pods --role=pod-reader --group=developers -n ${namespace} --dry-run=client -o yaml | kubectl apply -f -`,
    },
  ],
  nearMisses: [
    {
      name: 'the ClusterRole bound with a ClusterRoleBinding: pods of every namespace',
      apply: `${apply(clusterRole)}
kubectl create clusterrolebinding jane-reads-pods --clusterrole=pod-reader --user=jane`,
      failsOn: 'only-dev',
    },
    {
      name: 'every verb on pods',
      apply: `kubectl create role pod-reader --verb='*' --resource=pods,pods/log -n ${namespace}
kubectl create rolebinding jane-reads-pods --role=pod-reader --user=jane -n ${namespace}`,
      failsOn: 'read-only',
    },
    {
      name: 'pods without pods/log',
      apply: apply([role([podRules[0]!]), binding()]),
      failsOn: 'reads-logs',
    },
    {
      name: 'the built-in ClusterRole view, which reads much more than pods',
      apply: `kubectl create rolebinding jane-reads-pods --clusterrole=view --user=jane -n ${namespace}`,
      failsOn: 'only-pods',
    },
    {
      name: 'the binding names the user Jane: user names are case-sensitive',
      apply: apply([role(), binding({ subject: { kind: 'User', name: 'Jane' } })]),
      failsOn: 'reads-pods',
    },
    {
      name: 'the Role and its binding in default, without -n dev',
      apply: apply([role(podRules, 'default'), binding({ ns: 'default' })]),
      failsOn: 'reads-pods',
    },
  ],
  check: async (cluster) => {
    const [pods, logs, deletes, configMaps, elsewhere] = await Promise.all([
      rbac.review(cluster, jane, { verb: 'list', resource: 'pods', namespace }),
      rbac.review(cluster, jane, { verb: 'get', resource: 'pods', subresource: 'log', namespace }),
      rbac.review(cluster, jane, { verb: 'delete', resource: 'pods', namespace }),
      rbac.review(cluster, jane, { verb: 'list', resource: 'configmaps', namespace }),
      rbac.review(cluster, jane, { verb: 'list', resource: 'pods', namespace: 'default' }),
    ]);
    return [
      rbac.allowed(pods, { id: 'reads-pods' }),
      rbac.allowed(logs, { id: 'reads-logs' }),
      rbac.denied(deletes, { id: 'read-only', hint: 'Reading is `get`, `list` and `watch`. `*` or `delete` lets jane change what she should only look at.' }),
      rbac.denied(configMaps, { id: 'only-pods', hint: 'The built-in ClusterRole `view` reads nearly everything in a namespace. Write a Role with only `pods` and `pods/log`.' }),
      rbac.denied(elsewhere, {
        id: 'only-dev',
        hint: 'A ClusterRoleBinding grants its role in every namespace. A RoleBinding in `dev` grants a Role, or even a ClusterRole, in `dev` only.',
      }),
    ];
  },
});
