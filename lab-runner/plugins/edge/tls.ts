import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { KubelabError } from '@kubelab/kit/errors';
import { run } from '@kubelab/kit/exec';
import { isLoopbackHost, type Config } from '../../config.ts';

/**
 * HTTPS for a lab server other machines reach: tokens and keystrokes must not cross a venue's Wi-Fi in clear.
 * The certificate is the host's (KUBELAB_TLS_CERT/KEY), or a self-signed one `npx kubelab tls` made in the data
 * directory; learners compare its fingerprint with the one the host reads out.
 */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated hex, as browsers show it. */
  fingerprint: string;
  /** Where it came from: KUBELAB_TLS_CERT/KEY, or `npx kubelab tls`. */
  source: 'configured' | 'generated';
  certFile: string;
}

/** Where `npx kubelab tls` keeps its certificate and key (0600) in the data directory. */
export function generatedTlsFiles(dataDir: string): { dir: string; cert: string; key: string } {
  const dir = join(dataDir, 'tls');
  return { dir, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}

/**
 * The certificate the server uses, if any: the configured one; else, when it listens on an address other
 * machines reach, the one `npx kubelab tls` made. A server on such an address with neither refuses to start
 * (E_TLS_REQUIRED) unless KUBELAB_INSECURE (or --insecure) says the network is trusted.
 */
export function resolveTls(config: Config): TlsMaterial | undefined {
  if (config.tlsCert && config.tlsKey) return loadTls(config.tlsCert, config.tlsKey, 'configured');
  if (isLoopbackHost(config.host)) return undefined;
  const generated = generatedTlsFiles(config.dataDir);
  if (existsSync(generated.cert) && existsSync(generated.key)) return loadTls(generated.cert, generated.key, 'generated');
  if (config.insecure) return undefined;
  throw new KubelabError('E_TLS_REQUIRED', `HOST=${config.host} lets other machines reach the lab server, and it has no TLS certificate: session tokens and every keystroke would cross the network in clear`, {
    hint:
      'Make a certificate with `npx kubelab tls` (or set KUBELAB_TLS_CERT and KUBELAB_TLS_KEY to your own), then start again. ' +
      'On a network you trust, start with --insecure (or KUBELAB_INSECURE=1) instead.',
  });
}

export function loadTls(certFile: string, keyFile: string, source: TlsMaterial['source']): TlsMaterial {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(certFile, 'utf8');
    key = readFileSync(keyFile, 'utf8');
  } catch (error) {
    throw new KubelabError('E_BAD_CONFIG', `cannot read the TLS certificate or key: ${(error as Error).message}`, {
      hint: source === 'configured' ? 'Point KUBELAB_TLS_CERT and KUBELAB_TLS_KEY at readable PEM files.' : 'Make them again with `npx kubelab tls --force`.',
      cause: error,
    });
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error('the key is not the private key of the certificate');
  } catch (error) {
    throw new KubelabError('E_BAD_CONFIG', `the TLS certificate ${certFile} and key ${keyFile} are not a usable pair: ${(error as Error).message}`, {
      hint: 'Give a PEM certificate and its own private key (KUBELAB_TLS_CERT, KUBELAB_TLS_KEY), or make a pair with `npx kubelab tls --force`.',
      cause: error,
    });
  }
  return { cert, key, fingerprint: x509.fingerprint256, source, certFile };
}

/** Whether others than the owner may read `file` (a private key should be 0600). */
export function readableByOthers(file: string): boolean {
  return (statSync(file).mode & 0o077) !== 0;
}

/**
 * Makes a self-signed certificate for `names` (DNS names and IP addresses) with `openssl req -x509`, into the
 * data directory: the key 0600 in a 0700 directory, written beside and renamed into place. Refuses to replace
 * an existing pair unless `force`.
 */
export async function generateCertificate(dataDir: string, names: readonly string[], options: { force?: boolean; days?: number } = {}): Promise<TlsMaterial> {
  const files = generatedTlsFiles(dataDir);
  if (!options.force && existsSync(files.cert) && existsSync(files.key)) {
    throw new KubelabError('E_USAGE', `a certificate already exists: ${files.cert}`, {
      hint: 'Keep it (its fingerprint is what learners were told), or make a new one with `npx kubelab tls --force`.',
    });
  }
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  chmodSync(files.dir, 0o700);
  const scratch = mkdtempSync(join(files.dir, '.new-'));
  try {
    const cert = join(scratch, 'cert.pem');
    const key = join(scratch, 'key.pem');
    const san = [...new Set(names)].map((name) => (isIpAddress(name) ? `IP:${name.replace(/^\[(.*)\]$/, '$1')}` : `DNS:${name}`)).join(',');
    await run([
      'openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256',
      '-days', String(options.days ?? 397), '-subj', '/CN=Kubelab lab server', '-addext', `subjectAltName=${san}`,
      '-keyout', key, '-out', cert,
    ]).catch((error: unknown) => {
      throw new KubelabError('E_COMMAND_FAILED', `openssl could not make the certificate: ${(error as Error).message}`, {
        hint: 'Install openssl (apt-get install openssl), or give your own certificate with KUBELAB_TLS_CERT and KUBELAB_TLS_KEY.',
        cause: error,
      });
    });
    chmodSync(key, 0o600);
    chmodSync(cert, 0o644);
    renameSync(key, files.key);
    renameSync(cert, files.cert);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return loadTls(files.cert, files.key, 'generated');
}

const isIpAddress = (name: string): boolean => isIP(name.replace(/^\[(.*)\]$/, '$1')) !== 0;
