import { ApiException, DiscoveryV1Api, type V1ConfigMap, type V1Container, type V1Pod, type V1PodSpec, type V1Secret, type V1Service } from '@kubernetes/client-node';
import { getOrNull, type CheckContext } from './context.ts';
import { buildCriterion, type CriterionOptions } from './criteria.ts';
import { getThroughServiceProxy } from './queries.ts';
import type { Criterion } from './types.ts';

/**
 * Configuration as a container sees it: where each environment variable and each mounted file comes from (a
 * literal, a ConfigMap key, a Secret key), resolved the way the kubelet resolves them. A check asks "does
 * DB_PASSWORD come from Secret db-secret, key password?" and any spelling of the answer passes: `env` with
 * `secretKeyRef`, `envFrom` with the right keys, a volume with or without `items`, a `subPath` mount, a projected
 * volume.
 */

/** Reads one ConfigMap, or null when it does not exist. */
export function readConfigMap(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1ConfigMap | null> {
  return getOrNull(() => cluster.core.readNamespacedConfigMap({ name, namespace }));
}

/** Reads one Secret, or null when it does not exist. */
export function readSecret(cluster: CheckContext, name: string, namespace = 'default'): Promise<V1Secret | null> {
  return getOrNull(() => cluster.core.readNamespacedSecret({ name, namespace }));
}

/** The text a Secret's key holds (its base64 `data` decoded), or undefined when the key is absent. */
export function secretText(secret: V1Secret | null, key: string): string | undefined {
  const encoded = secret?.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

/** Where one environment variable or one file of a container comes from. */
export type ConfigOrigin =
  | { from: 'value'; value: string }
  | { from: 'configMap'; name: string; key: string }
  | { from: 'secret'; name: string; key: string }
  | { from: 'other'; what: string };

/** What a check wants an origin to be: a key of a named ConfigMap or Secret. */
export type WantedOrigin = { configMap: string; key: string } | { secret: string; key: string };

/** The ConfigMaps and Secrets a container refers to, by name, as the check read them (absent ones are missing). */
export interface ReferencedObjects {
  configMaps: Record<string, V1ConfigMap>;
  secrets: Record<string, V1Secret>;
}

const envName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * Every environment variable of the container and where it comes from, as the kubelet builds it: `envFrom`
 * sources in order (each key of the ConfigMap or Secret, after its prefix; a later source wins), then `env`
 * entries, which win over `envFrom`. Keys that are not valid variable names are skipped, as the kubelet does.
 */
export function environmentOf(container: V1Container | undefined, objects: ReferencedObjects): Map<string, ConfigOrigin> {
  const env = new Map<string, ConfigOrigin>();
  for (const source of container?.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef?.name) {
      const name = source.configMapRef.name;
      for (const key of Object.keys(objects.configMaps[name]?.data ?? {})) {
        if (envName.test(prefix + key)) env.set(prefix + key, { from: 'configMap', name, key });
      }
    }
    if (source.secretRef?.name) {
      const name = source.secretRef.name;
      for (const key of Object.keys(objects.secrets[name]?.data ?? {})) {
        if (envName.test(prefix + key)) env.set(prefix + key, { from: 'secret', name, key });
      }
    }
  }
  for (const variable of container?.env ?? []) {
    const ref = variable.valueFrom;
    if (ref?.configMapKeyRef) env.set(variable.name, { from: 'configMap', name: ref.configMapKeyRef.name ?? '', key: ref.configMapKeyRef.key });
    else if (ref?.secretKeyRef) env.set(variable.name, { from: 'secret', name: ref.secretKeyRef.name ?? '', key: ref.secretKeyRef.key });
    else if (ref?.fieldRef) env.set(variable.name, { from: 'other', what: `the pod field ${ref.fieldRef.fieldPath}` });
    else if (ref?.resourceFieldRef) env.set(variable.name, { from: 'other', what: `the resource ${ref.resourceFieldRef.resource}` });
    else env.set(variable.name, { from: 'value', value: variable.value ?? '' });
  }
  return env;
}

/**
 * The file at `path` in the container and where it comes from, or undefined when no ConfigMap or Secret volume
 * puts a file there. The mount with the longest matching mountPath wins, as in the container's filesystem; a
 * `subPath` mount places that one entry of the volume at its mountPath.
 */
export function fileOrigin(spec: V1PodSpec | undefined, container: V1Container | undefined, path: string, objects: ReferencedObjects): ConfigOrigin | undefined {
  const normalized = (p: string) => p.replace(/\/+$/, '') || '/';
  const target = normalized(path);
  const mounts = [...(container?.volumeMounts ?? [])]
    .filter((m) => {
      const at = normalized(m.mountPath);
      return m.subPath ? at === target : target.startsWith(at === '/' ? '/' : `${at}/`);
    })
    .sort((a, b) => normalized(b.mountPath).length - normalized(a.mountPath).length);
  const mount = mounts[0];
  if (!mount) return undefined;
  const inVolume = mount.subPath ? normalized(mount.subPath) : target.slice(normalized(mount.mountPath).length).replace(/^\//, '');
  const volume = spec?.volumes?.find((v) => v.name === mount.name);
  if (!volume) return undefined;
  type Source = { kind: 'configMap' | 'secret'; name: string; items?: { key: string; path: string }[] };
  const sources: Source[] = [];
  if (volume.configMap?.name) sources.push({ kind: 'configMap', name: volume.configMap.name, items: volume.configMap.items });
  if (volume.secret?.secretName) sources.push({ kind: 'secret', name: volume.secret.secretName, items: volume.secret.items });
  for (const projection of volume.projected?.sources ?? []) {
    if (projection.configMap?.name) sources.push({ kind: 'configMap', name: projection.configMap.name, items: projection.configMap.items });
    if (projection.secret?.name) sources.push({ kind: 'secret', name: projection.secret.name, items: projection.secret.items });
  }
  for (const source of sources) {
    const keys = Object.keys((source.kind === 'configMap' ? objects.configMaps[source.name]?.data : objects.secrets[source.name]?.data) ?? {});
    const key = source.items ? source.items.find((item) => normalized(item.path) === inVolume)?.key : keys.includes(inVolume) ? inVolume : undefined;
    if (key !== undefined) return { from: source.kind, name: source.name, key };
  }
  return undefined;
}

/** The names of every ConfigMap and Secret a pod spec refers to, in env, envFrom and volumes. */
export function referencedNames(spec: V1PodSpec | undefined): { configMaps: string[]; secrets: string[] } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef?.name) configMaps.add(source.configMapRef.name);
      if (source.secretRef?.name) secrets.add(source.secretRef.name);
    }
    for (const variable of container.env ?? []) {
      if (variable.valueFrom?.configMapKeyRef?.name) configMaps.add(variable.valueFrom.configMapKeyRef.name);
      if (variable.valueFrom?.secretKeyRef?.name) secrets.add(variable.valueFrom.secretKeyRef.name);
    }
  }
  for (const volume of spec?.volumes ?? []) {
    if (volume.configMap?.name) configMaps.add(volume.configMap.name);
    if (volume.secret?.secretName) secrets.add(volume.secret.secretName);
    for (const projection of volume.projected?.sources ?? []) {
      if (projection.configMap?.name) configMaps.add(projection.configMap.name);
      if (projection.secret?.name) secrets.add(projection.secret.name);
    }
  }
  return { configMaps: [...configMaps], secrets: [...secrets] };
}

