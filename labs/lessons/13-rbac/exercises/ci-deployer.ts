import { buildCriterion, defineExercise, getOrNull, rbac, secretText, serviceAccountSubject } from '@kubelab/labs';

const namespace = 'ci';
const deployer = serviceAccountSubject(namespace, 'deployer');

/** A token kept where a CI system would read it: the Secret `pipeline-credentials`, key `token`. */
const storeToken = (account = 'deployer') =>
  `kubectl create secret generic pipeline-credentials -n ${namespace} --from-literal=token="$(kubectl create token ${account} -n ${namespace} --duration=24h)"`;

export default defineExercise({
  title: 'A namespace-admin token for a CI pipeline',
  hints: [
    'A pipeline is not a person: give it a ServiceAccount, `kubectl create serviceaccount deployer -n ci`, and grant it the built-in ClusterRole `admin` with a RoleBinding in `ci`, so it is admin there and nowhere else.',
    '`kubectl create rolebinding deployer-admin --clusterrole=admin --serviceaccount=ci:deployer -n ci`. The subject of a ServiceAccount is `<namespace>:<name>`, not `--user`.',
    '`kubectl create token deployer -n ci --duration=24h` prints a token; keep it in the Secret: `kubectl create secret generic pipeline-credentials -n ci --from-literal=token="$(kubectl create token deployer -n ci --duration=24h)"`. Test the access: `kubectl auth can-i create deployments -n ci --as=system:serviceaccount:ci:deployer`.',
  ],
  setup: `kubectl create namespace ${namespace} --dry-run=client -o yaml | kubectl apply -f -`,
  solution: `kubectl create serviceaccount deployer -n ${namespace}
kubectl create rolebinding deployer-admin --clusterrole=admin --serviceaccount=${namespace}:deployer -n ${namespace}
${storeToken()}
kubectl auth can-i create deployments -n ${namespace} --as=system:serviceaccount:${namespace}:deployer`,
  cleanup: `kubectl delete rolebinding,role --all -n ${namespace}
kubectl delete serviceaccount deployer -n ${namespace} --ignore-not-found
kubectl delete secret pipeline-credentials -n ${namespace} --ignore-not-found
kubectl delete clusterrolebinding deployer-admin --ignore-not-found`,
  variants: [
    {
      name: 'a Role of its own allowing everything in ci, and a long-lived token Secret filled in by the control plane',
      apply: `kubectl apply -f - <<'YAML'
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: ${namespace}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: namespace-admin, namespace: ${namespace}}
rules:
- {apiGroups: ['*'], resources: ['*'], verbs: ['*']}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer-is-admin, namespace: ${namespace}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: namespace-admin}
subjects:
- {kind: ServiceAccount, name: deployer, namespace: ${namespace}}
---
apiVersion: v1
kind: Secret
metadata:
  name: pipeline-credentials
  namespace: ${namespace}
  annotations: {kubernetes.io/service-account.name: deployer}
type: kubernetes.io/service-account-token
YAML
for i in $(seq 1 30); do [ -n "$(kubectl get secret pipeline-credentials -n ${namespace} -o jsonpath='{.data.token}')" ] && break; sleep 1; done`,
    },
  ],
  nearMisses: [
    {
      name: 'admin granted with a ClusterRoleBinding: admin of every namespace',
      apply: `kubectl create serviceaccount deployer -n ${namespace}
kubectl create clusterrolebinding deployer-admin --clusterrole=admin --serviceaccount=${namespace}:deployer
${storeToken()}`,
      failsOn: 'only-ci',
    },
    {
      name: 'the binding names a User deployer, not the ServiceAccount',
      apply: `kubectl create serviceaccount deployer -n ${namespace}
kubectl create rolebinding deployer-admin --clusterrole=admin --user=deployer -n ${namespace}
${storeToken()}`,
      failsOn: 'deploys',
    },
    {
      name: 'edit instead of admin: it deploys, but cannot manage access in ci',
      apply: `kubectl create serviceaccount deployer -n ${namespace}
kubectl create rolebinding deployer-admin --clusterrole=edit --serviceaccount=${namespace}:deployer -n ${namespace}
${storeToken()}`,
      failsOn: 'admin',
    },
    {
      name: "the token of ci's default ServiceAccount",
      apply: `kubectl create serviceaccount deployer -n ${namespace}
kubectl create rolebinding deployer-admin --clusterrole=admin --serviceaccount=${namespace}:deployer -n ${namespace}
${storeToken('default')}`,
      failsOn: 'token',
    },
  ],
  check: async (cluster) => {
    const [account, secret, deploys, grants, elsewhere] = await Promise.all([
      getOrNull(() => cluster.core.readNamespacedServiceAccount({ name: 'deployer', namespace })),
      getOrNull(() => cluster.core.readNamespacedSecret({ name: 'pipeline-credentials', namespace })),
      rbac.review(cluster, deployer, { verb: 'create', resource: 'deployments', group: 'apps', namespace }),
      rbac.review(cluster, deployer, { verb: 'create', resource: 'rolebindings', group: 'rbac.authorization.k8s.io', namespace }),
      rbac.review(cluster, deployer, { verb: 'create', resource: 'deployments', group: 'apps', namespace: 'default' }),
    ]);
    const token = secret ? secretText(secret, 'token') : undefined;
    const identity = token ? await rbac.tokenIdentity(cluster, token) : undefined;
    return [
      buildCriterion(
        { id: 'account', description: 'The ServiceAccount `deployer` exists in `ci`', hint: '`kubectl create serviceaccount deployer -n ci`' },
        {},
        { passed: account !== null, expected: 'serviceaccount/deployer in ci', actual: account ? 'serviceaccount/deployer in ci' : 'no ServiceAccount deployer in ci' },
      ),
      rbac.allowed(deploys, { id: 'deploys' }),
      rbac.allowed(grants, {
        id: 'admin',
        hint: 'A namespace admin also manages who else may work there (Roles and RoleBindings): the built-in ClusterRole `admin` allows it, `edit` does not.',
      }),
      rbac.denied(elsewhere, { id: 'only-ci', hint: 'Bind `admin` with a RoleBinding in `ci`: a ClusterRoleBinding makes the pipeline admin of every namespace.' }),
      buildCriterion(
        {
          id: 'token',
          description: 'The Secret `pipeline-credentials` in `ci` holds, under `token`, a token the API server accepts as the ServiceAccount `deployer`',
          hint: '`kubectl create token deployer -n ci` makes a token for that ServiceAccount; put it in the Secret under the key `token`.',
        },
        {},
        {
          passed: identity?.user === deployer.user,
          expected: `a token of ${deployer.user}`,
          actual: !secret
            ? 'no Secret pipeline-credentials in ci'
            : token === undefined
              ? 'the Secret has no key token'
              : identity?.user
                ? `a token of ${identity.user}`
                : `not accepted: ${identity?.error ?? 'unknown'}`,
        },
      ),
    ];
  },
});
