/**
 * Namespace admin where it belongs, in a learner-mode cluster: every namespace but the system's gets a RoleBinding
 * of the built-in `admin` ClusterRole to the learner group, a LimitRange and a ResourceQuota (providers/workshop.ts),
 * within about a second of appearing: `default` and the lessons' namespaces, and every namespace the learner
 * creates. System namespaces get nothing, so the learner has no write, exec or token rights there.
 *
 * It runs in the lab-runner with the cluster's admin kubeconfig, which never leaves the host: a watch on
 * namespaces (list, then watch from that version; a full resync whenever the watch ends, at least every
 * `resyncMs`, so a binding deleted meanwhile comes back). It speaks to the API server over node:https with only the
 * allowlisted fields of the kubeconfig (server, CA, client certificate and key), and bounds every response it
 * reads, since the cluster is the learner's.
 */
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { sanitizeKubeconfig } from '@kubelab/kit/kubeconfig';
import { isLearnerNamespace, learnerNamespaceNames, learnerNamespaceObjects } from '../providers/workshop.ts';

/** What the reconciler logs with (a pino or Fastify logger is one). */
export interface ReconcilerLog {
  debug(object: object, message: string): void;
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

const silent: ReconcilerLog = { debug: () => {}, info: () => {}, warn: () => {} };

/** A list response is read up to this size; a watch event (one namespace) up to this line length. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const MAX_EVENT_BYTES = 2 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;

interface NamespaceObject {
  metadata: { name: string; resourceVersion?: string };
  status?: { phase?: string };
}

interface ListResponse<T> {
  metadata: { resourceVersion?: string };
  items: T[];
}

class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

/** The few calls the reconciler makes, over node:https with the kubeconfig's certificates. */
class KubeApi {
  readonly #base: URL;
  readonly #agent: https.Agent;

  constructor(kubeconfig: string) {
    const safe = sanitizeKubeconfig(parseYaml(kubeconfig), { what: 'the kubeconfig given to the namespace reconciler' });
    this.#base = new URL(safe.server);
    this.#agent = new https.Agent({
      keepAlive: true,
      ca: Buffer.from(safe.certificateAuthorityData, 'base64'),
      cert: Buffer.from(safe.clientCertificateData, 'base64'),
      key: Buffer.from(safe.clientKeyData, 'base64'),
    });
  }

  /** A JSON request; resolves with the body of a 2xx answer, rejects with ApiError otherwise. */
  request<T>(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal): Promise<T> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request = https.request(
        new URL(path, this.#base),
        {
          method,
          agent: this.#agent,
          headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
          signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) response.destroy(new Error(`${method} ${path}: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`));
            else chunks.push(chunk);
          });
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = response.statusCode ?? 0;
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            if (status >= 200 && status < 300 && parsed !== undefined) return resolve(parsed as T);
            const failure = (parsed ?? {}) as { reason?: string; message?: string };
            reject(new ApiError(status, failure.reason ?? '', `${method} ${path}: HTTP ${status} ${(failure.message ?? text).slice(0, 300)}`));
          });
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  /**
   * A watch: calls `onEvent` with each event until the server ends the stream (its timeoutSeconds), which
   * resolves; an error or an abort rejects.
   */
  watch(path: string, onEvent: (event: { type: string; object: unknown }) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = https.get(new URL(path, this.#base), { agent: this.#agent, headers: { accept: 'application/json' }, signal }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new ApiError(response.statusCode ?? 0, '', `watch ${path}: HTTP ${response.statusCode}`));
          return;
        }
        let buffered = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (!line) continue;
            try {
              onEvent(JSON.parse(line) as { type: string; object: unknown });
            } catch (error) {
              response.destroy(error instanceof Error ? error : new Error(String(error)));
              return;
            }
          }
          if (buffered.length > MAX_EVENT_BYTES) response.destroy(new Error(`watch ${path}: an event is larger than ${MAX_EVENT_BYTES} bytes`));
        });
        response.on('error', reject);
        response.on('end', () => resolve());
      });
      request.on('error', reject);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The API path of the collection each learner-namespace object is created in. */
function collectionPath(object: Record<string, unknown>, namespace: string): string {
  const ns = encodeURIComponent(namespace);
  switch (object.kind) {
    case 'RoleBinding':
      return `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`;
    case 'LimitRange':
      return `/api/v1/namespaces/${ns}/limitranges`;
    case 'ResourceQuota':
      return `/api/v1/namespaces/${ns}/resourcequotas`;
    default:
      throw new Error(`no collection for ${String(object.kind)}`);
  }
}

/** What a create that did not create tells: it exists already, or the namespace is gone or going. Both are fine. */
const settled = (error: unknown): boolean =>
  error instanceof ApiError && (error.status === 409 || error.status === 404 || (error.status === 403 && /being terminated/.test(error.message)));

export interface NamespaceReconcilerOptions {
  /** The cluster's admin kubeconfig (allowlisted fields only). */
  kubeconfig: string;
  /** For the log lines. */
  cluster?: string;
  log?: ReconcilerLog;
  /** A full resync at least this often (the watch's timeoutSeconds). */
  resyncMs?: number;
}

/** Watches one cluster's namespaces and grants the learner its own; see the module comment. */
export class NamespaceReconciler {
  readonly #api: KubeApi;
  readonly #log: ReconcilerLog;
  readonly #cluster: string;
  readonly #resyncMs: number;
  readonly #controller = new AbortController();
  #running: Promise<void> | undefined;
  #synced: { promise: Promise<void>; resolve: () => void };

