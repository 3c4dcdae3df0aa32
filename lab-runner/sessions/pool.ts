import type { FastifyBaseLogger } from 'fastify';
import { EventStatus } from '@kubelab/kit/status';
import type { Cluster, ClusterProvider } from '../providers/provider.ts';
import type { Profile } from '@kubelab/labs/profiles';
import type { Store } from '../store/store.ts';
import { newClusterName } from './tokens.ts';

const RETRY_AFTER_FAILURE_MS = 60_000;

/**
 * Warm clusters, created ahead of time so the next learner's lab is ready in seconds instead of half a minute.
 * Only single-node clusters are pooled (most lessons use them). Pool clusters are recorded in the store, so after
 * a crash the next start can adopt the ready ones and remove half-made ones; on a clean close they are deleted.
 */
export class WarmPool {
  readonly size: number;
  readonly profile: Profile = 'single';
  private readonly provider: ClusterProvider;
  private readonly store: Store;
  private readonly log: FastifyBaseLogger;
  private readonly ready: Cluster[] = [];
  private readonly creating = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: { provider: ClusterProvider; store: Store; size: number; log: FastifyBaseLogger }) {
    this.provider = options.provider;
    this.store = options.store;
    this.size = options.size;
    this.log = options.log;
  }

  counts(): { ready: number; creating: number } {
    return { ready: this.ready.length, creating: this.creating.size };
  }

  /** Adopts the ready pool clusters a previous run left behind and removes the half-made ones. */
  async restore(): Promise<void> {
    const rows = this.store.poolClusters();
    if (rows.length === 0) return;
    const existing = new Map((await this.provider.list()).map((c) => [c.name, c]));
    for (const row of rows) {
      const cluster = existing.get(row.name);
      if (row.state === 'ready' && cluster && cluster.nodes.every((n) => n.state === 'running') && this.ready.length < this.size) {
        this.ready.push(cluster);
        this.log.info({ cluster: row.name }, 'adopted a warm cluster from the previous run');
        continue;
      }
      this.store.removePoolCluster(row.name);
      if (cluster) {
        await this.provider.delete(row.name).catch((error: unknown) => this.log.warn({ err: error, cluster: row.name }, 'could not delete a leftover pool cluster'));
      }
    }
  }

  /**
   * A ready cluster of this profile, now the caller's (it is no longer the pool's to delete). It does not refill:
   * on two cores a cluster being created beside the lab it just handed out would slow that lab's start from seconds
   * to tens of seconds, so the caller calls fill() once its lab is ready (or has failed).
   */
  take(profile: Profile): Cluster | undefined {
    if (profile !== this.profile) return undefined;
    const cluster = this.ready.shift();
    if (cluster) {
      this.store.removePoolCluster(cluster.name);
      this.log.info({ cluster: cluster.name }, 'took a warm cluster from the pool');
    }
    return cluster;
  }

  /** Starts creating clusters until ready + creating reaches the pool size. */
  fill(): void {
    if (this.closed || this.retryTimer) return;
    while (this.ready.length + this.creating.size < this.size) this.createOne();
  }

  private createOne(): void {
    const name = newClusterName('pool');
    const controller = new AbortController();
    this.store.putPoolCluster({ name, profile: this.profile, state: 'creating', createdAt: new Date().toISOString() });
    const status = new EventStatus((event) => {
      if (event.type === 'done') this.log.debug({ cluster: name, step: event.id, elapsedMs: event.elapsedMs }, 'pool cluster step done');
    });
    const began = Date.now();
    const done = this.provider
      .create({ name, profile: this.profile }, status, controller.signal)
      .then((cluster) => {
        if (this.closed) {
          // close() is waiting for us; it deletes what is ready.
          this.ready.push(cluster);
          return;
        }
        this.store.putPoolCluster({ name, profile: this.profile, state: 'ready', createdAt: new Date().toISOString() });
        this.ready.push(cluster);
        this.log.info({ cluster: name, elapsedMs: Date.now() - began }, 'warm cluster ready');
      })
      .catch(async (error: unknown) => {
        this.store.removePoolCluster(name);
        if (this.closed) return;
        this.log.warn({ err: error, cluster: name }, `could not create a warm cluster; trying again in ${RETRY_AFTER_FAILURE_MS / 1000}s`);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.fill();
        }, RETRY_AFTER_FAILURE_MS);
        this.retryTimer.unref();
      })
      .finally(() => this.creating.delete(name));
    this.creating.set(name, { controller, done });
  }

  /** Stops creating and deletes every pool cluster (a warm cluster is cheap to make again, and costs memory). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const { controller } of this.creating.values()) controller.abort();
    await Promise.allSettled([...this.creating.values()].map((c) => c.done));
    const clusters = this.ready.splice(0);
    await Promise.allSettled(
      clusters.map(async (cluster) => {
        try {
          await this.provider.delete(cluster.name);
          this.store.removePoolCluster(cluster.name);
        } catch (error) {
          this.log.warn({ err: error, cluster: cluster.name }, 'could not delete a warm cluster');
        }
      }),
    );
  }
}
