/**
 * Image references as the container runtime reads them, so a check accepts every way a learner may write the
 * same image: `kubelab/web:1.0`, `docker.io/kubelab/web:1.0` and `index.docker.io/kubelab/web:1.0` are one image,
 * `debian` is `docker.io/library/debian:latest`. A different registry, repository, tag or digest is another image.
 */
export function normalizeImage(reference: string): string {
  let name = reference.trim();
  let suffix = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    suffix = name.slice(at);
    name = name.slice(0, at);
  }
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) {
    suffix = name.slice(colon) + suffix;
    name = name.slice(0, colon);
  } else if (!suffix) {
    suffix = ':latest';
  }
  const parts = name.split('/');
  // The first part names a registry only when it looks like a host: it has a dot or a port, or is localhost.
  const hasRegistry = parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost');
  const registry = hasRegistry ? parts.shift()! : 'docker.io';
  const canonicalRegistry = registry === 'index.docker.io' || registry === 'registry-1.docker.io' ? 'docker.io' : registry;
  if (canonicalRegistry === 'docker.io' && parts.length === 1) parts.unshift('library');
  return `${canonicalRegistry}/${parts.join('/')}${suffix}`;
}

/** The two references name the same image (see normalizeImage). */
export function sameImage(a: string | undefined, b: string): boolean {
  return a !== undefined && normalizeImage(a) === normalizeImage(b);
}
