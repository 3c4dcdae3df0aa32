import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { KubelabError } from '@kubelab/kit/errors';
import { defaultDataDir, repoRoot } from '@kubelab/kit/paths';
import { newToken } from './sessions/ids.ts';
import { learnerMemoryMiB } from './providers/workshop.ts';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Who a lab server is for. `self-paced`: one learner on their own machine (the server listens on loopback).
 * `workshop`: a host serving a room (the server listens on an address other machines reach). Components that
 * treat the two differently (cluster rights, lessons that need node access) read `config.profile`.
 */
export const serverProfiles = ['self-paced', 'workshop'] as const;
export type ServerProfile = (typeof serverProfiles)[number];

/** A host name or address, with an optional port: lab.example.org, 10.0.0.5:8443, [fd00::1]:4321. */
const HOST_AND_PORT = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?$';
/** What may go unencoded in a URL's query, so the printed launch link is the token as it is. */
const LAUNCH_TOKEN = '^[A-Za-z0-9_~.-]{16,256}$';

export { defaultDataDir };

/** Whether `host` (a HOST setting) is a loopback address or name: only this machine can reach it. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return /^::ffff:127\./.test(bare);
}

/**
 * The lab-runner's configuration as the environment variables that set it, each with its default, so
 * `node lab-runner/server.ts` works with no configuration at all. The data directory's default follows
 * XDG_DATA_HOME, hence a schema per environment.
 */
export function environmentSchema(env: NodeJS.ProcessEnv = process.env) {
  return Type.Object({
    /** TCP port to listen on. */
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 4321 }),
    /**
     * Address to listen on. 127.0.0.1 keeps a local lab private; an address other machines reach (0.0.0.0 for a
     * workshop server) needs TLS (KUBELAB_TLS_CERT/KEY or `npx kubelab tls`), or KUBELAB_INSECURE.
     */
    HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
    /** `self-paced` or `workshop`; unset, `self-paced` when HOST is a loopback address, else `workshop`. */
    KUBELAB_PROFILE: Type.Optional(Type.Enum(serverProfiles)),
    /**
     * The name (and port, if not the one the server listens on) learners reach a workshop server by, e.g.
     * lab.example.org or 10.0.0.5:4321. Requests for any other name than this and the loopback names are refused
     * (421 E_BAD_HOST): a DNS-rebinding page's requests carry its own name.
     */
    KUBELAB_PUBLIC_HOST: Type.Optional(Type.String({ pattern: HOST_AND_PORT, maxLength: 260 })),
    /**
     * The launch token a browser needs to start labs (the link the server prints carries it). Unset, a random one
     * is made at each start; set it for tests and scripted setups.
     */
    KUBELAB_LAUNCH_TOKEN: Type.Optional(Type.String({ pattern: LAUNCH_TOKEN })),
    /** PEM certificate for HTTPS (and wss); with KUBELAB_TLS_KEY. */
    KUBELAB_TLS_CERT: Type.Optional(Type.String({ minLength: 1 })),
    /** PEM private key of KUBELAB_TLS_CERT. */
    KUBELAB_TLS_KEY: Type.Optional(Type.String({ minLength: 1 })),
    /** Listen on a non-loopback address without TLS (a network you trust); the server warns loudly. Also --insecure. */
    KUBELAB_INSECURE: Type.Boolean({ default: false }),
    /**
     * A lab's whole lifetime, in minutes, before it ends (with a warning first, and an extension on request); 0
     * for none. Unset: 240 for a workshop, none for self-paced.
     */
    KUBELAB_SESSION_TTL_MINUTES: Type.Optional(Type.Integer({ minimum: 0, maximum: 10080 })),
    /** Minutes without terminal input or API use after which a lab ends and frees its cluster; 0 for never. Unset: 60 for a workshop, never for self-paced. */
    KUBELAB_IDLE_MINUTES: Type.Optional(Type.Integer({ minimum: 0, maximum: 10080 })),
    /** Memory limit of each node container, in MiB; 0 for none. Unset: 4096 for a workshop (a node's own 1024 plus a learner namespace's quota), none for self-paced. */
    KUBELAB_NODE_MEMORY_MIB: Type.Optional(Type.Integer({ minimum: 0, maximum: 1048576 })),
    /** CPU limit of each node container, in CPUs (1.5 = one and a half); 0 for none. Unset: 1.5 for a workshop, none for self-paced. */
    KUBELAB_NODE_CPUS: Type.Optional(Type.Number({ minimum: 0, maximum: 1024 })),
    /** Process limit of each node container; 0 for none. Unset: 4096 for a workshop, none for self-paced. */
    KUBELAB_NODE_PIDS: Type.Optional(Type.Integer({ minimum: 0, maximum: 4194304 })),
    /** How many learner sessions may hold a cluster at once. */
    KUBELAB_MAX_SESSIONS: Type.Integer({ minimum: 0, maximum: 1000, default: 2 }),
    /** Warm single-node clusters kept ready for the next learner. */
    KUBELAB_POOL_SIZE: Type.Integer({ minimum: 0, maximum: 100, default: 0 }),
    /** Where the session database (and the lock that keeps it to one server) lives. */
    KUBELAB_DATA_DIR: Type.String({ minLength: 1, default: defaultDataDir(env) }),
    /** The built course site, served at / when it exists. */
    KUBELAB_SITE_DIR: Type.String({ minLength: 1, default: join(repoRoot, 'site', 'dist') }),
    /** pino log level. */
    KUBELAB_LOG_LEVEL: Type.Enum(logLevels, { default: 'info' }),
  });
}

