/**
 * `npm run labs:test [-- --lesson pods] [-- --cluster NAME] [-- --profile workshop] [-- --jobs N] [-- --passing-only | --solutions-only]
 * [-- --with-workshop-solutions]`: proves every
 * exercise's check on a real cluster. Against the pristine state the check must fail; after the reference solution
 * and each variant (another correct answer) it must pass; after each declared near-miss it must fail, on the
 * criterion the near-miss names. Prints a table and the time per lesson, and exits non-zero on any surprise.
 *
 * Without --cluster it creates throwaway clusters and deletes them afterwards: at least one per profile, and up to
 * --jobs (default 2) side by side, the lessons balanced across them by their last time on this machine, or by their
 * scenario counts when never timed (labs/src/lanes.ts).
 * Lessons of one cluster run one after another; each exercise's cleanup keeps them from seeing each other.
 *
 * `--profile workshop` proves them as a workshop server's learner meets them: on learner-mode clusters (with the
 * workshop's node limits, and the lab-runner's namespace reconciler running beside them), the solutions, variants
 * and near-misses run with the learner's kubeconfig, setup, cleanup and the checks with the admin's. Lessons that
 * need node access are skipped: a workshop server does not offer them.
 *
 * `--passing-only` runs only the scenarios that must pass (the solutions and variants), and `--solutions-only` only
 * each exercise's reference solution.
 *
 * `--with-workshop-solutions` (npm test's run) proves every scenario self-paced, then each exercise's reference
 * solution again as a workshop's learner, on learner-mode clusters of their own (balanced the same way, on one
 * fewer than the --jobs). Those lanes wait for a free place among the --jobs: each self-paced lane to end makes way for one, so the
 * machine stays as busy as the --jobs ask, and no lane runs alone at the end. The variants and near-misses are not
 * proven again as the learner: the self-paced run has judged them with the same checks.
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
import { readFile } from 'node:fs/promises';
import { cachePath, writeFileAtomic } from '@kubelab/kit/cache';
import { laneCosts, planLanes, scenarioCount, type Lane, type LaneLesson } from '@kubelab/labs/lanes';
import { runExerciseScript } from '@kubelab/labs/scripts';

const usage = `Usage: npm run labs:test -- [--lesson SLUG]… [--cluster NAME] [--profile self-paced|workshop] [--jobs N]
                          [--passing-only | --solutions-only] [--with-workshop-solutions] [--skip-setup]

Proves every exercise's check on a real cluster: pristine fails, the solution and every variant pass, every
near-miss fails on its declared criterion.
  --lesson SLUG      only this lesson (again for more); every lesson without it
  --cluster NAME     use this existing cluster (npx kubelab cluster create) instead of throwaway ones
  --profile          self-paced (default: admin) or workshop (a learner-mode cluster; the learner runs the answers)
  --jobs N           clusters side by side (default 2; at least one per cluster profile the lessons need)
  --passing-only     only the scenarios that must pass (solutions and variants)
  --solutions-only   only each exercise's reference solution
  --with-workshop-solutions
                     then each exercise's solution again as a workshop's learner, on learner-mode clusters
                     that take the places of the first lanes to end (what npm test runs)
  --skip-setup       do not run npm run setup first
`;

function parseOptions() {
  try {
    return parseArgs({
      options: {
        lesson: { type: 'string', multiple: true },
        cluster: { type: 'string' },
        profile: { type: 'string', default: 'self-paced' },
        'skip-setup': { type: 'boolean' },
        jobs: { type: 'string' },
        'passing-only': { type: 'boolean' },
        'solutions-only': { type: 'boolean' },
        'with-workshop-solutions': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`${formatError(new KubelabError('E_USAGE', (error as Error).message, { hint: 'npm run labs:test -- --help lists the options.' }))}\n`);
    process.exit(2);
  }
}

const values = parseOptions();
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

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

function refuse(message: string, hint: string): never {
  process.stderr.write(`${formatError(new KubelabError('E_USAGE', message, { hint }))}\n`);
  process.exit(2);
}
if (values['passing-only'] && values['solutions-only']) refuse('--passing-only and --solutions-only ask for different runs', 'Give one of them, or neither for every scenario.');
const withWorkshopSolutions = values['with-workshop-solutions'] === true;
if (withWorkshopSolutions && values.profile !== 'self-paced') refuse('--with-workshop-solutions follows a self-paced run', 'Leave out --profile, or use --profile workshop --solutions-only for the workshop run alone.');
if (withWorkshopSolutions && values.cluster) refuse('--with-workshop-solutions needs clusters of both access modes, and --cluster is one', 'Leave out --cluster.');

type Scenarios = 'all' | 'passing' | 'solutions';

/** A kind of proof: who types the answers (the admin, or a workshop's learner) and which scenarios it runs. */
interface Run {
  workshop: boolean;
  scenarios: Scenarios;
  provider: KindProvider;
  access: 'admin' | 'learner';
}

