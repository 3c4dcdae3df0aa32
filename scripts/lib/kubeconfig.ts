import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubelabError } from './errors.ts';

/**
 * Runs `work` with `kubeconfig` written to a private file (mode 0600, in a fresh temporary folder) and removes
 * the folder afterwards: kubectl, helm and kind need a path, and the user's own ~/.kube/config is never touched.
 */
export async function withKubeconfigFile<T>(kubeconfig: string, work: (path: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-kubeconfig-'));
  try {
    const path = join(dir, 'config');
    await writeFile(path, kubeconfig, { mode: 0o600 });
    return await work(path, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A kubeconfig reduced to what Kubelab uses: one cluster reached over TLS with its CA, and one user who
 * authenticates with a client certificate. Nothing in it can make kubectl or @kubernetes/client-node run a
 * command, read a file or talk to a proxy.
 */
export interface SafeKubeconfig {
  /** The name of the cluster, the user and the context alike. */
  name: string;
  /** https://host:port, with no credentials, path, query or fragment. */
  server: string;
  /** base64 of the CA bundle (PEM), as in the kubeconfig. */
  certificateAuthorityData: string;
  /** base64 of the client certificate (PEM). */
  clientCertificateData: string;
  /** base64 of the client key (PEM). */
  clientKeyData: string;
}

/**
 * Every field a cluster or user entry may have; anything else (exec, auth-provider, token, tokenFile, username,
 * password, proxy-url, insecure-skip-tls-verify, certificate-authority, client-certificate, client-key,
 * tls-server-name, extensions, …) is refused rather than dropped, because its presence means the file is not what
 * kubeadm wrote.
 */
export const allowedKubeconfigFields = {
  cluster: ['server', 'certificate-authority-data'],
  user: ['client-certificate-data', 'client-key-data'],
} as const;

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,252}$/;
const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;
/** A CA bundle or a certificate chain is a few KiB; anything near this is not what kubeadm wrote. */
const maxDataLength = 256 * 1024;

/** Field names come from the file: show them, but never much of them. */
const shown = (key: string): string => JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);

function unsafe(what: string, message: string): KubelabError {
  return new KubelabError('E_UNSAFE_KUBECONFIG', `${what} ${message}`, {
    hint:
      'Kubelab uses only server, certificate-authority-data, client-certificate-data and client-key-data from a kubeconfig, ' +
      'so a credential plugin, a token or a file path can never run or be read on the host. Delete the cluster and create it again.',
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The one entry of `list` (clusters or users), with only the allowed fields, each a non-empty string. */
function onlyEntry(what: string, parsed: Record<string, unknown>, list: 'clusters' | 'users', inner: 'cluster' | 'user'): { name: string; fields: Record<string, string> } {
  const entries = parsed[list];
  if (!Array.isArray(entries) || entries.length !== 1) {
    throw unsafe(what, `must have exactly one entry in ${list} (it has ${Array.isArray(entries) ? entries.length : 'none'})`);
  }
  const entry: unknown = entries[0];
  if (!isRecord(entry)) throw unsafe(what, `has a ${inner} entry that is not a map`);
  for (const key of Object.keys(entry)) {
    if (key !== 'name' && key !== inner) throw unsafe(what, `has the field ${shown(key)} in its ${inner} entry, which Kubelab does not accept`);
  }
  const name = entry.name;
  if (typeof name !== 'string' || !namePattern.test(name)) throw unsafe(what, `has a ${inner} entry without a plain name`);
  const body = entry[inner];
  if (!isRecord(body)) throw unsafe(what, `has a ${inner} entry without its ${inner} map`);
  const allowed: readonly string[] = allowedKubeconfigFields[inner];
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!allowed.includes(key)) throw unsafe(what, `has the field ${shown(key)} in its ${inner}, which Kubelab does not accept`);
    if (typeof value !== 'string' || value === '') throw unsafe(what, `has a ${key} that is not a non-empty string`);
    fields[key] = value;
  }
  for (const key of allowed) if (!(key in fields)) throw unsafe(what, `lacks ${key} in its ${inner}`);
  return { name, fields };
}

function data(what: string, field: string, value: string): string {
  if (value.length > maxDataLength || !base64Pattern.test(value)) throw unsafe(what, `has a ${field} that is not base64 data`);
  return value;
}

function server(what: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw unsafe(what, 'has a server that is not a URL');
  }
  if (url.protocol !== 'https:' || !url.hostname || url.username || url.password || url.pathname !== '/' || url.search || url.hash || /\s/.test(value)) {
    throw unsafe(what, 'has a server that is not https://host:port');
  }
  return value;
}

/**
 * Checks a parsed kubeconfig (YAML or JSON, already parsed) and keeps only the allowed fields, or throws
 * E_UNSAFE_KUBECONFIG naming the first field it refuses. Exactly one cluster and one user; contexts, preferences
 * and extensions are dropped, since the result gets a single context of its own. `options.name` names the
 * cluster, user and context of the result (the names in the file are then ignored); without it the cluster's
 * name is kept. `options.what` says whose kubeconfig it is, for the message.
 */
export function sanitizeKubeconfig(parsed: unknown, options: { name?: string; what?: string } = {}): SafeKubeconfig {
  const what = options.what ?? 'the kubeconfig';
  if (!isRecord(parsed)) throw unsafe(what, 'is not a kubeconfig map');
  if (parsed.kind !== undefined && parsed.kind !== 'Config') throw unsafe(what, 'is not of kind Config');
  const cluster = onlyEntry(what, parsed, 'clusters', 'cluster');
  const user = onlyEntry(what, parsed, 'users', 'user');
  const name = options.name ?? cluster.name;
  if (!namePattern.test(name)) throw unsafe(what, 'would get a name that is not plain');
  return {
    name,
    server: server(what, cluster.fields.server!),
    certificateAuthorityData: data(what, 'certificate-authority-data', cluster.fields['certificate-authority-data']!),
    clientCertificateData: data(what, 'client-certificate-data', user.fields['client-certificate-data']!),
    clientKeyData: data(what, 'client-key-data', user.fields['client-key-data']!),
  };
}

/** A scalar YAML reads back as the same string: plain when it surely is, else JSON-quoted (JSON is YAML). */
function scalar(value: string): string {
  const plain = /^[A-Za-z][A-Za-z0-9._@\-/+=]*(:[A-Za-z0-9._@\-/+=[\]]+)*$/.test(value) && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(value);
  return plain ? value : JSON.stringify(value);
}

/**
 * The kubeconfig text of a SafeKubeconfig, in the layout kind and kubectl write (so a clean kubeconfig from kind
 * comes back byte for byte). The same input always gives the same bytes, and sanitizing what this writes gives the
 * same SafeKubeconfig back.
 */
export function renderKubeconfig(config: SafeKubeconfig): string {
  const name = scalar(config.name);
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${scalar(config.certificateAuthorityData)}`,
    `    server: ${scalar(config.server)}`,
    `  name: ${name}`,
    'contexts:',
    '- context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    `  name: ${name}`,
    `current-context: ${name}`,
    'kind: Config',
    'preferences: {}',
    'users:',
    `- name: ${name}`,
    '  user:',
    `    client-certificate-data: ${scalar(config.clientCertificateData)}`,
    `    client-key-data: ${scalar(config.clientKeyData)}`,
    '',
  ].join('\n');
}