/**
 * Reads every ConfigMap and Secret the pod spec refers to (a pod's, or a Deployment's template), so that
 * environmentOf and fileOrigin can resolve `envFrom` and whole-volume mounts.
 */
export async function readReferencedObjects(cluster: CheckContext, spec: V1PodSpec | undefined, namespace = 'default'): Promise<ReferencedObjects> {
  const names = referencedNames(spec);
  const objects: ReferencedObjects = { configMaps: {}, secrets: {} };
  await Promise.all([
    ...names.configMaps.map(async (name) => {
      const found = await readConfigMap(cluster, name, namespace);
      if (found) objects.configMaps[name] = found;
    }),
    ...names.secrets.map(async (name) => {
      const found = await readSecret(cluster, name, namespace);
      if (found) objects.secrets[name] = found;
    }),
  ]);
  return objects;
}

/** An origin in the learner's words. */
export function describeOrigin(origin: ConfigOrigin | undefined): string {
  if (!origin) return 'not set';
  switch (origin.from) {
    case 'value':
      return 'a literal value in the pod spec';
    case 'configMap':
      return `ConfigMap \`${origin.name}\`, key \`${origin.key}\``;
    case 'secret':
      return `Secret \`${origin.name}\`, key \`${origin.key}\``;
    case 'other':
      return origin.what;
  }
}

