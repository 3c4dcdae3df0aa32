import fp from 'fastify-plugin';
import { LIFETIME } from '../sessions/lifetime.ts';

/**
 * Runs a periodic task; one run at a time (a run that outlasts the period makes the next tick wait for it), and
 * stop() waits for the run in progress. The timer does not keep the process alive.
 */
export class Periodic {
  readonly #run: () => Promise<unknown>;
  readonly #everyMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<unknown> | undefined;

  constructor(run: () => Promise<unknown>, everyMs: number) {
    this.#run = run;
    this.#everyMs = everyMs;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), this.#everyMs);
    this.#timer.unref?.();
  }

  #tick(): void {
    if (this.#running) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }
}

/**
 * The reaper: every minute it ends the labs past their time limit or idle timeout (freeing their clusters), warns
 * the labs entering their last minutes, and frees the slot of a lab whose cluster was deleted behind the server's
 * back (SessionManager.reap). Registered before the sessions plugin, so its preClose (which waits for a pass in
 * progress) runs before theirs; it reaches app.sessions only once the app is ready.
 */
export default fp(
  async function reaperPlugin(app) {
    const reaper = new Periodic(async () => {
      try {
        const report = await app.sessions.reap();
        const expired = Object.keys(report.expired).length;
        if (expired || report.clusterGone.length) app.log.info({ component: 'reaper', ...report }, `reaper: ${expired} lab(s) ended, ${report.clusterGone.length} cluster(s) found gone`);
      } catch (error) {
        app.log.warn({ err: error, component: 'reaper' }, 'the reaper failed; it runs again in a minute');
      }
    }, LIFETIME.reapEveryMs);
    app.addHook('onReady', async () => reaper.start());
    app.addHook('preClose', async () => reaper.stop());
  },
  { name: 'kubelab-reaper', fastify: '5.x', dependencies: ['kubelab-store', 'kubelab-provider'] },
);
