import type { FastifyBaseLogger } from 'fastify';
import { EventStatus } from '@kubelab/kit/status';
import type { Cluster, ClusterAccess, ClusterProvider } from '../providers/provider.ts';
import type { Profile } from '@kubelab/labs/profiles';
import type { Store } from '../store/store.ts';
import { newClusterName } from './ids.ts';

const RETRY_AFTER_FAILURE_MS = 60_000;

/**
 * Warm clusters, created ahead of time so the next learner's lab is ready in seconds instead of half a minute.
 * Only single-node clusters are pooled (most lessons use them). Pool clusters are recorded in the store, so after
 * a crash the next start on the same data directory can adopt the ready ones and remove half-made ones; on a clean
 * close they are deleted. The directory's lock (store/lock.ts) makes those rows one server's alone: another
 * server, with a data directory of its own, never sees them.
 *
 * `access` is the access mode of every cluster this lab server makes, warm or not (provision.ts reads it here):
 * `learner` on a workshop server. A warm cluster of another mode (left by a run with another profile) is never
 * handed out.
 */
export class WarmPool {
  readonly size: number;
  readonly profile: Profile = 'single';
  readonly access: ClusterAccess;
  private readonly provider: ClusterProvider;
  private readonly store: Store;
  private readonly log: FastifyBaseLogger;
  private readonly ready: Cluster[] = [];
  private readonly creating = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: { provider: ClusterProvider; store: Store; size: number; log: FastifyBaseLogger; access?: ClusterAccess }) {
    this.provider = options.provider;
    this.store = options.store;
    this.size = options.size;
    this.log = options.log;
    this.access = options.access ?? 'admin';
  }

  /** Whether `cluster` was made with this pool's access mode (a provider that says none makes admin clusters). */
  private fits(cluster: Cluster): boolean {
    return (cluster.access ?? 'admin') === this.access;
  }

  counts(): { ready: number; creating: number } {
    return { ready: this.ready.length, creating: this.creating.size };
  }

  /** Adopts the ready pool clusters this server's previous run left behind and removes the half-made ones. */
  async restore(): Promise<void> {
    const rows = this.store.poolClusters();
    if (rows.length === 0) return;
    const existing = new Map((await this.provider.list()).map((c) => [c.name, c]));
    for (const row of rows) {
      const cluster = existing.get(row.name);
      if (row.state === 'ready' && cluster && this.fits(cluster) && cluster.nodes.every((n) => n.state === 'running') && this.ready.length < this.size) {
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

  /** Whether take() has a candidate for this profile (it may still find them all gone). */
  hasReady(profile: Profile): boolean {
    return profile === this.profile && this.ready.length > 0;
  }

  /**
   * A ready cluster of this profile, now the caller's (it is no longer the pool's to delete), or undefined: then
   * the caller creates one. A warm cluster may have been deleted since it was made (by the host, or by a server
   * that shared this data directory before the lock existed), so each candidate is first checked with the
   * provider: it must exist with every node running. A gone one is dropped and the next one tried.
   *
   * It does not refill: on two cores a cluster being created beside the lab it just handed out would slow that
   * lab's start from seconds to tens of seconds (warm start 17 s → 3 s), so the caller calls fill() once its lab
   * is ready (or has failed).
   */
  async take(profile: Profile): Promise<Cluster | undefined> {
    if (!this.hasReady(profile)) return undefined;
    // Claimed before the await, so two labs starting together never get the same cluster.
    const candidates = this.ready.splice(0);
    let alive: Map<string, Cluster>;
    try {
      alive = new Map((await this.provider.list()).map((cluster) => [cluster.name, cluster]));
    } catch (error) {
      this.ready.unshift(...candidates);
      this.log.warn({ err: error }, 'cannot list clusters to take a warm one; a new cluster is made instead');
      return undefined;
    }
    let taken: Cluster | undefined;
    for (const candidate of candidates) {
      const cluster = alive.get(candidate.name);
      const usable = cluster !== undefined && this.fits(cluster) && cluster.nodes.length > 0 && cluster.nodes.every((node) => node.state === 'running');
      if (taken) {
        this.ready.push(candidate);
        continue;
      }
      if (!usable) {
        this.drop(candidate.name, cluster !== undefined);
        continue;
      }
      taken = cluster;
      this.store.removePoolCluster(candidate.name);
      this.log.info({ cluster: candidate.name }, 'took a warm cluster from the pool');
    }
    return taken;
  }

  /** Forgets a warm cluster that is gone or broken; what is left of it is deleted in the background. */
  private drop(name: string, exists: boolean): void {
    this.store.removePoolCluster(name);
    this.log.warn({ cluster: name }, exists ? 'a warm cluster has stopped nodes; dropped from the pool' : 'a warm cluster no longer exists; dropped from the pool');
    if (exists) {
      this.provider.delete(name).catch((error: unknown) => this.log.warn({ err: error, cluster: name }, 'could not delete a broken warm cluster'));
    }
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
      .create({ name, profile: this.profile, access: this.access }, status, controller.signal)
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

  /**
   * No more fills: the server is closing, and the labs it stops would otherwise ask for a refill on their way out
   * (a cluster started only to be aborted costs kind's abort sweep, seconds of the shutdown).
   */
  stop(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  /** Stops creating and deletes every pool cluster (a warm cluster is cheap to make again, and costs memory). */
  async close(): Promise<void> {
    this.stop();
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
