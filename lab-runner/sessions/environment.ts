import type { FastifyBaseLogger } from 'fastify';
import { contextFromKubeconfig, type CheckContext } from '@kubelab/checkers';
import type { Cluster, ClusterProvider } from '../providers/provider.ts';
import type { SessionNode } from '../schemas/api.ts';
import { randomBytes } from 'node:crypto';
import { ShellMarks, type ShellCommand } from '../notebook/shell-marks.ts';
import { TerminalSession } from '../terminal/bridge.ts';
import { NamespaceReconciler } from './namespaces.ts';

/**
 * What a session holds of one cluster: its kubeconfig, the checkers' context, the toolbox and the terminal. A
 * Recreate (or the end of the session) disposes it and a new cluster gets a new Environment, so work that awaited
 * something asks `session.environment === env` to know whether its result still belongs to the session.
 *
 * For a learner-mode cluster it also runs the namespace reconciler (namespaces.ts) from the moment the session
 * holds the cluster (a new lab, or one restored after a restart) until it is disposed: the learner is admin in
 * every namespace but the system's, including the ones it creates.
 */
export class Environment {
  readonly cluster: string;
  readonly #provider: ClusterProvider;
  readonly #log: FastifyBaseLogger;
  readonly #onCommand: ((command: ShellCommand) => void) | undefined;
  #kubeconfig: Promise<string> | undefined;
  #checkContext: Promise<CheckContext> | undefined;
  #toolbox: Promise<void> | undefined;
  #terminal: TerminalSession | undefined;
  #namespaces: NamespaceReconciler | undefined;
  #disposed = false;

  /** `onCommand`: each command the learner runs in the terminal, as the journal records it. */
  constructor(cluster: string, provider: ClusterProvider, log: FastifyBaseLogger, onCommand?: (command: ShellCommand) => void) {
    this.cluster = cluster;
    this.#provider = provider;
    this.#log = log;
    this.#onCommand = onCommand;
    this.#reconcileNamespaces().catch((error: unknown) => this.#log.warn({ err: error, cluster }, 'could not start the namespace reconciler'));
  }

  /** Whether the namespace reconciler runs (a learner-mode cluster whose environment is not disposed). */
  get reconcilingNamespaces(): boolean {
    return this.#namespaces !== undefined && !this.#namespaces.stopped;
  }

  /**
   * Starts the namespace reconciler if the cluster is learner-mode. A provider without access() makes only
   * admin-mode clusters; a cluster that is gone says nothing here (the session learns it on next use).
   */
  async #reconcileNamespaces(): Promise<void> {
    if (!this.#provider.access) return;
    const access = await this.#provider.access(this.cluster).catch(() => 'gone' as const);
    if (access !== 'learner' || this.#disposed) return;
    const kubeconfig = await this.#provider.kubeconfig(this.cluster);
    if (this.#disposed) return;
    this.#namespaces = new NamespaceReconciler({ kubeconfig, cluster: this.cluster, log: this.#log.child({ component: 'namespaces', cluster: this.cluster }) }).start();
    this.#log.debug({ cluster: this.cluster }, 'reconciling the learner namespaces');
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** The same cluster with nothing cached: what a session keeps when its cluster turned out to be gone. */
  fresh(): Environment {
    return new Environment(this.cluster, this.#provider, this.#log, this.#onCommand);
  }

  /**
   * Asked of the provider once; a failure is not kept, so the next call asks again. The provider serves the copy
   * it kept when it made the cluster (never one read back from the cluster, which the learner controls), and the
   * checks and exercise scripts on the host use only this.
   */
  kubeconfig(): Promise<string> {
    if (!this.#kubeconfig) {
      const pending = this.#provider.kubeconfig(this.cluster);
      this.#kubeconfig = pending;
      pending.catch(() => {
        if (this.#kubeconfig === pending) this.#kubeconfig = undefined;
      });
    }
    return this.#kubeconfig;
  }

  checkContext(): Promise<CheckContext> {
    if (!this.#checkContext) {
      const pending = this.kubeconfig().then(contextFromKubeconfig);
      this.#checkContext = pending;
      pending.catch(() => {
        if (this.#checkContext === pending) this.#checkContext = undefined;
      });
    }
    return this.#checkContext;
  }

  /**
   * Starts the toolbox (once; a session restored after a restart has one to start again). If the environment was
   * disposed meanwhile, the cluster is deleted again: the end of the session may have deleted it before this
   * toolbox existed, and nothing else would remove it.
   */
  async startToolbox(): Promise<void> {
    if (!this.#toolbox) {
      const pending = this.#provider.startToolbox(this.cluster).then(() => {});
      this.#toolbox = pending;
      pending.catch(() => {
        if (this.#toolbox === pending) this.#toolbox = undefined;
      });
    }
    await this.#toolbox;
    if (this.#disposed) {
      await this.#provider.delete(this.cluster).catch((error: unknown) => this.#log.warn({ err: error, cluster: this.cluster }, 'could not delete a cluster left behind'));
    }
  }

  /**
   * The terminal, created on first use (the toolbox must have been started). Its shell gets a fresh nonce for the
   * journal's marks (notebook/shell-marks.ts), so only that shell's marks are believed.
   */
  terminal(log: FastifyBaseLogger = this.#log): TerminalSession {
    if (this.#disposed) throw new Error(`the environment of cluster ${this.cluster} is disposed`);
    if (!this.#terminal || this.#terminal.disposed) {
      const onCommand = this.#onCommand;
      const nonce = randomBytes(16).toString('hex');
      const marks = onCommand ? new ShellMarks({ nonce, onCommand }) : undefined;
      this.#terminal = new TerminalSession({
        argv: this.#provider.shellArgv(this.cluster, marks ? { KUBELAB_MARKS: nonce } : {}),
        log,
        ...(marks ? { observe: (chunk: Uint8Array) => marks.feed(chunk) } : {}),
      });
    }
    return this.#terminal;
  }

  /** Closes the terminal and drops what was cached; the cluster itself is the caller's to delete. */
  dispose(): void {
    this.#disposed = true;
    void this.#namespaces?.stop();
    this.#terminal?.dispose();
    this.#terminal = undefined;
    this.#kubeconfig = undefined;
    this.#checkContext = undefined;
  }
}

/** The session-facing view of a cluster's nodes. */
export const nodesOf = (cluster: Cluster): SessionNode[] => cluster.nodes.map(({ name, role }) => ({ name, role }));

/** Whether clusters exist; concurrent callers share one provider.list(), which costs a docker ps and inspects. */
export class ClusterProbe {
  readonly #provider: ClusterProvider;
  #listing: Promise<Cluster[]> | undefined;

  constructor(provider: ClusterProvider) {
    this.#provider = provider;
  }

  async exists(name: string): Promise<boolean> {
    this.#listing ??= this.#provider.list().finally(() => {
      this.#listing = undefined;
    });
    return (await this.#listing).some((cluster) => cluster.name === name);
  }
}