  constructor(options: NamespaceReconcilerOptions) {
    this.#api = new KubeApi(options.kubeconfig);
    this.#log = options.log ?? silent;
    this.#cluster = options.cluster ?? '';
    this.#resyncMs = options.resyncMs ?? 120_000;
    let resolve = () => {};
    const promise = new Promise<void>((r) => (resolve = r));
    this.#synced = { promise, resolve };
  }

  /** Starts watching (once). */
  start(): this {
    this.#running ??= this.#loop();
    return this;
  }

  /** Resolves once every namespace that existed when it started has been reconciled. */
  synced(): Promise<void> {
    return this.#synced.promise;
  }

  get stopped(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Stops watching and closes its connections; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.#controller.abort();
    this.#api.close();
    await this.#running;
  }

  async #loop(): Promise<void> {
    const signal = this.#controller.signal;
    let backoff = 1000;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const version = await this.#resync(signal);
        this.#synced.resolve();
        if (failures > 0) this.#log.info({ cluster: this.#cluster }, 'namespace reconciler: the cluster answers again');
        failures = 0;
        backoff = 1000;
        await this.#watch(version, signal);
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        // A cluster being deleted, or a restarting API server: worth one line, not one a second.
        const log = failures === 1 ? this.#log.warn.bind(this.#log) : this.#log.debug.bind(this.#log);
        log({ cluster: this.#cluster, err: error }, 'namespace reconciler: cannot reach the cluster; trying again');
        await sleep(backoff, undefined, { signal }).catch(() => {});
        backoff = Math.min(backoff * 2, 15_000);
      }
    }
  }

  /** Lists everything and creates what is missing; returns the namespaces' resourceVersion to watch from. */
  async #resync(signal: AbortSignal): Promise<string> {
    const namespaces = await this.#api.request<ListResponse<NamespaceObject>>('GET', '/api/v1/namespaces', undefined, signal);
    const have = async (path: string, name: string) => {
      const list = await this.#api.request<ListResponse<{ metadata: { namespace?: string } }>>(
        'GET',
        `${path}?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`,
        undefined,
        signal,
      );
      return new Set(list.items.map((item) => item.metadata.namespace ?? ''));
    };
    const [roleBindings, limitRanges, quotas] = await Promise.all([
      have('/apis/rbac.authorization.k8s.io/v1/rolebindings', learnerNamespaceNames.roleBinding),
      have('/api/v1/limitranges', learnerNamespaceNames.limitRange),
      have('/api/v1/resourcequotas', learnerNamespaceNames.resourceQuota),
    ]);
    const present = { RoleBinding: roleBindings, LimitRange: limitRanges, ResourceQuota: quotas } as Record<string, Set<string>>;
    await Promise.all(
      namespaces.items
        .filter((ns) => this.#wants(ns))
        .map((ns) => this.#reconcile(ns.metadata.name, signal, (kind) => !present[kind]?.has(ns.metadata.name))),
    );
    return namespaces.metadata.resourceVersion ?? '';
  }

  async #watch(version: string, signal: AbortSignal): Promise<void> {
    const query = new URLSearchParams({ watch: '1', allowWatchBookmarks: 'true', timeoutSeconds: String(Math.max(1, Math.round(this.#resyncMs / 1000))) });
    if (version) query.set('resourceVersion', version);
    let expired = false;
    await this.#api.watch(
      `/api/v1/namespaces?${query}`,
      (event) => {
        if (event.type === 'ERROR') {
          // 410 Gone: the version is too old; the resync that follows starts from a fresh list.
          expired = true;
          return;
        }
        if (event.type !== 'ADDED') return;
        const ns = event.object as NamespaceObject;
        if (!this.#wants(ns)) return;
        void this.#reconcile(ns.metadata.name, signal, () => true).catch((error: unknown) => {
          if (!signal.aborted) this.#log.warn({ cluster: this.#cluster, namespace: ns.metadata.name, err: error }, 'namespace reconciler: could not grant a namespace; the next resync tries again');
        });
      },
      signal,
    );
    if (expired) this.#log.debug({ cluster: this.#cluster }, 'namespace reconciler: watch expired; listing again');
  }

  #wants(ns: NamespaceObject): boolean {
    return isLearnerNamespace(ns.metadata.name) && ns.status?.phase !== 'Terminating';
  }

  /**
   * Creates the objects of `namespace` that `missing` names, trying each a few times (a namespace just made may lag).
   * The LimitRange and the ResourceQuota land before the RoleBinding: a learner who could create a pod between the
   * two would have it admitted with no defaults, or refused by a LimitRange that appeared mid-request.
   */
  async #reconcile(namespace: string, signal: AbortSignal, missing: (kind: string) => boolean): Promise<void> {
    const objects = learnerNamespaceObjects(namespace).filter((object) => missing(String(object.kind)));
    if (objects.length === 0) return;
    const create = async (object: Record<string, unknown>) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#api.request('POST', collectionPath(object, namespace), object, signal);
          return;
        } catch (error) {
          if (settled(error)) return;
          if (signal.aborted || attempt >= 3) throw error;
          await sleep(300 * attempt, undefined, { signal });
        }
      }
    };
    const grants = objects.filter((object) => object.kind === 'RoleBinding');
    await Promise.all(objects.filter((object) => object.kind !== 'RoleBinding').map(create));
    await Promise.all(grants.map(create));
    this.#log.debug({ cluster: this.#cluster, namespace, created: objects.map((o) => o.kind) }, 'namespace reconciler: granted a learner namespace');
  }
}
