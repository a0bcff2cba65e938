/**
 * crypto.* digests and HMACs over the UTF-8 bytes of strings, hex-encoded as OPA does.
 * crypto.x509.* are not provided: OPA returns Go's x509.Certificate structure
 * serialised to JSON, which node:crypto's X509Certificate cannot reproduce faithfully.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { BuiltinDef } from './contract.js';
import { str } from './args.js';

function digest(name: string, algorithm: string): BuiltinDef {
  return {
    name,
    args: ['string'],
    fn: (args) => createHash(algorithm).update(str(name, args, 0), 'utf8').digest('hex'),
  };
}

function hmac(name: string, algorithm: string): BuiltinDef {
  return {
    name,
    args: ['string', 'string'],
    fn: (args) => {
      const message = str(name, args, 0);
      const key = str(name, args, 1);
      return createHmac(algorithm, Buffer.from(key, 'utf8')).update(message, 'utf8').digest('hex');
    },
  };
}

/** Constant-time comparison (Go's hmac.Equal): differing lengths are simply unequal. */
function macEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export const builtins: BuiltinDef[] = [
  digest('crypto.md5', 'md5'),
  digest('crypto.sha1', 'sha1'),
  digest('crypto.sha256', 'sha256'),
  hmac('crypto.hmac.md5', 'md5'),
  hmac('crypto.hmac.sha1', 'sha1'),
  hmac('crypto.hmac.sha256', 'sha256'),
  hmac('crypto.hmac.sha512', 'sha512'),
  {
    name: 'crypto.hmac.equal',
    args: ['string', 'string'],
    fn: (args) => macEqual(str('crypto.hmac.equal', args, 0), str('crypto.hmac.equal', args, 1)),
  },
];
