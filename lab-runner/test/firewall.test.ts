/**
 * The host firewall's rule set (@kubelab/kit/firewall), against a fake iptables that keeps chains as `iptables -S`
 * prints them: the exact argv of a first install, nothing but checks on the second (idempotent), a chain that
 * drifted rewritten, offline mode, IPv6, the DNS exception for the host's own resolvers, the doctor's check and the
 * shell commands setup prints when it is not root. The real rules on real clusters: firewall.integration.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkRules,
  ensureRules,
  firewallRules,
  forwardHookOf,
  hostNameservers,
  inRange,
  ipv6Enabled,
  offlineMode,
  shellCommands,
  splitRule,
  type Exec,
  type Family,
} from '@kubelab/kit/firewall';

/** iptables for one family, in memory: -S, -N, -F, -A, -I, -C, as the real one answers them (exit 1 for a miss). */
class FakeIptables {
  readonly calls: string[][] = [];
  readonly chains = new Map<string, string[][]>();
  readonly family: Family;

  constructor(family: Family, system: string[] = ['INPUT', 'FORWARD', 'OUTPUT', 'DOCKER-USER']) {
    this.family = family;
    for (const chain of system) this.chains.set(chain, []);
  }

  readonly exec: Exec = async (argv) => {
    this.calls.push(argv);
    const [tool, wait, op, chain = '', ...rest] = argv;
    assert.equal(tool, this.family === 4 ? 'iptables' : 'ip6tables');
    assert.equal(wait, '-w', 'every call waits for the xtables lock');
    const rules = this.chains.get(chain);
    const ok = (stdout = '') => ({ code: 0, stdout, stderr: '' });
    const fail = { code: 1, stdout: '', stderr: 'iptables: No chain/target/match by that name.' };
    switch (op) {
      case '-S':
        return rules ? ok([`-N ${chain}`, ...rules.map((rule) => `-A ${chain} ${rule.map((w) => (/\s/.test(w) ? `"${w}"` : w)).join(' ')}`)].join('\n') + '\n') : fail;
      case '-N':
        if (rules) return { code: 1, stdout: '', stderr: 'iptables: Chain already exists.' };
        this.chains.set(chain, []);
        return ok();
      case '-F':
        if (!rules) return fail;
        rules.length = 0;
        return ok();
      case '-A':
        if (!rules) return fail;
        rules.push(rest);
        return ok();
      case '-I': {
        if (!rules) return fail;
        const [position, ...spec] = rest;
        rules.splice(Number(position) - 1, 0, spec);
        return ok();
      }
      case '-C':
        return rules?.some((rule) => rule.join(' ') === rest.join(' ')) ? ok() : fail;
      default:
        throw new Error(`the fake does not know ${op}`);
    }
  };

  /** The calls that changed something. */
  get changes(): string[][] {
    return this.calls.filter((argv) => !['-S', '-C'].includes(argv[2]!));
  }
}

const online = { offline: false, nameservers: ['10.255.255.53', '8.8.8.8'] };
const comment = (text: string) => ['-m', 'comment', '--comment', `kubelab: ${text}`];

