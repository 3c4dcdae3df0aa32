/**
 * How long a lab may live: a time limit (KUBELAB_SESSION_TTL_MINUTES) counted from its start, with a warning
 * before it and a few extensions on request, and an idle timeout (KUBELAB_IDLE_MINUTES) counted from the learner's
 * last terminal input or API request. A workshop has both (240 and 60 minutes unless set); a self-paced server
 * has neither, and its labs live until the learner ends them. The reaper (plugins/reaper.ts) applies them.
 */
import type { Lifetime } from '../schemas/api.ts';

/** What the clock says, in milliseconds since the epoch; tests give their own. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** The fixed parts of the policy; the limits themselves come from the configuration. */
export const LIFETIME = {
  /** The warning comes this long before the time limit (at most half the limit, for short ones). */
  warnBeforeMinutes: 10,
  /** One extension adds this much (at most the limit itself). */
  extendMinutes: 30,
  /** A lab may be extended this many times: a workshop's 240 minutes become at most 300. */
  maxExtensions: 2,
  /** The last activity is written to the store at most this often (terminal input arrives keystroke by keystroke). */
  persistActivityEveryMs: 60_000,
  /** The reaper's period. */
  reapEveryMs: 60_000,
} as const;

const MINUTE_MS = 60_000;

export interface LifetimePolicy {
  /** The time limit from the start, without extensions; 0 for none. */
  ttlMs: number;
  /** How long without activity ends a lab; 0 for never. */
  idleMs: number;
  warnBeforeMs: number;
  extendMs: number;
  maxExtensions: number;
}

export function lifetimePolicy(limits: { sessionTtlMinutes: number; idleMinutes: number }): LifetimePolicy {
  const ttlMs = limits.sessionTtlMinutes * MINUTE_MS;
  return {
    ttlMs,
    idleMs: limits.idleMinutes * MINUTE_MS,
    warnBeforeMs: Math.min(LIFETIME.warnBeforeMinutes * MINUTE_MS, ttlMs / 2),
    extendMs: Math.min(LIFETIME.extendMinutes * MINUTE_MS, ttlMs),
    maxExtensions: ttlMs > 0 ? LIFETIME.maxExtensions : 0,
  };
}

/** Whether the policy bounds labs at all (a self-paced server's does not). */
export const isBounded = (policy: LifetimePolicy): boolean => policy.ttlMs > 0 || policy.idleMs > 0;

/** What one lab's clock stands at. */
export interface LabTimes {
  createdAt: number;
  lastActivityAt: number;
  extensions: number;
}

/** When the lab reaches its time limit (with its extensions), or undefined when it has none. */
export function expiresAt(policy: LifetimePolicy, times: LabTimes): number | undefined {
  return policy.ttlMs > 0 ? times.createdAt + policy.ttlMs + times.extensions * policy.extendMs : undefined;
}

/** When the lab ends for want of use, if nothing happens before. */
export function idleEndsAt(policy: LifetimePolicy, times: LabTimes): number | undefined {
  return policy.idleMs > 0 ? times.lastActivityAt + policy.idleMs : undefined;
}

/** Why the lab is over at `now`: its time limit, or idleness; undefined while it may go on. */
export function expiryReason(policy: LifetimePolicy, times: LabTimes, now: number): 'ttl' | 'idle' | undefined {
  const limit = expiresAt(policy, times);
  if (limit !== undefined && now >= limit) return 'ttl';
  const idle = idleEndsAt(policy, times);
  if (idle !== undefined && now >= idle) return 'idle';
  return undefined;
}

/** Whether the lab is in the warning window before its time limit. */
export function inWarning(policy: LifetimePolicy, times: LabTimes, now: number): boolean {
  const limit = expiresAt(policy, times);
  return limit !== undefined && now >= limit - policy.warnBeforeMs;
}

/** The lab's lifetime as the API shows it (SessionSummary.lifetime), or undefined for an unbounded lab. */
export function describeLifetime(policy: LifetimePolicy, times: LabTimes, now: number): Lifetime | undefined {
  if (!isBounded(policy)) return undefined;
  const limit = expiresAt(policy, times);
  const idle = idleEndsAt(policy, times);
  return {
    ...(limit !== undefined
      ? {
          expiresAt: new Date(limit).toISOString(),
          expiresInMs: Math.max(0, limit - now),
          warnBeforeMs: policy.warnBeforeMs,
          warning: inWarning(policy, times, now),
          extensionsLeft: Math.max(0, policy.maxExtensions - times.extensions),
          extendMinutes: Math.round(policy.extendMs / MINUTE_MS),
        }
      : {}),
    ...(idle !== undefined ? { idleMinutes: Math.round(policy.idleMs / MINUTE_MS), idleEndsAt: new Date(idle).toISOString() } : {}),
  };
}
