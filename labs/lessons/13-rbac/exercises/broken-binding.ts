import { apply, defineExercise, rbac, serviceAccountSubject, type V1Namespace, type V1Role, type V1RoleBinding, type V1ServiceAccount } from '@kubelab/labs';

const namespace = 'shop';
const billing = serviceAccountSubject(namespace, 'billing');
const reports = serviceAccountSubject(namespace, 'reports');

const account = (name: string): V1ServiceAccount => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });

const reader: V1Role = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'config-reader', namespace },
  rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
};

const binding = (name: string, subject: { kind: string; name: string; namespace?: string }): V1RoleBinding => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'config-reader' },
  subjects: [subject.kind === 'ServiceAccount' ? subject : { apiGroup: 'rbac.authorization.k8s.io', ...subject }],
});

const shop: V1Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };

export default defineExercise({
  title: 'Two bindings that grant nothing',
  hints: [
    'Ask as each ServiceAccount: `kubectl auth can-i list configmaps -n shop --as=system:serviceaccount:shop:billing`. Then read the bindings: `kubectl describe rolebinding -n shop`, and look at each subject\'s kind, name and namespace.',
    '`billing-reads` names a **User** `billing`: a ServiceAccount is not a user of that name. `reports-reads` names the ServiceAccount `reports` of the namespace `default`, where there is none.',
    'A binding\'s subjects can be changed in place (`kubectl edit rolebinding billing-reads -n shop`), or added: `kubectl set subject rolebinding billing-reads -n shop --serviceaccount=shop:billing`. Its `roleRef` cannot: for another role, delete it and create a new one.',
  ],
  setup: `${apply([shop, account('billing'), account('reports'), reader, binding('billing-reads', { kind: 'User', name: 'billing' }), binding('reports-reads', { kind: 'ServiceAccount', name: 'reports', namespace: 'default' })])}`,
  solution: `kubectl describe rolebinding -n ${namespace}
kubectl set subject rolebinding billing-reads -n ${namespace} --serviceaccount=${namespace}:billing
kubectl set subject rolebinding reports-reads -n ${namespace} --serviceaccount=${namespace}:reports
kubectl auth can-i list configmaps -n ${namespace} --as=system:serviceaccount:${namespace}:billing
kubectl auth can-i list configmaps -n ${namespace} --as=system:serviceaccount:${namespace}:reports`,
  cleanup: `kubectl delete rolebinding,role --all -n ${namespace}
kubectl delete serviceaccount billing reports -n ${namespace} --ignore-not-found
kubectl delete clusterrolebinding shop-view --ignore-not-found`,
  variants: [
    {
      name: 'the wrong subjects replaced by patches, leaving one subject each',
      apply: `kubectl patch rolebinding billing-reads -n ${namespace} --type=json -p '[{"op":"replace","path":"/subjects","value":[{"kind":"ServiceAccount","name":"billing","namespace":"${namespace}"}]}]'
kubectl patch rolebinding reports-reads -n ${namespace} --type=json -p '[{"op":"replace","path":"/subjects/0/namespace","value":"${namespace}"}]'`,
    },
    {
      name: 'both broken bindings deleted, and one new binding for the two ServiceAccounts',
      apply: `kubectl delete rolebinding billing-reads reports-reads -n ${namespace}
kubectl create rolebinding config-readers --role=config-reader --serviceaccount=${namespace}:billing --serviceaccount=${namespace}:reports -n ${namespace}`,
    },
  ],
  nearMisses: [
    {
      name: 'billing repaired, reports still bound in default',
      apply: `kubectl set subject rolebinding billing-reads -n ${namespace} --serviceaccount=${namespace}:billing`,
      failsOn: 'reports-reads',
    },
    {
      name: 'reports repaired, billing still a User',
      apply: `kubectl set subject rolebinding reports-reads -n ${namespace} --serviceaccount=${namespace}:reports`,
      failsOn: 'billing-reads',
    },
    {
      name: 'the two ServiceAccounts given view with a ClusterRoleBinding',
      apply: `kubectl create clusterrolebinding shop-view --clusterrole=view --serviceaccount=${namespace}:billing --serviceaccount=${namespace}:reports`,
      failsOn: 'only-shop',
    },
    {
      name: 'the two ServiceAccounts given edit in shop',
      apply: `kubectl create rolebinding shop-edit --clusterrole=edit --serviceaccount=${namespace}:billing --serviceaccount=${namespace}:reports -n ${namespace}`,
      failsOn: 'read-only',
    },
  ],
  check: async (cluster) => {
    const [billingReads, reportsReads, billingWrites, reportsElsewhere] = await Promise.all([
      rbac.review(cluster, billing, { verb: 'list', resource: 'configmaps', namespace }),
      rbac.review(cluster, reports, { verb: 'list', resource: 'configmaps', namespace }),
      rbac.review(cluster, billing, { verb: 'update', resource: 'configmaps', namespace }),
      rbac.review(cluster, reports, { verb: 'list', resource: 'configmaps', namespace: 'default' }),
    ]);
    return [
      rbac.allowed(billingReads, { id: 'billing-reads' }),
      rbac.allowed(reportsReads, { id: 'reports-reads' }),
      rbac.denied(billingWrites, { id: 'read-only', hint: 'The apps only read their configuration: the Role `config-reader` is all they need. Repair its bindings instead of granting more.' }),
      rbac.denied(reportsElsewhere, { id: 'only-shop', hint: 'A ClusterRoleBinding grants in every namespace. Repair the RoleBindings in `shop`.' }),
    ];
  },
});
