import type { FastifyBaseLogger } from 'fastify';
import { runCheck, type CheckResult } from '@kubelab/checkers';
import { runExerciseScript } from '@kubelab/labs/scripts';
import type { Store } from '../store/store.ts';
import type { NotebookRepository } from '../store/notebook.ts';
import type { ClusterProbe, Environment } from './environment.ts';
import { errors } from './errors.ts';
import type { LabLesson } from './manager.ts';
import type { Session } from './session.ts';

export type Exercise = LabLesson['exercises'][number];

/** Checks and resets of a session's exercises, always against the environment the request began with. */
export class Exercises {
  readonly #store: Store;
  readonly #clusters: ClusterProbe;
  readonly #log: FastifyBaseLogger;
  readonly #notebook: NotebookRepository | undefined;

  constructor(options: { store: Store; clusters: ClusterProbe; log: FastifyBaseLogger; notebook?: NotebookRepository | undefined }) {
    this.#store = options.store;
    this.#clusters = options.clusters;
    this.#log = options.log;
    this.#notebook = options.notebook;
  }

  /** The exercise `id` of the session's lesson. */
  find(session: Session, id: string): Exercise {
    const exercise = session.lesson?.exercises.find((e) => e.id === id);
    if (!exercise) throw errors.unknownExercise(id, session.lessonSlug, session.lesson?.exercises.map((e) => e.id) ?? []);
    return exercise;
  }

  /**
   * The environment of a ready session whose cluster still exists (a learner or the host may have deleted it).
   * `env`, when given, is the one the caller began with.
   */
  async live(session: Session, env = session.requireEnvironment()): Promise<Environment> {
    const exists = await this.#clusters.exists(env.cluster);
    session.requireEnvironment(env);
    if (!exists) {
      session.environmentLost(env);
      this.#log.info({ session: session.id, cluster: env.cluster }, 'the cluster of a ready session is gone');
      throw errors.clusterGone(session.id);
    }
    return env;
  }

  /**
   * Runs the exercise's check against the session's cluster and records the result in the check history. One
   * check or reset per session at a time (E_SESSION_BUSY).
   */
  /**
   * `journal: 'if-changed'` (auto-check) records the result in the learner's journal only when it differs from the
   * last one recorded that way: a cluster that keeps changing for other reasons does not fill the timeline with
   * the same failing result.
   */
  async check(session: Session, exerciseId: string, options: { journal?: 'always' | 'if-changed' } = {}): Promise<CheckResult> {
    const exercise = this.find(session, exerciseId);
    session.requireEnvironment();
    return session.exclusive('check', () => this.#check(session, exercise, options.journal ?? 'always'));
  }

  /** The last auto-check result journaled per session and exercise, as a comparable string. */
  readonly #lastAutoResult = new WeakMap<Session, Map<string, string>>();

  async #check(session: Session, exercise: Exercise, journal: 'always' | 'if-changed'): Promise<CheckResult> {
    const env = session.requireEnvironment();
    let context;
    try {
      context = await env.checkContext();
    } catch (error) {
      await this.live(session, env);
      throw error;
    }
    const startedAt = new Date().toISOString();
    const result = await runCheck(exercise.id, (signal) => exercise.check(context, signal), { timeoutMs: exercise.timeoutMs });
    // Asking the engine whether the cluster still exists costs more than the check itself (docker ps and
    // inspect), so it is asked only when the check could not read the cluster: the one case where it matters.
    if (result.criteria.some((criterion) => criterion.id === 'check-ran' && !criterion.passed)) await this.live(session, env);
    session.requireEnvironment(env);
    this.#store.addCheck(session.id, result);
    // The learner's progress and journal: awaited, so a check the learner saw pass is one their progress keeps.
    const outcome = JSON.stringify([result.passed, result.criteria.map((c) => [c.id, c.passed, c.actual ?? null])]);
    const lastAuto = this.#lastAutoResult.get(session) ?? new Map<string, string>();
    this.#lastAutoResult.set(session, lastAuto);
    if (journal === 'if-changed' && lastAuto.get(exercise.id) === outcome) return result;
    lastAuto.set(exercise.id, outcome);
    await this.#notebook?.addCheck(session.learner, session.lessonSlug, session.id, {
      exercise: result.exercise,
      passed: result.passed,
      criteria: result.criteria,
      durationMs: result.durationMs,
      startedAt,
      endedAt: new Date().toISOString(),
    });
    this.#log.info({ session: session.id, exercise: exercise.id, passed: result.passed, durationMs: result.durationMs }, 'check');
    return result;
  }

  /** Puts the cluster back to the exercise's starting state: its cleanup script, then its setup script. */
  async reset(session: Session, exerciseId: string): Promise<void> {
    const exercise = this.find(session, exerciseId);
    session.requireEnvironment();
    await session.exclusive('reset', () => this.#reset(session, exercise));
  }

  async #reset(session: Session, exercise: Exercise): Promise<void> {
    const env = await this.live(session);
    const kubeconfig = await env.kubeconfig();
    await runExerciseScript(`cleanup of exercise "${exercise.id}"`, exercise.cleanup, kubeconfig);
    session.requireEnvironment(env);
    if (exercise.setup) await runExerciseScript(`setup of exercise "${exercise.id}"`, exercise.setup, kubeconfig);
    this.#log.info({ session: session.id, exercise: exercise.id }, 'exercise reset');
  }
}
