/**
 * `npm run labs:test [-- --lesson pods] [-- --cluster NAME] [-- --profile workshop]`: proves every exercise's
 * check on a real cluster. Against the pristine state the check must fail; after the reference solution it must
 * pass; after each declared near-miss it must fail, on the criterion the near-miss names. Prints a table and exits
 * non-zero on any surprise. Without --cluster it creates a throwaway cluster per profile and deletes it afterwards.
 *
 * `--profile workshop` proves them as a workshop server's learner meets them: on learner-mode clusters (with the
 * workshop's node limits, and the lab-runner's namespace reconciler running beside them), the solutions and
 * near-misses run with the learner's kubeconfig, setup, cleanup and the checks with the admin's.
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { setup } from './setup.ts';
import { KubelabError, formatError } from '@kubelab/kit/errors';
import { consoleStatus, formatElapsed } from '@kubelab/kit/status';
import { KindProvider } from '@kubelab/lab-runner/kind';
import { profileDefaults, serverProfiles, type ServerProfile } from '@kubelab/lab-runner/config';
import { NamespaceReconciler } from '@kubelab/lab-runner/testing';
import { loadLessons, type CatalogLesson } from '@kubelab/labs/catalog';
import { formatTable, proveExercise, type HarnessRow } from '@kubelab/labs/harness';
import { runExerciseScript } from '@kubelab/labs/scripts';

const { values } = parseArgs({
  options: {
    lesson: { type: 'string', multiple: true },
    cluster: { type: 'string' },
    profile: { type: 'string', default: 'self-paced' },
    'skip-setup': { type: 'boolean' },
  },
});

function serverProfile(value: string): ServerProfile {
  if (!(serverProfiles as readonly string[]).includes(value)) {
    throw new KubelabError('E_USAGE', `unknown --profile "${value}"`, { hint: `Choose one of: ${serverProfiles.join(', ')}.` });
  }
  return value as ServerProfile;
}

async function selectLessons(): Promise<CatalogLesson[]> {
  const lessons = await loadLessons();
  if (!values.lesson?.length) return lessons;
  return values.lesson.map((slug) => {
    const lesson = lessons.find((l) => l.slug === slug || l.dir === slug);
    if (!lesson) {
      throw new KubelabError('E_UNKNOWN_LESSON', `no lesson "${slug}"`, { hint: `Lessons: ${lessons.map((l) => l.slug).join(', ')}.` });
    }
    return lesson;
  });
}

const began = performance.now();
const rows: HarnessRow[] = [];
const workshop = serverProfile(values.profile!) === 'workshop';
const limits = profileDefaults.workshop;
const provider = new KindProvider(workshop ? { nodeLimits: { memoryMiB: limits.nodeMemoryMiB, cpus: limits.nodeCpus, pids: limits.nodePids } } : {});
const access = workshop ? 'learner' : 'admin';
const created: string[] = [];
const reconcilers: NamespaceReconciler[] = [];
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

try {
  if (!values['skip-setup']) await setup();
  const lessons = await selectLessons();
  if (values.cluster) {
    // One existing cluster has one shape: a multi-node lesson proven on a single node proves nothing.
    const cluster = (await provider.list()).find((c) => c.name === values.cluster);
    if (!cluster) {
      throw new KubelabError('E_CLUSTER_NOT_FOUND', `no cluster named "${values.cluster}"`, { hint: 'See `npx kubelab cluster list`, or leave out --cluster.' });
    }
    if ((cluster.access ?? 'admin') !== access) {
      throw new KubelabError('E_PROFILE_MISMATCH', `cluster "${cluster.name}" was made with access ${cluster.access ?? 'admin'}, but --profile ${values.profile} needs ${access}`, {
        hint: `Create one with \`npx kubelab cluster create <name> --access ${access}\`, or leave out --cluster.`,
      });
    }
    const other = lessons.filter((lesson) => lesson.profile !== cluster.profile);
    if (other.length) {
      throw new KubelabError('E_PROFILE_MISMATCH', `cluster "${cluster.name}" is ${cluster.profile}, but ${other.map((l) => `${l.slug} needs ${l.profile}`).join(', ')}`, {
        hint: 'Pick lessons of that profile with --lesson, or leave out --cluster to get a cluster of each profile.',
      });
    }
  }
  for (const profile of new Set(lessons.map((l) => l.profile))) {
    let cluster = values.cluster;
    if (!cluster) {
      cluster = `labs-${randomBytes(3).toString('hex')}`;
      process.stderr.write(`\nCreating a throwaway ${profile} ${workshop ? 'learner-mode ' : ''}cluster "${cluster}" for labs:test…\n`);
      created.push(cluster);
      await provider.create({ name: cluster, profile, access }, consoleStatus(), AbortSignal.any([controller.signal, AbortSignal.timeout(900_000)]));
    }
    const kubeconfig = await provider.kubeconfig(cluster);
    const learnerKubeconfig = workshop ? await provider.kubeconfig(cluster, { user: 'learner' }) : undefined;
    if (learnerKubeconfig) {
      const who = await runExerciseScript('whoami', 'kubectl auth whoami -o jsonpath={.status.userInfo.username}', learnerKubeconfig);
      process.stderr.write(`Solutions and near-misses run as ${who.stdout.trim()}; setup, cleanup and checks as admin.\n`);
    }
    if (workshop) {
      // As a workshop server does for each lab: the learner is admin in every namespace it creates.
      const reconciler = new NamespaceReconciler({ kubeconfig, cluster }).start();
      reconcilers.push(reconciler);
      await Promise.race([
        reconciler.synced(),
        sleep(60_000, undefined, { ref: false }).then(() => {
          throw new KubelabError('E_NOT_READY', `the namespace reconciler could not list the namespaces of cluster "${cluster}" within 60s`, { hint: 'Check the cluster with `npx kubelab cluster health`.' });
        }),
      ]);
    }
    for (const lesson of lessons.filter((l) => l.profile === profile)) {
      for (const exercise of lesson.exercises) {
        process.stderr.write(`\n${lesson.slug}/${exercise.id}\n`);
        rows.push(
          ...(await proveExercise(lesson, exercise, {
            kubeconfig,
            ...(learnerKubeconfig ? { learnerKubeconfig } : {}),
            signal: controller.signal,
            onRow: (row) =>
              process.stderr.write(`  ${row.surprise ? '✗' : '✓'} ${row.scenario}: ${row.result ? (row.result.passed ? 'pass' : 'fail') : 'error'} (prepared in ${formatElapsed(row.prepareMs)})\n`),
          })),
        );
      }
    }
  }
} catch (error) {
  process.stderr.write(`\n${formatError(error)}\n`);
  process.exitCode = 1;
} finally {
  for (const reconciler of reconcilers) await reconciler.stop();
  for (const name of created) await provider.delete(name).catch((error) => process.stderr.write(`${formatError(error)}\n`));
}

if (rows.length) {
  process.stdout.write(`\n${formatTable(rows)}\n`);
  const surprises = rows.filter((row) => row.surprise).length;
  process.stdout.write(
    `\n${rows.length - surprises}/${rows.length} scenarios behaved as declared, in ${formatElapsed(performance.now() - began)}.\n`,
  );
  if (surprises) process.exitCode = 1;
}
