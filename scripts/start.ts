/**
 * `npm start`: sets up what is missing, then makes sure the local lab cluster ("local") exists and is healthy,
 * and prints how to use it. The course site and lab-runner server join this command when they land.
 */
import { setup } from './setup.ts';
import { formatError } from './lib/errors.ts';
import { consoleStatus } from './lib/status.ts';
import { cachePath, writeFileAtomic } from './lib/cache.ts';
import { toolsBinDir } from './setup/tools.ts';
import { KindProvider } from '../lab-runner/providers/kind/provider.ts';

const name = process.env.KUBELAB_CLUSTER ?? 'local';

try {
  await setup();
  const provider = new KindProvider();
  const existing = (await provider.list()).find((c) => c.name === name);
  if (existing) {
    const report = await provider.health(name);
    for (const check of report.checks) process.stderr.write(`${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}\n`);
    if (!report.ready) {
      process.stderr.write(`\nCluster "${name}" exists but is not healthy. Recreate it with:\n  npx kubelab cluster delete ${name} && npm start\n`);
      process.exit(1);
    }
  } else {
    await provider.create({ name, profile: 'single' }, consoleStatus(), AbortSignal.timeout(900_000));
  }
  const kubeconfig = cachePath('state', `${name}.kubeconfig`);
  await writeFileAtomic(kubeconfig, await provider.kubeconfig(name), 0o600);
  process.stdout.write(
    `\nYour lab cluster "${name}" is ready.\n` +
      `  export PATH="${toolsBinDir()}:$PATH" KUBECONFIG="${kubeconfig}"\n` +
      `  kubectl get nodes\n` +
      `Remove it with: npx kubelab cluster delete ${name}\n`,
  );
} catch (error) {
  process.stderr.write(`\n${formatError(error)}\n`);
  process.exit(1);
}