function describeWanted(want: WantedOrigin): string {
  return 'configMap' in want ? `ConfigMap \`${want.configMap}\`, key \`${want.key}\`` : `Secret \`${want.secret}\`, key \`${want.key}\``;
}

function matches(origin: ConfigOrigin | undefined, want: WantedOrigin): boolean {
  if ('configMap' in want) return origin?.from === 'configMap' && origin.name === want.configMap && origin.key === want.key;
  return origin?.from === 'secret' && origin.name === want.secret && origin.key === want.key;
}

/** The answer of a Service to one GET through the API server's service proxy: its HTTP status and body. */
export interface ServiceAnswer {
  /** The HTTP status, or undefined when no answer came (no such Service, no ready pod, a refused connection). */
  status?: number;
  body: string;
}

/**
 * GETs a path from a Service through the API server's service proxy and keeps the answer whatever its status:
 * an app that reports a failure with 503 says why in its body, and the learner should read that.
 */
export function serviceAnswer(cluster: CheckContext, target: { namespace?: string; service: string; port: number | string; path: string }): Promise<ServiceAnswer> {
  return proxiedAnswer(() => getThroughServiceProxy(cluster, { namespace: target.namespace ?? 'default', ...target }));
}

/** What an app answered through one of the API server's proxies (a Service's or a pod's), read as serviceAnswer says. */
export async function proxiedAnswer(request: () => Promise<unknown>): Promise<ServiceAnswer> {
  try {
    const body = await request();
    return { status: 200, body: typeof body === 'string' ? body : JSON.stringify(body) };
  } catch (error) {
    if (error instanceof ApiException) {
      const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body ?? '');
      // The proxy's own failures (no endpoints, no such pod, dial errors) come back as a Kubernetes Status, not the app's answer.
      const status = /"kind"\s*:\s*"Status"/.test(body) ? undefined : error.code;
      return { status, body };
    }
    throw error;
  }
}

/** One port of a Service and the ready pods behind it. */
export interface ServicePortBackends {
  name?: string;
  port: number;
  nodePort?: number;
  /** Ready endpoints as address:port, from the Service's EndpointSlices (the port is the resolved targetPort). */
  ready: string[];
}

/**
 * A Service and, per port, the ready endpoints behind it, so a check can say "port 6379 leads to a ready pod on
 * 6379" however the learner wrote the targetPort (a number, or a container port's name).
 */