describe('the host firewall rule set', () => {
  test('a first install: our two chains and their rules in order, then a jump to each at the top of INPUT and DOCKER-USER', async () => {
    const iptables = new FakeIptables(4);
    const report = await ensureRules(iptables.exec, firewallRules(4, online, await forwardHookOf(iptables.exec, 4)));
    const A = (chain: string, ...spec: string[]) => ['iptables', '-w', '-A', chain, ...spec];
    const expected = [
      ['iptables', '-w', '-N', 'KUBELAB-INPUT'],
      A('KUBELAB-INPUT', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...comment('replies to the host'), '-j', 'RETURN'),
      A('KUBELAB-INPUT', ...comment('nothing on the host is for lab containers'), '-j', 'DROP'),
      ['iptables', '-w', '-N', 'KUBELAB-FORWARD'],
      A('KUBELAB-FORWARD', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...comment('replies'), '-j', 'RETURN'),
      // The host's resolver is in 10.0.0.0/8: containers' DNS goes there through the bridge. 8.8.8.8 needs nothing.
      A('KUBELAB-FORWARD', '-d', '10.255.255.53/32', '-p', 'udp', '-m', 'udp', '--dport', '53', ...comment("the host's DNS resolver"), '-j', 'RETURN'),
      A('KUBELAB-FORWARD', '-d', '10.255.255.53/32', '-p', 'tcp', '-m', 'tcp', '--dport', '53', ...comment("the host's DNS resolver"), '-j', 'RETURN'),
      A('KUBELAB-FORWARD', '-d', '169.254.0.0/16', ...comment('link-local and cloud metadata'), '-j', 'DROP'),
      A('KUBELAB-FORWARD', '-d', '10.0.0.0/8', '!', '-o', 'kl-+', ...comment('private networks outside the lab'), '-j', 'DROP'),
      A('KUBELAB-FORWARD', '-d', '172.16.0.0/12', '!', '-o', 'kl-+', ...comment('private networks outside the lab'), '-j', 'DROP'),
      A('KUBELAB-FORWARD', '-d', '192.168.0.0/16', '!', '-o', 'kl-+', ...comment('private networks outside the lab'), '-j', 'DROP'),
      A('KUBELAB-FORWARD', '-d', '100.64.0.0/10', '!', '-o', 'kl-+', ...comment('private networks outside the lab'), '-j', 'DROP'),
      ['iptables', '-w', '-I', 'INPUT', '1', '-i', 'kl-+', '-j', 'KUBELAB-INPUT'],
      ['iptables', '-w', '-I', 'DOCKER-USER', '1', '-i', 'kl-+', '-j', 'KUBELAB-FORWARD'],
    ];
    assert.deepEqual(iptables.changes, expected);
    assert.deepEqual(report.changes, expected);
    // -C before -I: each jump was looked for first.
    const checks = iptables.calls.filter((argv) => argv[2] === '-C').map((argv) => argv.slice(3).join(' '));
    assert.deepEqual(checks, ['INPUT -i kl-+ -j KUBELAB-INPUT', 'DOCKER-USER -i kl-+ -j KUBELAB-FORWARD']);
  });

  test('idempotent: a second install only looks (-S, -C), and the doctor finds nothing to fix', async () => {
    const iptables = new FakeIptables(4);
    const rules = firewallRules(4, online, 'DOCKER-USER');
    await ensureRules(iptables.exec, rules);
    iptables.calls.length = 0;
    assert.deepEqual((await ensureRules(iptables.exec, rules)).changes, []);
    assert.deepEqual(iptables.changes, []);
    assert.deepEqual(
      iptables.calls.map((argv) => argv.slice(2, 4).join(' ')),
      ['-S KUBELAB-INPUT', '-S KUBELAB-FORWARD', '-C INPUT', '-C DOCKER-USER'],
    );
    assert.deepEqual((await checkRules(iptables.exec, rules)).changes, []);
    // A rule someone else put at the top of INPUT meanwhile does not make ours be inserted twice.
    iptables.chains.get('INPUT')!.unshift(['-i', 'lo', '-j', 'ACCEPT']);
    assert.deepEqual((await ensureRules(iptables.exec, rules)).changes, []);
    assert.equal(iptables.chains.get('INPUT')!.filter((rule) => rule.includes('KUBELAB-INPUT')).length, 1);
  });

  test('a chain that drifted (a rule deleted, or one added) is rewritten whole; the doctor says what it would run', async () => {
    const iptables = new FakeIptables(4);
    const rules = firewallRules(4, online, 'DOCKER-USER');
    await ensureRules(iptables.exec, rules);
    iptables.chains.get('KUBELAB-FORWARD')!.splice(3, 1); // the metadata drop is gone
    iptables.chains.get('KUBELAB-INPUT')!.unshift(['-j', 'ACCEPT']);
    iptables.chains.set('DOCKER-USER', []);
    const check = await checkRules(iptables.exec, rules);
    assert.deepEqual(
      check.changes.map((argv) => argv.slice(2, 4).join(' ')),
      ['-F KUBELAB-INPUT', '-A KUBELAB-INPUT', '-A KUBELAB-INPUT', '-F KUBELAB-FORWARD', ...Array(8).fill('-A KUBELAB-FORWARD'), '-I DOCKER-USER'],
    );
    iptables.calls.length = 0;
    assert.deepEqual((await ensureRules(iptables.exec, rules)).changes, check.changes);
    for (const chain of rules.chains) assert.deepEqual(iptables.chains.get(chain.name), chain.rules);
    assert.deepEqual((await checkRules(iptables.exec, rules)).changes, []);
  });

  test('KUBELAB_OFFLINE=1: nothing leaves the lab bridges (no DNS exception either); turning it off puts the online rules back', async () => {
    assert.equal(offlineMode({ KUBELAB_OFFLINE: '1' }), true);
    assert.equal(offlineMode({ KUBELAB_OFFLINE: 'true' }), true);
    assert.equal(offlineMode({}), false);
    assert.equal(offlineMode({ KUBELAB_OFFLINE: '0' }), false);
    const iptables = new FakeIptables(4);
    await ensureRules(iptables.exec, firewallRules(4, { ...online, offline: true }, 'DOCKER-USER'));
    assert.deepEqual(iptables.chains.get('KUBELAB-FORWARD'), [
      ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...comment('replies'), '-j', 'RETURN'],
      ['!', '-o', 'kl-+', ...comment('offline: nothing leaves the lab networks'), '-j', 'DROP'],
    ]);
    assert.equal(iptables.chains.get('KUBELAB-INPUT')!.length, 2, 'the host is closed to labs either way');
    const back = firewallRules(4, online, 'DOCKER-USER');
    await ensureRules(iptables.exec, back);
    assert.deepEqual(iptables.chains.get('KUBELAB-FORWARD'), back.chains[1]!.rules);
  });

  test('IPv6: neighbour discovery allowed to the host, fc00::/7 (with AWS’s fd00:ec2::254) dropped, and FORWARD when dockerd has no DOCKER-USER', async () => {
    const ip6tables = new FakeIptables(6, ['INPUT', 'FORWARD', 'OUTPUT']);
    const hook = await forwardHookOf(ip6tables.exec, 6);
    assert.equal(hook, 'FORWARD');
    await ensureRules(ip6tables.exec, firewallRules(6, { offline: false, nameservers: ['fd00::53', '10.0.0.2'] }, hook));
    assert.deepEqual(ip6tables.chains.get('KUBELAB-INPUT'), [
      ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...comment('replies to the host'), '-j', 'RETURN'],
      ['-p', 'ipv6-icmp', '-m', 'icmp6', '--icmpv6-type', '135', ...comment('neighbour discovery'), '-j', 'RETURN'],
      ['-p', 'ipv6-icmp', '-m', 'icmp6', '--icmpv6-type', '136', ...comment('neighbour discovery'), '-j', 'RETURN'],
      [...comment('nothing on the host is for lab containers'), '-j', 'DROP'],
    ]);
    assert.deepEqual(ip6tables.chains.get('KUBELAB-FORWARD'), [
      ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...comment('replies'), '-j', 'RETURN'],
      ['-d', 'fd00::53/128', '-p', 'udp', '-m', 'udp', '--dport', '53', ...comment("the host's DNS resolver"), '-j', 'RETURN'],
      ['-d', 'fd00::53/128', '-p', 'tcp', '-m', 'tcp', '--dport', '53', ...comment("the host's DNS resolver"), '-j', 'RETURN'],
      ['-d', 'fe80::/10', ...comment('link-local and cloud metadata'), '-j', 'DROP'],
      ['-d', 'fc00::/7', '!', '-o', 'kl-+', ...comment('private networks outside the lab'), '-j', 'DROP'],
    ]);
    assert.deepEqual(ip6tables.chains.get('FORWARD'), [['-i', 'kl-+', '-j', 'KUBELAB-FORWARD']]);
    assert.equal(inRange('fd00:ec2::254', 'fc00::/7'), true);
  });

  test('what setup prints when it is not root: the same rules as shell commands, guarded so they can be run twice', () => {
    const lines = shellCommands(firewallRules(4, { offline: true, nameservers: [] }, 'DOCKER-USER'));
    assert.deepEqual(lines, [
      'iptables -w -N KUBELAB-INPUT 2>/dev/null || iptables -w -F KUBELAB-INPUT',
      "iptables -w -A KUBELAB-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment 'kubelab: replies to the host' -j RETURN",
      "iptables -w -A KUBELAB-INPUT -m comment --comment 'kubelab: nothing on the host is for lab containers' -j DROP",
      'iptables -w -N KUBELAB-FORWARD 2>/dev/null || iptables -w -F KUBELAB-FORWARD',
      "iptables -w -A KUBELAB-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment 'kubelab: replies' -j RETURN",
      "iptables -w -A KUBELAB-FORWARD ! -o kl-+ -m comment --comment 'kubelab: offline: nothing leaves the lab networks' -j DROP",
      'iptables -w -C INPUT -i kl-+ -j KUBELAB-INPUT 2>/dev/null || iptables -w -I INPUT 1 -i kl-+ -j KUBELAB-INPUT',
      'iptables -w -C DOCKER-USER -i kl-+ -j KUBELAB-FORWARD 2>/dev/null || iptables -w -I DOCKER-USER 1 -i kl-+ -j KUBELAB-FORWARD',
    ]);
    assert.match(shellCommands(firewallRules(4, online, 'DOCKER-USER')).join('\n'), /--comment 'kubelab: the host'\\''s DNS resolver'/);
  });

  test('host facts: the resolvers Docker forwards to, IPv6 on or off, CIDR ranges, iptables -S words', () => {
    const files = (map: Record<string, string>) => (path: string) => {
      if (map[path] === undefined) throw new Error(`ENOENT ${path}`);
      return map[path];
    };
    assert.deepEqual(hostNameservers(files({ '/etc/resolv.conf': 'search lan\nnameserver 192.168.1.1\nnameserver fe80::1%eth0\n' })), ['192.168.1.1', 'fe80::1']);
    assert.deepEqual(
      hostNameservers(files({ '/etc/resolv.conf': 'nameserver 127.0.0.53\n', '/run/systemd/resolve/resolv.conf': 'nameserver 10.0.0.2\nnameserver 127.0.0.1\n' })),
      ['10.0.0.2'],
      'behind systemd-resolved, its upstreams',
    );
    assert.deepEqual(hostNameservers(files({})), []);
    assert.equal(ipv6Enabled(files({ '/proc/sys/net/ipv6/conf/all/disable_ipv6': '0\n' })), true);
    assert.equal(ipv6Enabled(files({ '/proc/sys/net/ipv6/conf/all/disable_ipv6': '1\n' })), false);
    assert.equal(ipv6Enabled(files({})), false);
    assert.equal(inRange('172.31.255.1', '172.16.0.0/12'), true);
    assert.equal(inRange('172.32.0.1', '172.16.0.0/12'), false);
    assert.equal(inRange('100.127.0.1', '100.64.0.0/10'), true);
    assert.equal(inRange('8.8.8.8', '10.0.0.0/8'), false);
    assert.equal(inRange('10.0.0.1', 'fc00::/7'), false);
    assert.deepEqual(splitRule('-A X -d 10.0.0.0/8 ! -o kl-+ -m comment --comment "kubelab: a b" -j DROP'), ['-A', 'X', '-d', '10.0.0.0/8', '!', '-o', 'kl-+', '-m', 'comment', '--comment', 'kubelab: a b', '-j', 'DROP']);
  });
});
