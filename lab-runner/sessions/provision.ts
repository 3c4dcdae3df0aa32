import type { FastifyBaseLogger } from 'fastify';
import { KubelabError } from '@kubelab/kit/errors';
import { runPipeline, type Action } from '@kubelab/kit/pipeline';
import type { Status } from '@kubelab/kit/status';
import { runExerciseScript } from '@kubelab/labs/scripts';
import { runCheck, type CheckResult } from '@kubelab/checkers';
import type { ClusterProvider } from '../providers/provider.ts';
import type { ErrorDetail } from '../schemas/api.ts';
import type { Environment } from './environment.ts';
import { errors } from './errors.ts';
import type { WarmPool } from './pool.ts';
import type { Session } from './session.ts';

/** What a lab's provisioning works on; the actions fill in the environment. */
export interface ProvisionContext {
  session: Session;
  provider: ClusterProvider;
  pool: WarmPool;
  /** The cluster a Recreate replaces. */
  replacing: string | undefined;
  /** Recreate with restore: the exercises (of the session's lesson) the learner had passed, to replay and check again. */
  restore?: readonly string[] | undefined;
  /** Where a replayed exercise's check is kept (the session's check history; never the learner's journal). */
  recordCheck?: ((result: CheckResult) => void) | undefined;
  environment?: Environment;
}

/**
 * The cluster's own errors, as the learner should read them. The provider's messages name the cluster (for the
 * host's admin, who can look it up), and a lab on a warm cluster would show its learner a pool name they never
 * asked for ("no cluster named pool-88151b"). E_CLUSTER_NOT_FOUND becomes E_CLUSTER_GONE; any other error keeps
 * its code with the name taken out, and a hint that names the cluster (`docker logs kubelab-…`) is for the host,
 * so it gives way to the API client's next step. The log keeps the original.
 */
async function onTheCluster<T>(context: ProvisionContext, work: (environment: Environment) => Promise<T>): Promise<T> {
  const environment = context.environment!;
  try {
    return await work(environment);
  } catch (error) {
    if (error instanceof KubelabError && error.code === 'E_CLUSTER_NOT_FOUND') throw errors.clusterVanished(context.session.id, error);
    throw withoutClusterName(error, environment.cluster, context.session.id);
  }
}

function withoutClusterName(error: unknown, cluster: string, session: string): unknown {
  if (!(error instanceof Error)) return error;
  const names = (text: string) => text.includes(cluster);
  if (!names(error.message) && !(error instanceof KubelabError && error.hint && names(error.hint))) return error;
  const message = error.message.replaceAll(`kubelab-${cluster}`, "the lab's cluster").replaceAll(cluster, "the lab's cluster");
  if (!(error instanceof KubelabError)) return new Error(message, { cause: error });
  const hint = error.hint && !names(error.hint) ? error.hint : `POST /api/sessions/${session}/reset tries again on a fresh cluster; the lab server's log has the details.`;
  return new KubelabError(error.code, message, { hint, cause: error });
}

const removeOld: Action<ProvisionContext> = {
  id: 'remove-old',
  title: 'Removing the old environment',
  run: async ({ provider, replacing }) => {
    if (replacing) await provider.delete(replacing);
  },
};

const takeWarm: Action<ProvisionContext> = {
  id: 'take-warm',
  title: 'Taking a warm cluster',
  run: async (context) => {
    const warm = await context.pool.take(context.session.profile);
    if (!warm) return 'none was left; a new cluster is made instead';
    context.environment = context.session.useCluster(warm);
    return 'ready in advance, so this lab starts in seconds';
  },
};

const startTerminal: Action<ProvisionContext> = {
  id: 'start-terminal',
  title: 'Starting terminal',
  run: (context) => onTheCluster(context, (environment) => environment.startToolbox()),
};

const prepareExercises: Action<ProvisionContext> = {
  id: 'prepare-exercises',
  title: 'Preparing exercises',
  run: (context, step, signal) =>
    onTheCluster(context, async (environment) => {
      const exercises = context.session.lesson?.exercises ?? [];
      const kubeconfig = await environment.kubeconfig();
      for (const exercise of exercises) {
        if (!exercise.setup) continue;
        step.progress(exercise.title);
        await runExerciseScript(`setup of exercise "${exercise.id}"`, exercise.setup, kubeconfig, { signal });
      }
      return `${exercises.length} exercise${exercises.length === 1 ? '' : 's'} ready`;
    }),
};

