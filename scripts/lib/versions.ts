import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

interface Pinned { version: string; why: string }
interface Release { url: string; sha256: string | null }

export interface Versions {
  node: Pinned;
  kind: Pinned & { module: string; release: Release };
  kubernetes: Pinned & { kubectlRelease: Release };
  etcd: Pinned & { imageTag: string };
  coredns: Pinned;
  pause: Pinned & { alsoTag: string[] };
  kubeRouter: Pinned;
  localPathProvisioner: Pinned & { image: string; helperImage: string };
  traefik: Pinned;
  gatewayApi: Pinned;
  metallb: Pinned & { module: string };
  metricsServer: Pinned;
  helm: Pinned & { release: Release };
  debian: { suite: string; why: string };
}

export const versionsFile = new URL('../versions.json', import.meta.url);

export const versions: Versions = JSON.parse(readFileSync(versionsFile, 'utf8'));

/** A short, stable hash of some inputs: used to key cached artifacts and image tags by what went into them. */
export function shortHash(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** Fills `{version}` in a release URL template. */
export function releaseUrl(release: Release, version: string): string {
  return release.url.replaceAll('{version}', version);
}
