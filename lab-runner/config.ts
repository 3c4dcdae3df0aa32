import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { KubelabError } from '@kubelab/kit/errors';
import { repoRoot } from '@kubelab/kit/paths';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'kubelab');
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
    /** Address to listen on. 127.0.0.1 keeps a local lab private; use 0.0.0.0 for a workshop server. */
    HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
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
  maxSessions: 'KUBELAB_MAX_SESSIONS',
  poolSize: 'KUBELAB_POOL_SIZE',
  dataDir: 'KUBELAB_DATA_DIR',
  siteDir: 'KUBELAB_SITE_DIR',
  logLevel: 'KUBELAB_LOG_LEVEL',
} as const satisfies Record<string, keyof Environment>;

export type Config = { -readonly [Field in keyof typeof variables]: Environment[(typeof variables)[Field]] };

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
    throw invalid(schema, name, values[name], name === 'KUBELAB_LOG_LEVEL' ? `expected one of ${logLevels.join(', ')}` : error.message);
  }
  return Object.fromEntries(Object.entries(variables).map(([field, name]) => [field, values[name]])) as Config;
}

const property = (schema: ReturnType<typeof environmentSchema>, name: keyof Environment): { type?: unknown; default?: unknown } =>
  schema.properties[name] as { type?: unknown; default?: unknown };

function invalid(schema: ReturnType<typeof environmentSchema>, name: keyof Environment, value: unknown, why: string): KubelabError {
  return new KubelabError('E_BAD_CONFIG', `invalid ${name}=${JSON.stringify(value)}: ${why}`, {
    hint: `Fix or unset ${name} (unset, it defaults to ${JSON.stringify(property(schema, name).default)}).`,
  });
}

export const siteIsBuilt = (config: Config): boolean => existsSync(join(config.siteDir, 'index.html'));