const limits = profileDefaults.workshop;
function runOf(profile: ServerProfile, scenarios: Scenarios): Run {
  const workshop = profile === 'workshop';
  // The workshop's node limits, but not its idle CPU class or low CPU weight: npm test runs this beside other
  // suites' clusters, which would starve these nodes (a workshop server's labs are all of one class and weight).
  // Neither changes an outcome; workshop-isolation and noisy-neighbour (integration tests) prove them.
  const provider = new KindProvider(
    workshop ? { nodeLimits: { memoryMiB: limits.nodeMemoryMiB, cpus: limits.nodeCpus, pids: limits.nodePids }, idleNodes: false, learnerCpuWeight: false } : {},
  );
  return { workshop, scenarios, provider, access: workshop ? 'learner' : 'admin' };
}

type RunLane = Lane<CatalogLesson & LaneLesson> & { run: Run };

const began = performance.now();
const rows: HarnessRow[] = [];
const lessonTimes: { slug: string; profile: string; workshop: boolean; scenarios: number; ms: number; surprises: number; key: string }[] = [];
const created: { name: string; provider: KindProvider }[] = [];
const reconcilers: NamespaceReconciler[] = [];
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

function jobCount(value: string | undefined): number {
  const jobs = Number(value ?? 2);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 8) {
    throw new KubelabError('E_USAGE', `--jobs must be a whole number from 1 to 8 (got "${value}")`, { hint: 'Each job is a cluster of its own; 2 suits a 2-core machine.' });
  }
  return jobs;
}

/** Makes (or finds) the lane's cluster, then proves its lessons one after another on it. */
async function runLane(lane: RunLane, index: number, lanes: number): Promise<void> {
  const { run } = lane;
  // With lanes side by side, each line says whose it is.
  const prefix = lanes > 1 ? `[${index + 1}/${lanes}${run.workshop && withWorkshopSolutions ? ' workshop' : ''}] ` : '';
  const say = (text: string) => process.stderr.write(text.replace(/^(?=.)/gm, prefix));
  let cluster = values.cluster;
  if (!cluster) {
    cluster = `labs-${randomBytes(3).toString('hex')}`;
    // Only the add-ons its lessons name: a lesson that uses one it did not name fails here, not on a learner's lab.
    const addons = [...new Set(lane.lessons.flatMap((l) => l.page.addons))];
    say(`\nCreating a throwaway ${lane.profile} ${run.workshop ? 'learner-mode ' : ''}cluster "${cluster}" (add-ons: ${addons.join(', ') || 'none'}) for ${lane.lessons.map((l) => l.slug).join(', ')}…\n`);
    created.push({ name: cluster, provider: run.provider });
    await run.provider.create({ name: cluster, profile: lane.profile, access: run.access, addons }, consoleStatus((line) => say(`${line}\n`)), AbortSignal.any([controller.signal, AbortSignal.timeout(900_000)]));
  }
  const kubeconfig = await run.provider.kubeconfig(cluster);
  const learnerKubeconfig = run.workshop ? await run.provider.kubeconfig(cluster, { user: 'learner' }) : undefined;
  if (learnerKubeconfig) {
    const who = await runExerciseScript('whoami', 'kubectl auth whoami -o jsonpath={.status.userInfo.username}', learnerKubeconfig);
    say(`Solutions, variants and near-misses run as ${who.stdout.trim()}; setup, cleanup and checks as admin.\n`);
  }
  if (run.workshop) {
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
  for (const lesson of lane.lessons) {
    const lessonBegan = performance.now();
    const lessonRows: HarnessRow[] = [];
    for (const exercise of lesson.exercises) {
      say(`\n${lesson.slug}/${exercise.id}\n`);
      const proven = await proveExercise(lesson, exercise, {
        kubeconfig,
        ...(learnerKubeconfig ? { learnerKubeconfig } : {}),
        scenarios: run.scenarios,
        signal: controller.signal,
        onRow: (row) => say(`  ${row.surprise ? '✗' : '✓'} ${row.scenario}: ${row.result ? (row.result.passed ? 'pass' : 'fail') : 'error'} (prepared in ${formatElapsed(row.prepareMs)})\n`),
      });
      // In a run of both kinds, the table says which rows were the workshop learner's.
      lessonRows.push(...(run.workshop && withWorkshopSolutions ? proven.map((row) => ({ ...row, scenario: `${row.scenario}, as a workshop's learner` })) : proven));
    }
    const ms = performance.now() - lessonBegan;
    const surprises = lessonRows.filter((row) => row.surprise).length;
    lessonTimes.push({ slug: lesson.slug, profile: lesson.profile, workshop: run.workshop, scenarios: lessonRows.length, ms, surprises, key: timingKey(lesson.slug, run) });
    say(`── ${surprises ? '✗' : '✓'} lesson ${lesson.slug}: ${lessonRows.length - surprises}/${lessonRows.length} scenarios as declared, in ${formatElapsed(ms)}\n`);
    rows.push(...lessonRows);
  }
}

/**
 * Runs the lanes, at most `slots` at a time, each in the order given: a lane starts when one before it has ended.
 * A lane that fails does not stop the others (each deletes its cluster at the end either way).
 */
async function runLanes(lanes: RunLane[], slots: number): Promise<PromiseSettledResult<void>[]> {
  const outcomes: PromiseSettledResult<void>[] = [];
  let next = 0;
  const slot = async () => {
    for (let index = next++; index < lanes.length; index = next++) {
      outcomes.push(
        await runLane(lanes[index]!, index, lanes.length).then(
          () => ({ status: 'fulfilled', value: undefined }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(slots, lanes.length) }, slot));
  return outcomes;
}

/**
 * Each lesson's time in the last run that timed it, on this machine, by lesson and kind of run: what planLanes
 * balances next time (lanes.ts, laneCosts). A missing or unreadable file only means lanes balanced by scenario
 * counts; it never fails a run.
 */
const lessonTimesFile = cachePath('state', 'labs-lesson-seconds.json');
const timingKey = (slug: string, run: Pick<Run, 'workshop' | 'scenarios'>) => `${slug} ${run.workshop ? 'workshop' : 'self-paced'} ${run.scenarios}`;

async function readLessonSeconds(): Promise<Record<string, number>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(lessonTimesFile, 'utf8'));
    if (!parsed || typeof parsed !== 'object') return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0));
  } catch {
    return {};
  }
}

