import type { V1LabelSelector } from '@kubernetes/client-node';

/**
 * Selector semantics as the API server applies them, in one place, so that a Deployment's selector, a Service's,
 * a PodDisruptionBudget's, pod anti-affinity and node affinity all agree on what `NotIn` of a missing label means.
 */

/**
 * One requirement (`key operator values`) against one label value, `undefined` when the label is absent. `Gt` and
 * `Lt` exist only in node selectors and compare integers; label selectors never pass them here.
 */
export function requirementHolds(value: string | undefined, operator: string, values: readonly string[] = []): boolean {
  switch (operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const [bound] = values;
      if (value === undefined || bound === undefined || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(bound)) return false;
      return operator === 'Gt' ? Number(value) > Number(bound) : Number(value) < Number(bound);
    }
    default:
      return false;
  }
}

/**
 * Whether a label selector (matchLabels and matchExpressions, all of which must hold) selects an object with these
 * labels. An empty selector selects everything, as in the API; a missing one selects nothing.
 */
export function matchesLabelSelector(selector: V1LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const have = labels ?? {};
  const label = (key: string) => (Object.hasOwn(have, key) ? have[key] : undefined);
  return (
    Object.entries(selector.matchLabels ?? {}).every(([key, value]) => label(key) === value) &&
    (selector.matchExpressions ?? []).every(({ key, operator, values }) => operator !== 'Gt' && operator !== 'Lt' && requirementHolds(label(key), operator, values))
  );
}