type Environment = Static<ReturnType<typeof environmentSchema>>;

/** Each field of the configuration, and the variable behind it. */
const variables = {
  port: 'PORT',
  host: 'HOST',
  profile: 'KUBELAB_PROFILE',
  publicHost: 'KUBELAB_PUBLIC_HOST',
  launchToken: 'KUBELAB_LAUNCH_TOKEN',
  tlsCert: 'KUBELAB_TLS_CERT',
  tlsKey: 'KUBELAB_TLS_KEY',
  insecure: 'KUBELAB_INSECURE',
  sessionTtlMinutes: 'KUBELAB_SESSION_TTL_MINUTES',
  idleMinutes: 'KUBELAB_IDLE_MINUTES',
  nodeMemoryMiB: 'KUBELAB_NODE_MEMORY_MIB',
  nodeCpus: 'KUBELAB_NODE_CPUS',
  nodePids: 'KUBELAB_NODE_PIDS',
  maxSessions: 'KUBELAB_MAX_SESSIONS',
  poolSize: 'KUBELAB_POOL_SIZE',
  dataDir: 'KUBELAB_DATA_DIR',
  siteDir: 'KUBELAB_SITE_DIR',
  logLevel: 'KUBELAB_LOG_LEVEL',
} as const satisfies Record<string, keyof Environment>;

type Variables = { -readonly [Field in keyof typeof variables]: Environment[(typeof variables)[Field]] };

/** What a node needs for itself beside the learner's pods: the control plane, kubelet, containerd, the add-ons, and their page cache. */
export const nodeOwnMemoryMiB = 1024;

/**
 * A workshop node's memory: its own share plus everything one learner namespace may hold (the ResourceQuota's
 * limits.memory). A smaller node lets pods that are each within their limits fill it together: the kernel then
 * reclaims the node's page cache (the API server's and etcd's files) instead of killing the one pod over its limit,
 * and the re-reads from disk slow every other lab on the host (measured with 2048: another learner's echo p95 up to
 * 79 ms under a memory hog; noisy-neighbour.integration.test.ts).
 */
export const workshopNodeMemoryMiB = nodeOwnMemoryMiB + learnerMemoryMiB;

/** What a profile implies when the variable is unset: a workshop bounds every lab; a learner's own machine does not. */
export const profileDefaults = {
  'self-paced': { sessionTtlMinutes: 0, idleMinutes: 0, nodeMemoryMiB: 0, nodeCpus: 0, nodePids: 0 },
  workshop: { sessionTtlMinutes: 240, idleMinutes: 60, nodeMemoryMiB: workshopNodeMemoryMiB, nodeCpus: 1.5, nodePids: 4096 },
} as const satisfies Record<ServerProfile, Record<string, number>>;

type Settled = keyof (typeof profileDefaults)['workshop'] | 'profile' | 'launchToken';

