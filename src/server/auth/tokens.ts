/**
 * Bearer tokens: `attest_<client id>.<secret>` where the secret is 32 random
 * bytes (256 bits, base64url). Only a salted SHA-256 of the secret is stored.
 * A fast hash is enough here because the secret is random and long: there is
 * no dictionary to try, unlike a password (which is why scrypt is not used
 * on every request).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN = /^attest_([a-z0-9][a-z0-9_-]{0,63})\.([A-Za-z0-9_-]{43})$/;

export interface StoredSecret {
  salt: string;
  hash: string;
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function formatToken(clientId: string, secret: string): string {
  return `attest_${clientId}.${secret}`;
}

/** The client id and secret of a well-formed token; undefined for anything else. */
export function parseToken(token: string): { clientId: string; secret: string } | undefined {
  const m = TOKEN.exec(token);
  return m ? { clientId: m[1], secret: m[2] } : undefined;
}

export function hashSecret(secret: string, salt = randomBytes(16).toString('hex')): StoredSecret {
  return { salt, hash: createHash('sha256').update(salt, 'utf8').update('\u0000').update(secret, 'utf8').digest('hex') };
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, stored: StoredSecret): boolean {
  const got = Buffer.from(hashSecret(secret, stored.salt).hash, 'hex');
  const want = Buffer.from(stored.hash, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** `90d`, `12h`, `30m`, `2w` (or `never`) as milliseconds; undefined for never. */
export function parseDuration(text: string): number | undefined {
  if (text === 'never') return undefined;
  const m = /^(\d+)\s*(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) throw new RangeError(`invalid duration "${text}": use e.g. 90d, 12h, 30m or never`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}
