/**
 * The host firewall for lab networks (security review H4, §5.7). Every cluster's Docker network is a Linux bridge
 * named kl-<12 hex> (labBridgeName), so one pattern, `kl-+`, matches every lab and nothing else. Traffic from a lab
 * bridge, whether a toolbox's or a pod's (the node NATs pods to its own address):
 *
 * - to the host itself (any of its addresses, any port: the lab server, sshd, a database…): dropped, except replies
 *   to what the host opened (the lab server's API calls through docker-proxy, its probes, `docker exec` needs no
 *   network) and, over IPv6, neighbour discovery;
 * - routed out of the bridge to 169.254.0.0/16 (cloud metadata) or to a private or CGNAT range (the LAN, the cloud's
 *   VPC, other containers on docker0): dropped. Docker's own isolation already keeps one lab bridge from another;
 * - with KUBELAB_OFFLINE=1, routed anywhere out of the lab bridges: dropped;
 * - DNS to the host's own resolvers when they sit in a dropped range: kept. Docker's embedded resolver (127.0.0.11
 *   in every container, which kind's CoreDNS forwards to) answers container names in the container's own network
 *   namespace and sends other names to those resolvers from there, through the bridge.
 *
 * Rules live in chains of our own, KUBELAB-INPUT (jumped to from INPUT for `-i kl-+`) and KUBELAB-FORWARD (jumped
 * to from DOCKER-USER, which dockerd evaluates before its own forwarding rules and keeps across restarts; from
 * FORWARD where dockerd manages no DOCKER-USER, as for IPv6 without dockerd's ip6tables). Installing is idempotent:
 * each jump is checked (-C) before it is inserted (-I), and each chain is rewritten only when its rules differ from
 * these. The same for ip6tables when the kernel has IPv6 on. iptables rules do not survive a reboot: `npm run
 * setup` installs them again, and `npx kubelab doctor` says when they are missing.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { run } from './exec.ts';
import { labBridgePrefix } from './host.ts';

export type Family = 4 | 6;

/** The interface pattern of every lab bridge. */
export const LAB_BRIDGES = `${labBridgePrefix}+`;
export const INPUT_CHAIN = 'KUBELAB-INPUT';
export const FORWARD_CHAIN = 'KUBELAB-FORWARD';

/** Where lab traffic may not go once it leaves its bridge, per family. */
export const BLOCKED_RANGES: Record<Family, { metadata: string[]; private: string[] }> = {
  4: { metadata: ['169.254.0.0/16'], private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'] },
  // fe80::/10 is link-local (never routed, listed for completeness); fc00::/7 is the private (ULA) range, which also
  // holds AWS's IPv6 metadata address (fd00:ec2::254).
  6: { metadata: ['fe80::/10'], private: ['fc00::/7'] },
};

export interface FirewallOptions {
  /** KUBELAB_OFFLINE=1: no lab traffic leaves the lab bridges at all. */
  offline: boolean;
  /** The host's DNS resolvers (Docker's embedded DNS forwards to them through the bridge). */
  nameservers: readonly string[];
}

/** One rule: its chain and its arguments, written as `iptables -S` prints them (so a chain compares as text). */
export interface Rule {
  chain: string;
  spec: string[];
}

/** What one family needs: our chains with their rules in order, and the jumps into them from the system's chains. */
export interface RuleSet {
  family: Family;
  chains: { name: string; rules: string[][] }[];
  jumps: Rule[];
}

const comment = (text: string): string[] => ['-m', 'comment', '--comment', `kubelab: ${text}`];

/** Whether an address lies in a CIDR range of the same family. */
export function inRange(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const family = isIP(address);
  if (!base || family === 0 || family !== isIP(base)) return false;
  const bits = Number(bitsText);
  const a = toBigInt(address, family);
  const b = toBigInt(base, family);
  const width = family === 4 ? 32 : 128;
  const shift = BigInt(width - bits);
  return a >> shift === b >> shift;
}

function toBigInt(address: string, family: number): bigint {
  if (family === 4) return address.split('.').reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n);
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const parts = address.includes('::') ? [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts] : headParts;
  return parts.reduce((sum, part) => (sum << 16n) + BigInt(parseInt(part || '0', 16)), 0n);
}

/**
 * The rules for one family. `forwardHook`: the system chain that jumps to ours for routed traffic (DOCKER-USER where
 * dockerd has it, else FORWARD).
 */
