import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../lib/exec.ts';
import { exists, writeFileAtomic } from '../lib/cache.ts';
import { gatewayApiManifestPath } from '../lib/artifacts.ts';
import { versions } from '../lib/versions.ts';

export async function ensureGatewayApiManifest(): Promise<string> {
  const target = gatewayApiManifestPath();
  if (await exists(target)) return 'cached';
  const { stdout } = await run(['go', 'mod', 'download', '-json', `sigs.k8s.io/gateway-api@${versions.gatewayApi.version}`], {
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  const dir = join((JSON.parse(stdout) as { Dir: string }).Dir, 'config/crd/standard');
  const files = (await readdir(dir)).filter((file) => file.endsWith('.yaml')).sort();
  const parts = await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')));
  await writeFileAtomic(target, parts.map((part) => part.trim()).join('\n---\n') + '\n');
  return `${files.length} CRDs from sigs.k8s.io/gateway-api@${versions.gatewayApi.version}`;
}
