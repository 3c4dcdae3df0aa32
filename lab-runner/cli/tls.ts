import { hostname, networkInterfaces } from 'node:os';
import { KubelabError } from '@kubelab/kit/errors';
import { loadConfig } from '../config.ts';
import { splitHost } from '../plugins/edge/hosts.ts';
import { generateCertificate, generatedTlsFiles } from '../plugins/edge/tls.ts';

/**
 * `npx kubelab tls [--host NAME]... [--force]`: a self-signed certificate for a workshop server, made with
 * `openssl req -x509` into the data directory (the key 0600). The lab server uses it when it listens on an
 * address other machines reach. Its names: the --host values, KUBELAB_PUBLIC_HOST, this machine's name and
 * addresses, and the loopback names.
 */
export async function tls(options: { hosts: string[]; force: boolean }, out: (line: string) => void): Promise<void> {
  const config = loadConfig();
  const names = certificateNames(options.hosts, config.publicHost);
  const material = await generateCertificate(config.dataDir, names, { force: options.force });
  const files = generatedTlsFiles(config.dataDir);
  out(`Wrote ${files.cert} and its key ${files.key} (mode 0600).`);
  out(`Names: ${names.join(', ')}`);
  out(`SHA-256 fingerprint:\n  ${material.fingerprint}`);
  out(
    'The lab server uses it whenever it listens on an address other machines reach (HOST=0.0.0.0), and prints this fingerprint at start.\n' +
      'Browsers warn about a self-signed certificate: tell learners the fingerprint, so they can compare it with the one their browser shows before going on.',
  );
}

export function certificateNames(hosts: readonly string[], publicHost: string | undefined): string[] {
  const names = hosts.map((host) => {
    const name = splitHost(host)?.name;
    if (!name) throw new KubelabError('E_USAGE', `--host ${JSON.stringify(host)} is not a host name or address`, { hint: 'For example: npx kubelab tls --host lab.example.org --host 10.0.0.5' });
    return name;
  });
  if (publicHost) names.push(splitHost(publicHost)?.name ?? publicHost);
  // This machine's name, if it is one a certificate can carry.
  if (splitHost(hostname())) names.push(hostname());
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (!address.internal && address.family === 'IPv4') names.push(address.address);
  }
  names.push('localhost', '127.0.0.1', '::1');
  return [...new Set(names.map((name) => name.replace(/^\[(.*)\]$/, '$1').toLowerCase()).filter(Boolean))];
}
