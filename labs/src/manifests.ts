import { stringify } from 'yaml';
import { learnerNamespaceObjectRefs } from '@kubelab/kit/learner-namespace';

/**
 * Script steps for exercises, built from data instead of hand-indented text:
 *
 *   setup: apply(apiPod()),                      // a typed V1Pod (or any objects) → kubectl apply
 *   cleanup: deletes('pod/api'),
 */

/** One `kubectl apply` of the objects, as YAML in a quoted here-document, so nothing in them is expanded by the shell. */
function applyOnce(objects: readonly object[]): string {
  const yaml = objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
  if (/^YAML$/m.test(yaml)) throw new Error('apply(): a line of the manifest is exactly "YAML", which would end the here-document');
  return `kubectl apply -f - <<'YAML'\n${yaml}YAML`;
}

const isNamespace = (object: object): boolean => (object as { kind?: unknown }).kind === 'Namespace';
const nameOf = (object: object): string => String((object as { metadata?: { name?: unknown } }).metadata?.name ?? '');

/**
 * Waits, in a learner-mode cluster only (its `default` namespace holds the learner ResourceQuota), until the
 * namespace reconciler has given each namespace its LimitRange, ResourceQuota and RoleBinding. Elsewhere it costs
 * one kubectl call.
 */
function awaitLearnerNamespaces(namespaces: readonly string[]): string {
  const waits = namespaces.map(
    (namespace) =>
      `  kubectl wait --for=create -n ${namespace} ${learnerNamespaceObjectRefs.join(' ')} --timeout=60s >/dev/null ||
` +
      `    { echo "namespace ${namespace} did not get its learner LimitRange, ResourceQuota and RoleBinding within 60 s: is the lab-runner's namespace reconciler running?" >&2; exit 1; }`,
  );
  return `if kubectl get -n default ${learnerNamespaceObjectRefs[1]} -o name >/dev/null 2>&1; then
${waits.join('\n')}
fi`;
}

/**
 * `kubectl apply` of Kubernetes objects (typed client-node objects such as V1Pod, or plain ones), as a script
 * step: the objects become YAML in a quoted here-document, so nothing in them is expanded by the shell.
 * Namespaces among other objects are applied first, on their own, and in a learner-mode cluster the rest waits
 * until they are ready for learners (@kubelab/kit/learner-namespace says why).
 */
export function apply(manifest: object | readonly object[]): string {
  const objects: readonly object[] = Array.isArray(manifest) ? manifest : [manifest as object];
  if (objects.length === 0) throw new Error('apply() needs at least one object');
  const namespaces = objects.filter(isNamespace);
  const others = objects.filter((object) => !isNamespace(object));
  if (namespaces.length === 0 || others.length === 0) return applyOnce(objects);
  const names = namespaces.map(nameOf);
  for (const name of names) {
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) throw new Error(`apply(): ${JSON.stringify(name)} is not a namespace name`);
  }
  return [applyOnce(namespaces), awaitLearnerNamespaces(names), applyOnce(others)].join('\n');
}

const objectRef = /^[a-z][a-z0-9.]*\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/**
 * The usual cleanup: deletes the objects (`kind/name`, for example 'pod/web'), and succeeds if they are already
 * gone. A short grace period keeps Reset quick; --wait returns only when they are really gone, so a setup that
 * recreates them does not collide with the old ones.
 */
export function deletes(...objects: [string, ...string[]]): string {
  for (const object of objects) {
    if (!objectRef.test(object)) throw new Error(`deletes(${JSON.stringify(object)}): name each object as kind/name, for example deletes('pod/web')`);
  }
  return `kubectl delete ${objects.join(' ')} --ignore-not-found --grace-period=1 --wait`;
}