export async function serviceBackends(cluster: CheckContext, name: string, namespace = 'default'): Promise<{ service: V1Service | null; ports: ServicePortBackends[] }> {
  const service = await getOrNull(() => cluster.core.readNamespacedService({ name, namespace }));
  if (!service) return { service, ports: [] };
  const discovery = cluster.kubeConfig.makeApiClient(DiscoveryV1Api);
  const slices = (await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${name}` })).items;
  const ports = (service.spec?.ports ?? []).map((port) => {
    const ready: string[] = [];
    for (const slice of slices) {
      const target = slice.ports?.find((p) => (p.name ?? '') === (port.name ?? ''));
      if (target?.port === undefined) continue;
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready === false) continue;
        for (const address of endpoint.addresses) ready.push(`${address}:${target.port}`);
      }
    }
    return { name: port.name, port: port.port, nodePort: port.nodePort, ready };
  });
  return { service, ports };
}

function shorten(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const formatData = (data: Record<string, string>) =>
  Object.entries(data)
    .map(([key, value]) => `${key}=${shorten(value, 60)}`)
    .join(', ') || 'no keys';

/**
 * Criterion builders for configuration, in the style of `pod`: each states one fact and fills in the id,
 * description, expected, actual and a default hint. Pass `{ id, description, hint }` for the exercise's words.
 *
 *   const env = environmentOf(container, await readReferencedObjects(cluster, spec));
 *   return [config.envFrom(env, { DB_PASSWORD: { secret: 'db-secret', key: 'password' } })];
 */
export const config = {
  readConfigMap,
  readSecret,
  readReferencedObjects,

  /** The ConfigMap holds these keys with these values (other keys may be there too). Id "configmap". */
  configMapData<const Id extends string = 'configmap'>(
    target: V1ConfigMap | null,
    name: string,
    expected: Record<string, string>,
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const data = target?.data ?? {};
    return buildCriterion(
      {
        id: 'configmap',
        description: `The ConfigMap \`${name}\` holds ${Object.entries(expected).map(([key, value]) => `\`${key}=${value}\``).join(' and ')}`,
        hint: `\`kubectl get configmap ${name} -o yaml\` shows its keys. \`kubectl create configmap ${name} --from-literal=KEY=value\` makes one; key names are case-sensitive.`,
      },
      options,
      {
        passed: target !== null && Object.entries(expected).every(([key, value]) => data[key] === value),
        expected: formatData(expected),
        actual: target ? formatData(data) : `no ConfigMap named \`${name}\``,
      },
    );
  },

  /** The ConfigMap has these keys, whatever their values. Id "configmap-keys". */
  configMapKeys<const Id extends string = 'configmap-keys'>(
    target: V1ConfigMap | null,
    name: string,
    keys: readonly string[],
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const have = Object.keys(target?.data ?? {});
    return buildCriterion(
      {
        id: 'configmap-keys',
        description: `The ConfigMap \`${name}\` has the keys ${keys.map((k) => `\`${k}\``).join(' and ')}`,
        hint: `\`kubectl get configmap ${name} -o yaml\` shows its keys; key names are case-sensitive.`,
      },
      options,
      {
        passed: target !== null && keys.every((key) => have.includes(key)),
        expected: keys.join(', '),
        actual: target ? have.join(', ') || 'no keys' : `no ConfigMap named \`${name}\``,
      },
    );
  },

  /**
   * The Secret's key decodes to `value` exactly, or to any non-empty text when `value` is omitted. The actual
   * names the usual slips: a trailing newline (`echo` without `-n`) and a value encoded twice. Id "secret".
   */
  secretValue<const Id extends string = 'secret'>(
    target: V1Secret | null,
    name: string,
    key: string,
    value?: string,
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const found = secretText(target, key);
    const keys = Object.keys(target?.data ?? {});
    let actual: string;
    if (!target) actual = `no Secret named \`${name}\``;
    else if (found === undefined) actual = `no key \`${key}\` (keys: ${keys.join(', ') || 'none'})`;
    else if (value !== undefined && found === `${value}\n`) actual = `\`${key}\` decodes to the value followed by a newline (encoded with \`echo\` without \`-n\`?)`;
    else if (value !== undefined && found === Buffer.from(value).toString('base64')) actual = `\`${key}\` decodes to the base64 of the value: it was encoded twice`;
    else actual = found === '' ? `\`${key}\` is empty` : `\`${key}\` decodes to \`${shorten(found, 60)}\``;
    return buildCriterion(
      {
        id: 'secret',
        description: value === undefined ? `The Secret \`${name}\` holds a non-empty \`${key}\`` : `The Secret \`${name}\` holds \`${key}\` = \`${value}\``,
        hint: `\`kubectl create secret generic ${name} --from-literal=${key}=…\` encodes the value for you. In a manifest, \`data:\` wants base64 (\`echo -n value | base64\`), \`stringData:\` plain text.`,
      },
      options,
      {
        passed: found !== undefined && (value === undefined ? found !== '' : found === value),
        expected: value === undefined ? `a non-empty \`${key}\`` : `\`${key}\` = \`${value}\``,
        actual,
      },
    );
  },

  /** Each environment variable comes from the ConfigMap or Secret key named for it (environmentOf). Id "env-source". */
  envFrom<const Id extends string = 'env-source'>(
    env: Map<string, ConfigOrigin>,
    wanted: Record<string, WantedOrigin>,
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const entries = Object.entries(wanted);
    const wrong = entries.filter(([name, want]) => !matches(env.get(name), want));
    return buildCriterion(
      {
        id: 'env-source',
        description: entries.map(([name, want]) => `\`${name}\` comes from ${describeWanted(want)}`).join('; '),
        hint: 'Use `valueFrom.configMapKeyRef` / `valueFrom.secretKeyRef` under `env`, or `envFrom` for every key at once; `kubectl get pod <name> -o yaml` shows what the container has.',
      },
      options,
      {
        passed: wrong.length === 0,
        expected: entries.map(([name, want]) => `${name} from ${describeWanted(want)}`).join('; '),
        actual: (wrong.length ? wrong : entries).map(([name]) => `${name}: ${describeOrigin(env.get(name))}`).join('; '),
      },
    );
  },

  /** The file at `path` in the container is the ConfigMap or Secret key `wanted` (fileOrigin). Id "file". */
  file<const Id extends string = 'file'>(
    pod: V1Pod | null,
    container: V1Container | undefined,
    path: string,
    wanted: WantedOrigin,
    objects: ReferencedObjects,
    options: CriterionOptions<Id> = {},
  ): Criterion<Id> {
    const origin = fileOrigin(pod?.spec, container, path, objects);
    const mounts = (container?.volumeMounts ?? []).map((m) => `${m.name} at ${m.mountPath}${m.subPath ? ` (subPath ${m.subPath})` : ''}`);
    return buildCriterion(
      {
        id: 'file',
        description: `The file \`${path}\` in the container is ${describeWanted(wanted)}, mounted from a volume`,
        hint: `Add a \`${'configMap' in wanted ? 'configMap' : 'secret'}\` volume under \`spec.volumes\` and a \`volumeMounts\` entry in the container: each key becomes a file in the mount's folder.`,
      },
      options,
      {
        passed: matches(origin, wanted),
        expected: `${path} from ${describeWanted(wanted)}`,
        actual: !pod ? 'no pod' : origin ? `${path} comes from ${describeOrigin(origin)}` : `nothing mounted puts a file at ${path} (mounts: ${mounts.join('; ') || 'none'})`,
      },
    );
  },

  /** The kubelab/web app's GET /api/v1/db answered `{"database":"reachable"}`. Id "reachable". */
  databaseReachable<const Id extends string = 'reachable'>(answer: ServiceAnswer, options: CriterionOptions<Id> = {}): Criterion<Id> {
    let parsed: { database?: string; error?: string } = {};
    try {
      parsed = JSON.parse(answer.body) as typeof parsed;
    } catch {
      // Not the app's JSON: the proxy's own error, shown as it came.
    }
    const actual =
      answer.status === undefined
        ? `no answer from the app: ${shorten(answer.body)}`
        : parsed.database
          ? `HTTP ${answer.status}: ${parsed.database}${parsed.error ? ` (${shorten(parsed.error)})` : ''}`
          : `HTTP ${answer.status}: ${shorten(answer.body)}`;
    return buildCriterion(
      {
        id: 'reachable',
        description: 'The web app reaches the database: `/api/v1/db` answers `{"database":"reachable"}`',
        hint: 'Ask the app yourself: `curl http://<node>:30100/api/v1/db`. Its error says what failed: no address, a refused connection or a refused password.',
      },
      options,
      { passed: answer.status === 200 && parsed.database === 'reachable', expected: 'HTTP 200: reachable', actual },
    );
  },
};
