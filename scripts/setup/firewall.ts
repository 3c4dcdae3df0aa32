import { which } from '../lib/exec.ts';
import { ensureRules, execStatus, families, firewallRules, forwardHookOf, hostNameservers, offlineMode, shellCommands, type Exec, type Family } from '../lib/firewall.ts';
import { isRoot } from '../lib/host.ts';
import type { StepHandle } from '../lib/status.ts';

/**
 * The setup step: the host firewall for lab networks (scripts/lib/firewall.ts), with iptables and, when the
 * kernel has IPv6 on, ip6tables. As root it installs or repairs the rules; otherwise it prints the commands a root
 * shell runs and goes on (`npx kubelab doctor` keeps saying they are missing). KUBELAB_OFFLINE=1 drops all egress.
 */
export async function ensureFirewall(step: StepHandle, exec: Exec = execStatus, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (process.platform !== 'linux') return 'not Linux: the container engine runs in a VM, whose own network keeps labs off this machine';
  const offline = offlineMode(env);
  const nameservers = hostNameservers();
  const wanted: Family[] = families();
  if (!isRoot() || !(await which('iptables'))) {
    const why = !isRoot() ? 'not root' : 'iptables is not installed';
    const lines: string[] = [];
    for (const family of wanted) lines.push(...shellCommands(firewallRules(family, { offline, nameservers }, family === 4 ? 'DOCKER-USER' : 'FORWARD')));
    step.progress(`${why}: the host firewall for lab networks is NOT installed. As root, run:\n    ${lines.join('\n    ')}`);
    return `${why}: NOT installed (the commands are above; \`npx kubelab doctor\` checks them)`;
  }
  const notes: string[] = [];
  for (const family of wanted) {
    const rules = firewallRules(family, { offline, nameservers }, await forwardHookOf(exec, family));
    const report = await ensureRules(exec, rules);
    notes.push(`${family === 4 ? 'iptables' : 'ip6tables'} ${report.changes.length ? `${report.changes.length} change(s)` : 'in place'}`);
  }
  return `${notes.join(', ')}${offline ? ' (offline: no egress)' : ''}`;
}