/**
 * Restore where I was: one step per exercise the learner had passed, in the lesson's order. Each replays the
 * exercise's reference solution on the new cluster, then checks it again; the step says whether it passes. A
 * replay that fails does not fail the lab: the learner gets a working lab either way, and the step says what
 * happened. The journal and notes are not touched: these are the lab server's actions, not the learner's.
 */
function restoreActions(context: ProvisionContext): Action<ProvisionContext>[] {
  const wanted = new Set(context.restore ?? []);
  const exercises = (context.session.lesson?.exercises ?? []).filter((exercise) => wanted.has(exercise.id));
  return exercises.map((exercise) => ({
    id: `restore-${exercise.id}`,
    title: `Restoring “${exercise.title}”`,
    run: (ctx, step, signal) =>
      onTheCluster(ctx, async (environment) => {
        const kubeconfig = await environment.kubeconfig();
        step.progress('replaying its solution');
        try {
          await runExerciseScript(`solution of exercise "${exercise.id}"`, exercise.solution, kubeconfig, { signal });
        } catch (error) {
          if (signal.aborted) throw error;
          return `its solution did not replay (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); do it again by hand`;
        }
        step.progress('checking it again');
        const context = await environment.checkContext();
        const result = await runCheck(exercise.id, (s) => exercise.check(context, s), { timeoutMs: exercise.timeoutMs });
        ctx.recordCheck?.(result);
        return result.passed ? 'replayed, and it passes again' : `replayed, but its check does not pass yet: ${result.criteria.filter((c) => !c.passed).map((c) => c.description).join('; ')}`;
      }),
  }));
}

/**
 * A lab's provisioning, kind's way: remove the old cluster (Recreate) → take a warm cluster, or have the provider
 * create one (its own steps report into the same status) → start the toolbox → run the exercises' setups. The
 * provider's create is a pipeline of its own, so it runs between the two pipelines rather than as a step.
 */
export async function provisionCluster(context: ProvisionContext, status: Status, signal: AbortSignal): Promise<void> {
  const { session, provider, pool } = context;
  const getCluster = [...(context.replacing ? [removeOld] : []), ...(pool.hasReady(session.profile) ? [takeWarm] : [])];
  await runPipeline(getCluster, context, status, signal);
  if (!context.environment) {
    // The lab server's access mode (learner on a workshop server), as for its warm clusters; and only the add-ons the
    // lesson names (a warm cluster has them all), so the lab is ready sooner and idles on less.
    const addons = session.lesson?.page.addons;
    const cluster = await provider.create({ name: session.cluster, profile: session.profile, access: pool.access, ...(addons ? { addons } : {}) }, status, signal);
    context.environment = session.useCluster(cluster);
  }
  await runPipeline([startTerminal, prepareExercises, ...restoreActions(context)], context, status, signal);
}

/**
 * Runs the provisioning and records its outcome on the session. A failed lab's cluster is freed at once (the
 * provider has already removed a half-made one). Either way the pool may refill now, and not earlier (see
 * WarmPool.take).
 */
export async function provision(context: ProvisionContext, status: Status, signal: AbortSignal, log: FastifyBaseLogger): Promise<void> {
  const { session, provider, pool } = context;
  try {
    await provisionCluster(context, status, signal);
    signal.throwIfAborted();
    session.markReady();
  } catch (cause) {
    const error = errorDetail(
      signal.aborted ? new KubelabError('E_ABORTED', 'the lab environment was stopped before it was ready', { cause }) : cause,
      `POST /api/sessions/${session.id}/reset tries again on a fresh cluster. If it keeps failing, run \`npx kubelab doctor\` on the lab server.`,
    );
    log.warn({ session: session.id, cluster: session.cluster, err: cause }, 'provisioning failed');
    if (context.environment) {
      await provider.delete(context.environment.cluster).catch((e: unknown) => log.warn({ err: e, cluster: session.cluster }, 'could not delete the cluster of a failed lab'));
    }
    session.markFailed(error);
  } finally {
    pool.fill();
  }
}

function errorDetail(error: unknown, fallbackHint: string): ErrorDetail {
  // runPipeline files an unclassified failure under E_INTERNAL; for a lab it is a failed provisioning.
  if (error instanceof KubelabError) {
    return { code: error.code === 'E_INTERNAL' ? 'E_PROVISION_FAILED' : error.code, message: error.message, hint: error.hint ?? fallbackHint };
  }
  return { code: 'E_PROVISION_FAILED', message: error instanceof Error ? error.message : String(error), hint: fallbackHint };
}