/** The configuration; the profile, the launch token and the profile's limits are always settled. */
export type Config = Omit<Variables, Settled> & { profile: ServerProfile; launchToken: string } & { [Field in keyof (typeof profileDefaults)['workshop']]: number };

/** Why a value is invalid, where the schema's own words would not help. */
const expected: Partial<Record<keyof Environment, string>> = {
  KUBELAB_LOG_LEVEL: `expected one of ${logLevels.join(', ')}`,
  KUBELAB_PROFILE: `expected one of ${serverProfiles.join(', ')}`,
  KUBELAB_PUBLIC_HOST: 'expected a host name or address, with an optional :port (lab.example.org, 10.0.0.5:4321)',
  KUBELAB_LAUNCH_TOKEN: 'expected 16 to 256 characters among A-Z a-z 0-9 - _ . ~',
  KUBELAB_INSECURE: 'expected 1, 0, true or false',
};

/**
 * Builds the configuration from the defaults, then the environment (an empty variable counts as unset), then
 * `overrides` (for tests and embedders). Throws E_BAD_CONFIG naming the variable when a value is invalid.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const schema = environmentSchema(env);
  const given: Record<string, unknown> = {};
  for (const name of Object.values(variables)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    // Convert would truncate 2.5 to 2 and read 1e3 as 1000: a number of things is written in digits.
    if (property(schema, name).type === 'integer' && !/^\s*\d+\s*$/.test(raw)) throw invalid(schema, name, raw, 'expected a whole number');
    given[name] = raw;
  }
  for (const [field, value] of Object.entries(overrides)) {
    if (value !== undefined) given[variables[field as keyof Config]] = value;
  }
  const values = Value.Convert(schema, Value.Default(schema, given)) as Record<string, unknown>;
  const [error] = Value.Errors(schema, values);
  if (error) {
    const name = error.instancePath.split('/')[1] as keyof Environment;
    throw invalid(schema, name, values[name], expected[name] ?? error.message);
  }
  const read = Object.fromEntries(Object.entries(variables).map(([field, name]) => [field, values[name]])) as Variables;
  if (Boolean(read.tlsCert) !== Boolean(read.tlsKey)) {
    throw new KubelabError('E_BAD_CONFIG', `KUBELAB_TLS_CERT and KUBELAB_TLS_KEY go together, and only ${read.tlsCert ? 'KUBELAB_TLS_CERT' : 'KUBELAB_TLS_KEY'} is set`, {
      hint: 'Set both (a PEM certificate and its private key), or neither.',
    });
  }
  const profile = read.profile ?? (isLoopbackHost(read.host) ? 'self-paced' : 'workshop');
  const limits = profileDefaults[profile];
  return {
    ...read,
    ...(read.publicHost ? { publicHost: read.publicHost.toLowerCase() } : {}),
    profile,
    launchToken: read.launchToken ?? newToken(),
    sessionTtlMinutes: read.sessionTtlMinutes ?? limits.sessionTtlMinutes,
    idleMinutes: read.idleMinutes ?? limits.idleMinutes,
    nodeMemoryMiB: read.nodeMemoryMiB ?? limits.nodeMemoryMiB,
    nodeCpus: read.nodeCpus ?? limits.nodeCpus,
    nodePids: read.nodePids ?? limits.nodePids,
  };
}

const property = (schema: ReturnType<typeof environmentSchema>, name: keyof Environment): { type?: unknown; default?: unknown } =>
  schema.properties[name] as { type?: unknown; default?: unknown };

function invalid(schema: ReturnType<typeof environmentSchema>, name: keyof Environment, value: unknown, why: string): KubelabError {
  const fallback = property(schema, name).default;
  // A secret is named, never shown.
  const shown = name === 'KUBELAB_LAUNCH_TOKEN' ? ' (value not shown)' : `=${JSON.stringify(value)}`;
  return new KubelabError('E_BAD_CONFIG', `invalid ${name}${shown}: ${why}`, {
    hint: `Fix or unset ${name}` + (fallback === undefined ? '.' : ` (unset, it defaults to ${JSON.stringify(fallback)}).`),
  });
}

export const siteIsBuilt = (config: Config): boolean => existsSync(join(config.siteDir, 'index.html'));
