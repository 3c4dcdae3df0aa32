/**
 * The kubelab CLI: `npx kubelab cluster create|list|kubeconfig|delete|health`, `npx kubelab doctor`,
 * `npx kubelab new lesson|exercise`, `npx kubelab session list|end`, `npx kubelab tls`.
 * Progress goes to stderr, results to stdout, so `npx kubelab cluster kubeconfig demo > demo.yaml` works.
 */
import { parseArgs } from 'node:util';
import { KubelabError, formatError } from '@kubelab/kit/errors';
import { consoleStatus, formatElapsed } from '@kubelab/kit/status';
import { chosenAddons, KindProvider } from '../providers/kind/provider.ts';
import { clusterProfiles as profiles } from '@kubelab/labs/profiles';
import { refreshReadmeCourseTable } from '@kubelab/labs/course-table';
import { validateAccess, validateProfile } from '../providers/kind/names.ts';
import { capacity } from './capacity.ts';
import { doctor } from './doctor.ts';
import { newExercise, newLesson, type Scaffolded } from './scaffold.ts';
import { sessionCommand } from './session.ts';
import { tls } from './tls.ts';

const usage = `Usage: kubelab <command>

  cluster create <name> [--profile single|multi] [--access admin|learner] [--addons LIST] [--retain]
                              create a real kind cluster and wait until it is ready (--access learner: a
                              workshop's cluster, where the toolbox holds a restricted learner's kubeconfig;
                              --addons: only these of ingress, load-balancer, metrics, comma-separated; all without it)
  cluster list                the clusters Kubelab made, with their nodes
  cluster kubeconfig <name> [--internal]
                              print a kubeconfig (the host can use it; --internal: from the cluster network)
  cluster health <name>       check API, nodes, DNS, CNI, storage, ingress and images
  cluster delete <name>       remove the cluster's containers and network
  doctor                      check the engine, tools, images and kernel facts, and say how to fix what is missing
  doctor --capacity [--measure]
                              how many labs this host holds and the node limits for a workshop server, from what
                              the running clusters use (--measure: a throwaway cluster, about two minutes)
  new lesson <slug> [--module M] [--cluster single|multi] [--exercise ID]
                              start labs/lessons/NN-<slug>/ (the next free NN): its page and a first exercise
  new exercise <lesson> <id>  add exercises/<id>.ts to a lesson, and its <Exercise id> card to the page
  session list [--json]       the labs of the running lab server (of $KUBELAB_DATA_DIR): lesson, state, cluster,
                              last activity, when each ends
  session end <id>            end a lab and delete its cluster (its learner is told the host ended it)
  tls [--host NAME]... [--force]
                              make a self-signed certificate (openssl) in the data directory, for a lab server
                              other machines reach (HOST=0.0.0.0), and print its SHA-256 fingerprint

  --json                      cluster create|list|health, session list: print the result as JSON

Kubeconfigs: \`cluster create\` keeps the cluster's kubeconfigs in $KUBELAB_DATA_DIR/clusters (by default
~/.local/share/kubelab/clusters, or $XDG_DATA_HOME/kubelab/clusters); \`cluster kubeconfig\` and \`cluster health\`
use that copy and never read one back from a cluster's node. To reach a lab server's clusters, set
KUBELAB_DATA_DIR to that server's data directory.

Profiles: ${Object.entries(profiles).map(([name, p]) => `${name} (${p.description})`).join(', ')}.`;

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

async function scaffolded(result: Scaffolded): Promise<void> {
  for (const file of result.files) out(`Wrote ${file}`);
  // The README's course table counts lessons and exercises: keep it true without the author touching it.
  try {
    if ((await refreshReadmeCourseTable()) === 'updated') out('Updated the course table in README.md');
  } catch (error) {
    out(`Could not update the README's course table (${error instanceof Error ? error.message : String(error)}): \`npm run dev\` does it once the course loads.`);
  }
  out(`Next: write the page and the check (labs/README.md), preview with \`npm run dev\`, prove it with \`npm run labs:test -- --lesson ${result.slug}\`.`);
}

async function scaffold(positionals: string[], values: { module?: string; cluster?: string; exercise?: string }): Promise<number> {
  const [, what, first, second] = positionals;
  if (what === 'lesson' && first) {
    await scaffolded(newLesson({ slug: first, module: values.module, cluster: values.cluster, exercise: values.exercise }));
    return 0;
  }
  if (what === 'exercise' && first && second) {
    await scaffolded(newExercise(first, second));
    return 0;
  }
  const needs = what === 'exercise' ? 'a lesson and an exercise id' : what === 'lesson' ? 'a lesson slug' : '`lesson <slug>` or `exercise <lesson> <id>`';
  throw new KubelabError('E_USAGE', `\`kubelab new${what === 'lesson' || what === 'exercise' ? ` ${what}` : ''}\` needs ${needs}`, {
    hint: 'For example: npx kubelab new lesson services, or npx kubelab new exercise services expose-web',
  });
}