/** Adds this run's lesson times to the file; a lesson that did not finish keeps its old time. */
async function recordLessonSeconds(timed: Record<string, number>): Promise<void> {
  const seconds = { ...(await readLessonSeconds()), ...timed };
  await writeFileAtomic(lessonTimesFile, `${JSON.stringify(seconds, null, 1)}\n`).catch((error: unknown) =>
    process.stderr.write(`Could not keep the lesson times for the next run's lanes (${(error as Error).message}); lanes will balance by scenario counts.\n`),
  );
}

/** The lessons weighed by the scenarios `run` proves for each, and costed by their last times (planLanes balances the cost). */
function weigh(lessons: CatalogLesson[], run: Pick<Run, 'workshop' | 'scenarios'>, timed: Record<string, number>): (CatalogLesson & LaneLesson)[] {
  const weighed = lessons.map((lesson) => ({
    ...lesson,
    scenarios: lesson.exercises.reduce((sum, e) => sum + (run.scenarios === 'solutions' ? 1 : run.scenarios === 'passing' ? 1 + e.variants.length : scenarioCount(e)), 0),
  }));
  return laneCosts(weighed, timed, (lesson) => timingKey(lesson.slug, run));
}

/** A workshop server refuses labs that need node access (E_SELF_PACED_ONLY): its learners are kept off the nodes. */
function workshopLessons(lessons: CatalogLesson[]): CatalogLesson[] {
  const selfPacedOnly = lessons.filter((l) => l.page.nodeAccess);
  if (selfPacedOnly.length) process.stderr.write(`Skipping ${selfPacedOnly.map((l) => l.slug).join(', ')} as a workshop's learner: self-paced only (the lesson needs node access, which a workshop's learner does not have).\n`);
  return lessons.filter((l) => !l.page.nodeAccess);
}

