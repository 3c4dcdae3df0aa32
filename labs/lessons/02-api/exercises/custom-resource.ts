import { api, apply, defineExercise } from '@kubelab/labs';

const group = 'kubelab.dev';
const crdName = `backups.${group}`;

interface CrdOptions {
  shortNames?: string[];
  /** The schema of spec: typed fields, or anything (x-kubernetes-preserve-unknown-fields). */
  typed?: boolean;
  extras?: boolean;
}

function backupCrd(options: CrdOptions = {}) {
  const spec = options.typed === false
    ? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
    : { type: 'object', properties: { schedule: { type: 'string' }, retain: { type: 'integer', minimum: 1 } }, required: ['schedule'] };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'backups', singular: 'backup', kind: 'Backup', ...(options.shortNames ? { shortNames: options.shortNames } : {}), ...(options.extras ? { categories: ['kubelab'] } : {}) },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec } } },
          ...(options.extras
            ? { additionalPrinterColumns: [{ name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' }, { name: 'Retain', type: 'integer', jsonPath: '.spec.retain' }] }
            : {}),
        },
      ],
    },
  };
}

const backup = (name: string, retain: number | string, labels?: Record<string, string>) => ({
  apiVersion: `${group}/v1`,
  kind: 'Backup',
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { schedule: '0 3 * * *', retain },
});

/**
 * The CRD, then (once the API server serves it) one object of it. Not `kubectl wait --for=condition=Established`:
 * while a new CRD's status.conditions is still null, that fails at once ("accessor error: <nil> is of the type
 * <nil>") instead of waiting. If it never becomes Established, the object's apply says so.
 */
const defineAndCreate = (crd: object, object: object) => `${apply(crd)}
for attempt in $(seq 60); do
  [ "$(kubectl get crd ${crdName} -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" = True ] && break
  sleep 1
done
${apply(object)}`;

/**
 * On a workshop's cluster the learner is namespace admin, which says nothing about kinds that do not exist yet:
 * this role, aggregated into the built-in admin role, lets them create Backups in their namespaces.
 */
const learnerMayUseBackups = apply({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'kubelab:lesson-api-backups', labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true', 'app.kubernetes.io/managed-by': 'kubelab' } },
  rules: [{ apiGroups: [group], resources: ['backups'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] }],
});

export default defineExercise({
  title: 'A kind of your own',
  hints: [
    'A CustomResourceDefinition teaches the API server a new kind. `kubectl explain customresourcedefinition.spec` lists what it needs: group, names (plural, singular, kind, shortNames), scope and versions, each version with a schema.',
    `The CRD's name must be \`<plural>.<group>\`: \`${crdName}\`. Give \`retain\` the type \`integer\` in the schema, so \`"7"\` is refused and \`7\` kept.`,
    `Once \`kubectl get crd ${crdName}\` shows it, write the object with \`apiVersion: ${group}/v1\` and \`kind: Backup\`; \`kubectl get bk\` lists it.`,
  ],
  setup: learnerMayUseBackups,
  solution: defineAndCreate(backupCrd({ shortNames: ['bk'] }), backup('nightly', 7)),
  cleanup: `kubectl delete crd ${crdName} --ignore-not-found --wait
kubectl delete clusterrole kubelab:lesson-api-backups --ignore-not-found`,
  variants: [
    {
      name: 'a second short name, printer columns and a category; the object labelled',
      apply: defineAndCreate(backupCrd({ shortNames: ['bkp', 'bk'], extras: true }), backup('nightly', 7, { app: 'db' })),
    },
  ],
  nearMisses: [
    { name: 'no short names', apply: defineAndCreate(backupCrd(), backup('nightly', 7)), failsOn: 'short-names' },
    { name: 'an untyped spec, so retain was kept as the string "7"', apply: defineAndCreate(backupCrd({ shortNames: ['bk'], typed: false }), backup('nightly', '7')), failsOn: 'retain' },
    { name: 'the object under another name', apply: defineAndCreate(backupCrd({ shortNames: ['bk'] }), backup('backup-nightly', 7)), failsOn: 'object' },
  ],
  check: async (cluster) => {
    const crd = await api.readCrd(cluster, crdName);
    const nightly = await api.readCustomObject(cluster, { group, version: 'v1', plural: 'backups', namespace: 'default', name: 'nightly' });
    return [
      api.exists(crd, `The CustomResourceDefinition \`${crdName}\``, { id: 'crd' }),
      api.condition(crd, 'Established', { id: 'established', description: 'The API server serves the new kind (the CRD is Established)' }),
      api.crdScope(crd, 'Namespaced'),
      api.crdServes(crd, 'v1'),
      api.crdShortNames(crd, ['bk']),
      api.exists(nightly, 'A Backup named `nightly` in namespace `default`', { id: 'object' }),
      api.field(nightly, 'spec.schedule', '0 3 * * *', { id: 'schedule' }),
      api.field(nightly, 'spec.retain', 7, { id: 'retain', hint: 'A schema that types `retain` as an integer makes the API server refuse `"7"`; without one, it keeps whatever it is sent.' }),
    ];
  },
});