export function firewallRules(family: Family, options: FirewallOptions, forwardHook: 'DOCKER-USER' | 'FORWARD'): RuleSet {
  const ranges = BLOCKED_RANGES[family];
  const blocked = [...ranges.metadata, ...ranges.private];
  const host = `/${family === 4 ? 32 : 128}`;
  const input: string[][] = [['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...comment('replies to the host'), '-j', 'RETURN']];
  if (family === 6) {
    // Neighbour solicitations and advertisements (IPv6's ARP): without them the host cannot reach a container's
    // IPv6 address, replies included. Conntrack does not track them.
    for (const type of ['135', '136']) input.push(['-p', 'ipv6-icmp', '-m', 'icmp6', '--icmpv6-type', type, ...comment('neighbour discovery'), '-j', 'RETURN']);
  }
  input.push([...comment('nothing on the host is for lab containers'), '-j', 'DROP']);

  const forward: string[][] = [['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...comment('replies'), '-j', 'RETURN']];
  if (options.offline) {
    forward.push(['!', '-o', LAB_BRIDGES, ...comment('offline: nothing leaves the lab networks'), '-j', 'DROP']);
  } else {
    const resolvers = [...new Set(options.nameservers)].filter((address) => isIP(address) === family && blocked.some((range) => inRange(address, range)));
    for (const address of resolvers) {
      for (const protocol of ['udp', 'tcp']) {
        forward.push(['-d', `${address}${host}`, '-p', protocol, '-m', protocol, '--dport', '53', ...comment("the host's DNS resolver"), '-j', 'RETURN']);
      }
    }
    for (const range of ranges.metadata) forward.push(['-d', range, ...comment('link-local and cloud metadata'), '-j', 'DROP']);
    for (const range of ranges.private) forward.push(['-d', range, '!', '-o', LAB_BRIDGES, ...comment('private networks outside the lab'), '-j', 'DROP']);
  }
  return {
    family,
    chains: [
      { name: INPUT_CHAIN, rules: input },
      { name: FORWARD_CHAIN, rules: forward },
    ],
    jumps: [
      { chain: 'INPUT', spec: ['-i', LAB_BRIDGES, '-j', INPUT_CHAIN] },
      { chain: forwardHook, spec: ['-i', LAB_BRIDGES, '-j', FORWARD_CHAIN] },
    ],
  };
}

/** How a command ran: its exit status and output. Injected, so the tests play iptables. */
export type Exec = (argv: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Runs a command and reports its exit status instead of throwing (iptables -C and -S answer with it). */
export const execStatus: Exec = async (argv) => {
  try {
    const { stdout, stderr } = await run(argv);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { exitCode?: number | null; stderr?: string };
    return { code: typeof failed.exitCode === 'number' ? failed.exitCode : 127, stdout: '', stderr: failed.stderr ?? String(error) };
  }
};

const tool = (family: Family): string => (family === 4 ? 'iptables' : 'ip6tables');

/** The argv of one iptables call; -w waits for the xtables lock (dockerd takes it too). */
export const iptablesArgv = (family: Family, ...args: string[]): string[] => [tool(family), '-w', ...args];

/** `iptables -S` splits its output like a shell: double quotes hold spaces. */
export function splitRule(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!);
  return words;
}

/** The rules of `chain` as `iptables -S chain` lists them (each without `-A chain`), or undefined when there is no such chain. */
async function listChain(exec: Exec, family: Family, chain: string): Promise<string[][] | undefined> {
  const listed = await exec(iptablesArgv(family, '-S', chain));
  if (listed.code !== 0) return undefined;
  return listed.stdout
    .split('\n')
    .filter((line) => line.startsWith(`-A ${chain} `))
    .map((line) => splitRule(line).slice(2));
}

const same = (a: readonly string[][], b: readonly string[][]): boolean => a.length === b.length && a.every((rule, i) => rule.join('\0') === b[i]!.join('\0'));

/** The system chain routed lab traffic passes first: DOCKER-USER where dockerd keeps one, else FORWARD. */
export async function forwardHookOf(exec: Exec, family: Family): Promise<'DOCKER-USER' | 'FORWARD'> {
  return (await exec(iptablesArgv(family, '-S', 'DOCKER-USER'))).code === 0 ? 'DOCKER-USER' : 'FORWARD';
}

export interface FamilyReport {
  family: Family;
  /** What was (or, for a check, would be) changed, as commands. Empty: the rules were all in place. */
  changes: string[][];
}

/**
 * Installs the rule set: creates our chains, rewrites one only when its rules differ (flush, then append in order),
 * and inserts each jump at the top of its system chain unless `-C` finds it there already. Throws on a failing
 * iptables command.
 */
export async function ensureRules(exec: Exec, rules: RuleSet): Promise<FamilyReport> {
  const { family } = rules;
  const changes: string[][] = [];
  const must = async (argv: string[]): Promise<void> => {
    changes.push(argv);
    const result = await exec(argv);
    if (result.code !== 0) throw new Error(`\`${argv.join(' ')}\` exited with status ${result.code}: ${result.stderr.trim()}`);
  };
  for (const { name, rules: wanted } of rules.chains) {
    const current = await listChain(exec, family, name);
    if (current && same(current, wanted)) continue;
    if (current === undefined) await must(iptablesArgv(family, '-N', name));
    else await must(iptablesArgv(family, '-F', name));
    for (const rule of wanted) await must(iptablesArgv(family, '-A', name, ...rule));
  }
  for (const jump of rules.jumps) {
    if ((await exec(iptablesArgv(family, '-C', jump.chain, ...jump.spec))).code === 0) continue;
    await must(iptablesArgv(family, '-I', jump.chain, '1', ...jump.spec));
  }
  return { family, changes };
}

/** What is missing or different, as the commands that would fix it (none: all in place). Reads only. */
export async function checkRules(exec: Exec, rules: RuleSet): Promise<FamilyReport> {
  const { family } = rules;
  const changes: string[][] = [];
  for (const { name, rules: wanted } of rules.chains) {
    const current = await listChain(exec, family, name);
    if (current && same(current, wanted)) continue;
    changes.push(iptablesArgv(family, current === undefined ? '-N' : '-F', name), ...wanted.map((rule) => iptablesArgv(family, '-A', name, ...rule)));
  }
  for (const jump of rules.jumps) {
    if ((await exec(iptablesArgv(family, '-C', jump.chain, ...jump.spec))).code !== 0) changes.push(iptablesArgv(family, '-I', jump.chain, '1', ...jump.spec));
  }
  return { family, changes };
}

/**
 * The commands that install the rule set on a host as it stands from scratch, for a shell (what setup prints when
 * it is not root): each jump guarded by its own -C, each chain made if missing and rewritten.
 */
export function shellCommands(rules: RuleSet): string[] {
  const t = tool(rules.family);
  const lines: string[] = [];
  for (const { name, rules: wanted } of rules.chains) {
    lines.push(`${t} -w -N ${name} 2>/dev/null || ${t} -w -F ${name}`);
    for (const rule of wanted) lines.push(`${t} -w -A ${name} ${rule.map(shellWord).join(' ')}`);
  }
  for (const jump of rules.jumps) {
    const spec = jump.spec.map(shellWord).join(' ');
    lines.push(`${t} -w -C ${jump.chain} ${spec} 2>/dev/null || ${t} -w -I ${jump.chain} 1 ${spec}`);
  }
  return lines;
}

const shellWord = (word: string): string => (/^[A-Za-z0-9_.,:/+=!-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/**
 * The host's DNS resolvers, as Docker reads them: /etc/resolv.conf, or systemd-resolved's upstream list when that
 * names only the local stub (127.0.0.53). Loopback addresses are left out (containers cannot reach them).
 */
export function hostNameservers(read: (path: string) => string = (path) => readFileSync(path, 'utf8')): string[] {
  const parse = (path: string): string[] => {
    try {
      return [...read(path).matchAll(/^\s*nameserver\s+(\S+)/gm)].map((match) => match[1]!.replace(/%.*$/, ''));
    } catch {
      return [];
    }
  };
  const loopback = (address: string): boolean => address.startsWith('127.') || address === '::1';
  let servers = parse('/etc/resolv.conf');
  if (servers.length > 0 && servers.every(loopback)) servers = parse('/run/systemd/resolve/resolv.conf');
  return servers.filter((address) => isIP(address) !== 0 && !loopback(address));
}

/** Whether the kernel has IPv6 on (then ip6tables rules are needed too). */
export function ipv6Enabled(read: (path: string) => string = (path) => readFileSync(path, 'utf8')): boolean {
  try {
    return read('/proc/sys/net/ipv6/conf/all/disable_ipv6').trim() === '0';
  } catch {
    return false;
  }
}

/** KUBELAB_OFFLINE=1 (or true): an offline workshop, where lab traffic leaves the lab networks for nowhere. */
export const offlineMode = (env: NodeJS.ProcessEnv = process.env): boolean => /^(1|true|yes)$/i.test(env['KUBELAB_OFFLINE'] ?? '');

/** The families to manage on this host. */
export const families = (read?: (path: string) => string): Family[] => (ipv6Enabled(read) ? [4, 6] : [4]);
