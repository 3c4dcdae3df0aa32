import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Type, TypeBoxValidatorCompiler, type Static } from '@fastify/type-provider-typebox';
import type { FastifySchemaValidationError } from 'fastify';
import { KubelabError } from '@kubelab/kit/errors';
import { repoRoot } from '@kubelab/kit/paths';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * The lab-runner's configuration. Every field has a default, so `node lab-runner/server.ts` works with no
 * configuration at all; each can be set from one environment variable (see `envVariables`).
 */
export const configSchema = Type.Object({
  /** TCP port to listen on (PORT). */
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 4321 }),
  /** Address to listen on (HOST). 127.0.0.1 keeps a local lab private; use 0.0.0.0 for a workshop server. */
  host: Type.String({ minLength: 1, default: '127.0.0.1' }),
  /** How many learner sessions may hold a cluster at once (KUBELAB_MAX_SESSIONS). */
  maxSessions: Type.Integer({ minimum: 0, maximum: 1000, default: 2 }),
  /** Warm single-node clusters kept ready for the next learner (KUBELAB_POOL_SIZE). */
  poolSize: Type.Integer({ minimum: 0, maximum: 100, default: 0 }),
  /** Where the session database lives (KUBELAB_DATA_DIR). */
  dataDir: Type.String({ minLength: 1 }),
  /** The built course site, served at / when it exists (KUBELAB_SITE_DIR). */
  siteDir: Type.String({ minLength: 1 }),
  /** pino log level (KUBELAB_LOG_LEVEL). */
  logLevel: Type.Union(
    [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
    { default: 'info' },
  ),
});

export type Config = Static<typeof configSchema>;

/** The environment variable behind each field, and how to read it. */
const envVariables: Record<keyof Config, { name: string; kind: 'integer' | 'string' }> = {
  port: { name: 'PORT', kind: 'integer' },
  host: { name: 'HOST', kind: 'string' },
  maxSessions: { name: 'KUBELAB_MAX_SESSIONS', kind: 'integer' },
  poolSize: { name: 'KUBELAB_POOL_SIZE', kind: 'integer' },
  dataDir: { name: 'KUBELAB_DATA_DIR', kind: 'string' },
  siteDir: { name: 'KUBELAB_SITE_DIR', kind: 'string' },
  logLevel: { name: 'KUBELAB_LOG_LEVEL', kind: 'string' },
};

/** The same TypeBox validator the routes use, applied to the whole configuration object. */
const validateConfig = TypeBoxValidatorCompiler({ schema: configSchema, method: 'GET', url: '/', httpPart: 'body' }) as (
  value: unknown,
) => { value?: unknown; error?: FastifySchemaValidationError[] };

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'kubelab');
}

export function defaultConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: 4321,
    host: '127.0.0.1',
    maxSessions: 2,
    poolSize: 0,
    dataDir: defaultDataDir(env),
    siteDir: join(repoRoot, 'site', 'dist'),
    logLevel: 'info',
  };
}

function invalid(field: keyof Config, value: unknown, why: string): KubelabError {
  const variable = envVariables[field].name;
  return new KubelabError('E_BAD_CONFIG', `invalid ${variable}=${JSON.stringify(value)}: ${why}`, {
    hint: `Fix or unset ${variable} (unset, it defaults to ${JSON.stringify(defaultConfig()[field])}).`,
  });
}

/**
 * Builds the configuration from the defaults, then the environment, then `overrides` (for tests and embedders).
 * Throws a KubelabError (E_BAD_CONFIG) naming the variable when a value is invalid.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const config: Record<string, unknown> = { ...defaultConfig(env) };
  for (const [field, { name, kind }] of Object.entries(envVariables) as [keyof Config, (typeof envVariables)[keyof Config]][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (kind === 'integer') {
      if (!/^\s*\d+\s*$/.test(raw)) throw invalid(field, raw, 'expected a whole number');
      config[field] = Number(raw);
    } else {
      config[field] = raw;
    }
  }
  Object.assign(config, overrides);
  const { error } = validateConfig(config);
  if (error) {
    const [first] = error;
    const field = (first?.instancePath.split('/')[1] ?? 'port') as keyof Config;
    throw invalid(field, config[field], field === 'logLevel' ? `expected one of ${logLevels.join(', ')}` : (first?.message ?? 'invalid value'));
  }
  return config as Config;
}

export const siteIsBuilt = (config: Config): boolean => existsSync(join(config.siteDir, 'index.html'));
