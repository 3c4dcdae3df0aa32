import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A session's secret: 32 random bytes, base64url. Only its hash is stored. */
export const newToken = (): string => randomBytes(32).toString('base64url');

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Compares in constant time, so a wrong token tells nothing about the right one. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const given = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

export const newSessionId = (): string => randomBytes(8).toString('hex');

/** Cluster names: lowercase, short, and telling session clusters (s-) from warm pool ones (pool-) at a glance. */
export const newClusterName = (prefix: 's' | 'pool'): string => `${prefix}-${randomBytes(3).toString('hex')}`;
