/**
 * The contract between a learner-mode cluster (a workshop server's) and the scripts that run in it: every learner
 * namespace gets these three objects from the lab-runner's namespace reconciler, within about a second of
 * appearing, LimitRange and ResourceQuota first and the learner's RoleBinding last. A script that makes a namespace
 * and at once a pod in it waits for them (labs' apply() does): a pod admitted while the LimitRange lands can miss
 * its defaults yet meet its ceiling, and be refused with "No limit is specified".
 */
export const learnerNamespaceNames = { roleBinding: 'kubelab:learner-admin', limitRange: 'kubelab-learner', resourceQuota: 'kubelab-learner' } as const;

/** The three objects as kubectl names them (kind/name), in the order the reconciler makes them. */
export const learnerNamespaceObjectRefs: readonly string[] = [
  `limitrange/${learnerNamespaceNames.limitRange}`,
  `resourcequota/${learnerNamespaceNames.resourceQuota}`,
  `rolebinding/${learnerNamespaceNames.roleBinding}`,
];