function needName(positionals: string[], command: string): string {
  const name = positionals[2];
  if (!name) throw new KubelabError('E_USAGE', `\`kubelab cluster ${command}\` needs a cluster name`, { hint: `For example: npx kubelab cluster ${command} demo` });
  return name;
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      profile: { type: 'string', default: 'single' },
      access: { type: 'string', default: 'admin' },
      retain: { type: 'boolean', default: false },
      addons: { type: 'string' },
      internal: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      module: { type: 'string' },
      cluster: { type: 'string' },
      exercise: { type: 'string' },
      host: { type: 'string', multiple: true },
      force: { type: 'boolean', default: false },
      capacity: { type: 'boolean', default: false },
      measure: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [group, command] = positionals;
  if (values.help || !group) {
    out(usage);
    return group || values.help ? 0 : 2;
  }
  if (group === 'new') return await scaffold(positionals, values);
  if (group === 'session') return sessionCommand({ command, id: positionals[2], json: values.json }, out);
  if (group === 'tls') {
    await tls({ hosts: values.host ?? [], force: values.force }, out);
    return 0;
  }
  const provider = new KindProvider();
  if (group === 'doctor') return (values.capacity ? await capacity({ measure: values.measure }, out) : await doctor(out)) ? 0 : 1;
  if (group !== 'cluster') throw new KubelabError('E_USAGE', `unknown command "${group}"`, { hint: 'Run `npx kubelab --help` for the commands.' });

  switch (command) {
    case 'create': {
      const name = needName(positionals, 'create');
      validateProfile(values.profile!);
      validateAccess(values.access!);
      const began = Date.now();
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      // --addons ingress,metrics (or --addons "" for none); every add-on without it.
      const addons = values.addons === undefined ? undefined : chosenAddons(values.addons.split(',').map((a) => a.trim()).filter(Boolean));
      const cluster = await provider.create({ name, profile: values.profile, access: values.access, retain: values.retain, ...(addons ? { addons } : {}) }, consoleStatus(), controller.signal);
      if (values.json) out(JSON.stringify(cluster, null, 2));
      else {
        out(`Cluster "${name}" is ready in ${formatElapsed(Date.now() - began)}: ${cluster.nodes.length} node(s) on network ${cluster.network}.`);
        out(`  npx kubelab cluster kubeconfig ${name} > ${name}.kubeconfig`);
        out(`  kubectl --kubeconfig ${name}.kubeconfig get nodes`);
      }
      return 0;
    }
    case 'list': {
      const clusters = await provider.list();
      if (values.json) out(JSON.stringify(clusters, null, 2));
      else if (clusters.length === 0) out('No Kubelab clusters. Create one with: npx kubelab cluster create demo');
      else {
        out('NAME\tPROFILE\tNODES\tSTATE\tADD-ONS\tCREATED');
        for (const c of clusters) {
          const running = c.nodes.filter((n) => n.state === 'running').length;
          out(`${c.name}\t${c.profile}\t${c.nodes.length}\t${running === c.nodes.length ? 'running' : `${running}/${c.nodes.length} running`}\t${c.addons?.join(',') || 'none'}\t${c.createdAt}`);
        }
      }
      return 0;
    }
    case 'kubeconfig':
      out(await provider.kubeconfig(needName(positionals, 'kubeconfig'), { internal: values.internal }));
      return 0;
    case 'health': {
      const report = await provider.health(needName(positionals, 'health'));
      if (values.json) out(JSON.stringify(report, null, 2));
      else for (const check of report.checks) out(`${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}`);
      return report.ready ? 0 : 1;
    }
    case 'delete': {
      const name = needName(positionals, 'delete');
      await provider.delete(name);
      out(`Deleted cluster "${name}".`);
      return 0;
    }
    default:
      throw new KubelabError('E_USAGE', `unknown cluster command "${command ?? ''}"`, { hint: 'Run `npx kubelab --help` for the commands.' });
  }
}

if (import.meta.main) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(formatError(error) + '\n');
    process.exitCode = error instanceof KubelabError && error.code === 'E_USAGE' ? 2 : 1;
  }
}
