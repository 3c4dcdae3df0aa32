import { stringify } from 'yaml';

/**
 * Script steps for exercises, built from data instead of hand-indented text:
 *
 *   setup: apply(apiPod()),                      // a typed V1Pod (or any objects) → kubectl apply
 *   cleanup: deletes('pod/api'),
 */

/**
 * `kubectl apply` of Kubernetes objects (typed client-node objects such as V1Pod, or plain ones), as a script
 * step: the objects become YAML in a quoted here-document, so nothing in them is expanded by the shell.
 */
export function apply(manifest: object | readonly object[]): string {
  const objects: readonly object[] = Array.isArray(manifest) ? manifest : [manifest as object];
  if (objects.length === 0) throw new Error('apply() needs at least one object');
  const yaml = objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
  if (/^YAML$/m.test(yaml)) throw new Error('apply(): a line of the manifest is exactly "YAML", which would end the here-document');
  return `kubectl apply -f - <<'YAML'\n${yaml}YAML`;
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