try {
  if (!values['skip-setup']) await setup();
  const jobs = jobCount(values.jobs);
  const main = runOf(serverProfile(values.profile!), values['solutions-only'] ? 'solutions' : values['passing-only'] ? 'passing' : 'all');
  const selected = await selectLessons();
  const lessons = main.workshop ? workshopLessons(selected) : selected;
  if (values.cluster) {
    // One existing cluster has one shape: a multi-node lesson proven on a single node proves nothing.
    const cluster = (await main.provider.list()).find((c) => c.name === values.cluster);
    if (!cluster) {
      throw new KubelabError('E_CLUSTER_NOT_FOUND', `no cluster named "${values.cluster}"`, { hint: 'See `npx kubelab cluster list`, or leave out --cluster.' });
    }
    if ((cluster.access ?? 'admin') !== main.access) {
      throw new KubelabError('E_PROFILE_MISMATCH', `cluster "${cluster.name}" was made with access ${cluster.access ?? 'admin'}, but --profile ${values.profile} needs ${main.access}`, {
        hint: `Create one with \`npx kubelab cluster create <name> --access ${main.access}\`, or leave out --cluster.`,
      });
    }
    const lacking = lessons.flatMap((lesson) => lesson.page.addons.filter((addon) => !(cluster.addons ?? []).includes(addon)).map((addon) => `${lesson.slug} needs ${addon}`));
    if (lacking.length) {
      throw new KubelabError('E_PROFILE_MISMATCH', `cluster "${cluster.name}" was made without add-ons its lessons use: ${lacking.join(', ')}`, {
        hint: 'Create one with every add-on (`npx kubelab cluster create <name>`), or leave out --cluster.',
      });
    }
    const other = lessons.filter((lesson) => lesson.profile !== cluster.profile);
    if (other.length) {
      throw new KubelabError('E_PROFILE_MISMATCH', `cluster "${cluster.name}" is ${cluster.profile}, but ${other.map((l) => `${l.slug} needs ${l.profile}`).join(', ')}`, {
        hint: 'Pick lessons of that profile with --lesson, or leave out --cluster to get a cluster of each profile.',
      });
    }
  }
  // An existing cluster is one lane: its lessons run one after another on it.
  const timed = await readLessonSeconds();
  const lanes: RunLane[] = planLanes(weigh(lessons, main, timed), values.cluster ? 1 : jobs).map((lane) => ({ ...lane, run: main }));
  const slots = lanes.length;
  if (withWorkshopSolutions) {
    const workshop = runOf('workshop', 'solutions');
    // Lanes of the same balancing, one fewer than the jobs (they start only as self-paced lanes end), the longest
    // first: each takes the place of the next self-paced lane to end.
    const queued = planLanes(weigh(workshopLessons(selected), workshop, timed), Math.max(1, jobs - 1)).sort((a, b) => b.cost - a.cost);
    lanes.push(...queued.map((lane) => ({ ...lane, run: workshop })));
  }
  if (lanes.length > 1) {
    const describe = (lane: RunLane, i: number) =>
      `  [${i + 1}/${lanes.length}] ${lane.profile}${lane.run.workshop ? ', as a workshop\'s learner' : ''}: ${lane.lessons.map((l) => l.slug).join(', ')} (${lane.scenarios} ${lane.run.scenarios === 'solutions' ? 'solutions' : 'scenarios'})${i >= slots ? ', once a lane before it ends' : ''}`;
    process.stderr.write(`\n${lanes.length} clusters, ${slots} side by side:\n${lanes.map(describe).join('\n')}\n`);
  }
  const outcomes = await runLanes(lanes, slots);
  // Only a lane's own cluster was timed: an existing --cluster may be any size and busy with anything.
  if (!values.cluster) await recordLessonSeconds(Object.fromEntries(lessonTimes.map((t) => [t.key, Math.round(t.ms / 1000)])));
  const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
  for (const outcome of failed) process.stderr.write(`\n${formatError(outcome.reason)}\n`);
  if (failed.length) process.exitCode = 1;
} catch (error) {
  process.stderr.write(`\n${formatError(error)}\n`);
  process.exitCode = 1;
} finally {
  for (const reconciler of reconcilers) await reconciler.stop();
  await Promise.all(created.map(({ name, provider }) => provider.delete(name).catch((error) => process.stderr.write(`${formatError(error)}\n`))));
}

if (rows.length) {
  process.stdout.write(`\n${formatTable(rows)}\n`);
  process.stdout.write(
    `\nTime per lesson (clusters side by side):\n${lessonTimes
      .map((t) => `  ${t.surprises ? '✗' : '✓'} ${formatElapsed(t.ms).padStart(7)}  ${t.slug} (${t.profile}${t.workshop ? ", as a workshop's learner" : ''}, ${t.scenarios} scenarios${t.surprises ? `, ${t.surprises} surprises` : ''})`)
      .join('\n')}\n`,
  );
  const surprises = rows.filter((row) => row.surprise).length;
  process.stdout.write(
    `\n${rows.length - surprises}/${rows.length} scenarios behaved as declared, in ${formatElapsed(performance.now() - began)}.\n`,
  );
  if (surprises) process.exitCode = 1;
}
