/**
 * io.jwt.* builtins (JWS compact tokens) on node:crypto, following OPA's
 * topdown/tokens.go: decode, verify_* (PEM certificate, PEM public key, JWK or
 * JWKS), decode_verify with its constraints, and encode_sign(_raw) with JWK keys.
 */
import {
  constants, createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, X509Certificate,
  type JsonWebKey, type KeyObject,
} from 'node:crypto';
import type { BuiltinDef } from './contract.js';
import { builtinError, obj, str, typeError } from './args.js';
import { base64UrlDecode } from './encoding.js';
import { parseJSON, RObject, stringifyJSON, type Value } from '../value.js';

const b64url = (b: Buffer): string => b.toString('base64url');

// ---------------------------------------------------------------------------
// Algorithms

type Family = 'HS' | 'RS' | 'PS' | 'ES';
interface Alg { family: Family; hash: 'sha256' | 'sha384' | 'sha512' }

const ALGS: ReadonlyMap<string, Alg> = new Map(
  (['HS', 'RS', 'PS', 'ES'] as const).flatMap((family) =>
    ([['256', 'sha256'], ['384', 'sha384'], ['512', 'sha512']] as const).map(([bits, hash]) => [family + bits, { family, hash }] as const)),
);

/** Verifies `signature` over `data` with a public key; a key of the wrong type never verifies. */
function verifyWith(alg: Alg, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  const type = key.asymmetricKeyType;
  try {
    switch (alg.family) {
      case 'RS':
        return type === 'rsa' && verify(alg.hash, data, key, signature);
      case 'PS':
        return (type === 'rsa' || type === 'rsa-pss') &&
          verify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
      case 'ES':
        return type === 'ec' && verify(alg.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

function hmacEqual(alg: Alg, secret: Buffer, data: Buffer, signature: Buffer): boolean {
  const mac = createHmac(alg.hash, secret).update(data).digest();
  return mac.length === signature.length && timingSafeEqual(mac, signature);
}

// ---------------------------------------------------------------------------
// Tokens

interface Token { header: string; payload: string; signature: string }

function splitToken(fn: string, v: Value): Token {
  if (typeof v !== 'string') throw typeError(fn, 0, 'string', v);
  if (!v.includes('.')) throw builtinError(fn, 'encoded JWT had no period separators');
  const parts = v.split('.');
  if (parts.length !== 3) throw builtinError(fn, `encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0], payload: parts[1], signature: parts[2] };
}

function decodePart(fn: string, part: string, what?: string): Buffer {
  try {
    return Buffer.from(base64UrlDecode(part));
  } catch (e) {
    const msg = (e as Error).message;
    throw builtinError(fn, what ? `JWT ${what} had invalid encoding: ${msg}` : msg);
  }
}

function jsonObject(fn: string, bytes: Buffer, context?: string): RObject {
  let v: Value;
  try {
    v = parseJSON(bytes.toString('utf8'));
  } catch (e) {
    throw builtinError(fn, context ? `${context}: ${(e as Error).message}` : (e as Error).message);
  }
  if (!(v instanceof RObject)) throw builtinError(fn, context ? `${context}: failed to extract JSON object` : 'failed to extract JSON object');
  return v;
}

function decodeHeader(fn: string, t: Token): RObject {
  const header = jsonObject(fn, decodePart(fn, t.header, 'header'), 'bad JWT header');
  // JWE tokens (RFC 7516 section 9) are not supported.
  if (header.has('enc')) throw builtinError(fn, 'JWT is a JWE object, which is not supported');
  return header;
}

const headerString = (h: RObject, key: string): string => {
  const v = h.get(key);
  return typeof v === 'string' ? v : '';
};

const signedData = (t: Token): Buffer => Buffer.from(`${t.header}.${t.payload}`, 'utf8');

function jwtDecode(fn: string, v: Value): Value {
  const t = splitToken(fn, v);
  const header = decodeHeader(fn, t);
  const payload = decodePart(fn, t.payload, 'payload');
  if (headerString(header, 'cty') === 'JWT') {
    // A nested token may come quoted (as jwt.io writes it).
    return jwtDecode(fn, payload.toString('utf8').replace(/^["']+|["']+$/g, ''));
  }
  const claims = jsonObject(fn, payload);
  const signature = decodePart(fn, t.signature, 'signature');
  return [header, claims, signature.toString('hex')];
}

// ---------------------------------------------------------------------------
// Verification keys

interface VerificationKey { key: KeyObject; alg: string; kid: string }

const PEM_BLOCK = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----[^\n]*\n?/;

/** OPA's getKeysFromCertOrJWK: a PEM certificate or public key, or a JWK / JWK set. */
function keysFromCertOrJWK(fn: string, text: string): VerificationKey[] {
  const block = PEM_BLOCK.exec(text);
  if (block) {
    if (text.slice(block[0].length).length > 0) throw builtinError(fn, 'extra data after a PEM certificate block');
    if (block[1] === 'CERTIFICATE') {
      try {
        return [{ key: new X509Certificate(block[0]).publicKey, alg: '', kid: '' }];
      } catch (e) {
        throw builtinError(fn, `failed to parse a PEM certificate: ${(e as Error).message}`);
      }
    }
    if (block[1] === 'PUBLIC KEY') {
      try {
        return [{ key: createPublicKey(block[0]), alg: '', kid: '' }];
      } catch (e) {
        throw builtinError(fn, `failed to parse a PEM public key: ${(e as Error).message}`);
      }
    }
    throw builtinError(fn, 'failed to extract a Key from the PEM certificate');
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch (e) {
    throw builtinError(fn, `failed to parse a JWK key (set): ${(e as Error).message}`);
  }
  const list = isRecord(jwks) && Array.isArray(jwks.keys) ? (jwks.keys as unknown[]) : [jwks];
  return list.map((jwk) => {
    if (!isRecord(jwk)) throw builtinError(fn, 'failed to parse a JWK key (set): invalid key');
    try {
      return { key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), alg: stringField(jwk, 'alg'), kid: stringField(jwk, 'kid') };
    } catch (e) {
      throw builtinError(fn, `failed to parse a JWK key (set): ${(e as Error).message}`);
    }
  });
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const stringField = (o: Record<string, unknown>, k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');

/** A key whose `kid` matches is the only one tried; otherwise every key compatible with `alg`. */
function verifyWithKeys(alg: Alg, algName: string, kid: string, keys: VerificationKey[], data: Buffer, signature: Buffer): boolean {
  if (kid !== '') {
    const byKid = keys.find((k) => k.kid === kid);
    if (byKid) return verifyWith(alg, byKid.key, data, signature);
  }
  return keys.some((k) => (k.alg === '' || k.alg === algName) && verifyWith(alg, k.key, data, signature));
}

function verifyAsymmetric(name: string, algName: string): BuiltinDef {
  const alg = ALGS.get(algName)!;
  return {
    name,
    args: ['string', 'string'],
    fn: (args) => {
      const t = splitToken(name, args[0]);
      const keys = keysFromCertOrJWK(name, str(name, args, 1));
      const signature = decodePart(name, t.signature);
      const header = decodeHeader(name, t);
      return verifyWithKeys(alg, algName, headerString(header, 'kid'), keys, signedData(t), signature);
    },
  };
}

function verifyHMAC(name: string, algName: string): BuiltinDef {
  const alg = ALGS.get(algName)!;
  return {
    name,
    args: ['string', 'string'],
    fn: (args) => {
      const t = splitToken(name, args[0]);
      const secret = str(name, args, 1);
      const signature = decodePart(name, t.signature);
      return hmacEqual(alg, Buffer.from(secret, 'utf8'), signedData(t), signature);
    },
  };
}

// ---------------------------------------------------------------------------
// decode_verify

interface Constraints { keys?: VerificationKey[]; secret?: string; alg?: string; iss?: string; aud?: string; timeSec: number; unknown: boolean }

function parseConstraints(fn: string, o: RObject, nowNs: bigint): Constraints {
  const c: Constraints = { timeSec: Number(nowNs) / 1e9, unknown: false };
  const asString = (k: string, v: Value): string => {
    if (typeof v !== 'string') throw builtinError(fn, `${k} constraint: must be a string`);
    return v;
  };
  for (const [k, v] of o) {
    switch (k) {
      case 'cert': c.keys = keysFromCertOrJWK(fn, asString(k, v)); break;
      case 'secret': c.secret = asString(k, v); break;
      case 'alg': c.alg = asString(k, v); break;
      case 'iss': c.iss = asString(k, v); break;
      case 'aud': c.aud = asString(k, v); break;
      case 'time':
        if (typeof v !== 'number' && typeof v !== 'bigint') throw builtinError(fn, 'time constraint: must be a number');
        c.timeSec = Number(v) / 1e9;
        break;
      default:
        // OPA: a token checked against a constraint it does not know is not valid.
        c.unknown = true;
    }
  }
  const keyConstraints = (c.keys ? 1 : 0) + (c.secret !== undefined && c.secret !== '' ? 1 : 0);
  if (keyConstraints > 1) throw builtinError(fn, 'duplicate key constraints');
  if (keyConstraints < 1) throw builtinError(fn, 'no key constraint');
  return c;
}

function validAudience(aud: Value, want: string | undefined): boolean {
  if (typeof aud === 'string') return aud === want;
  return Array.isArray(aud) && aud.some((x) => typeof x === 'string' && x === want);
}

function decodeVerify(fn: string, tokenValue: Value, constraintsValue: RObject, nowNs: bigint): Value {
  const unverified: Value = [false, new RObject(), new RObject()];
  const c = parseConstraints(fn, constraintsValue, nowNs);
  if (c.unknown) return unverified;
  let current = tokenValue;
  let header: RObject;
  let payloadBytes: Buffer;
  for (;;) {
    const t = splitToken(fn, current);
    header = decodeHeader(fn, t);
    const algName = headerString(header, 'alg');
    // Critical header extensions (RFC 7515 4.1.11) are not understood, so not accepted.
    if (algName === '' || header.has('crit')) return unverified;
    if (c.alg !== undefined && c.alg !== '' && c.alg !== algName) return unverified;
    const signature = decodePart(fn, t.signature);
    const alg = ALGS.get(algName);
    if (!alg) throw builtinError(fn, `unknown JWS algorithm: ${algName}`);
    const ok = c.keys
      ? verifyWithKeys(alg, algName, headerString(header, 'kid'), c.keys, signedData(t), signature)
      : alg.family === 'HS' && hmacEqual(alg, Buffer.from(c.secret ?? '', 'utf8'), signedData(t), signature);
    if (!ok) return unverified;
    payloadBytes = decodePart(fn, t.payload, 'payload');
    if (headerString(header, 'cty').toUpperCase() !== 'JWT') break;
    current = payloadBytes.toString('utf8');
  }
  const payload = jsonObject(fn, payloadBytes);
  if (c.iss !== undefined && c.iss !== '' && payload.get('iss') !== c.iss) return unverified;
  const aud = payload.get('aud');
  if (aud !== undefined ? !validAudience(aud, c.aud) : c.aud !== undefined && c.aud !== '') return unverified;
  const exp = payload.get('exp');
  if (exp !== undefined) {
    if (typeof exp !== 'number' && typeof exp !== 'bigint') throw builtinError(fn, 'exp value must be a number');
    if (c.timeSec >= Number(exp)) return unverified;
  }
  const nbf = payload.get('nbf');
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' && typeof nbf !== 'bigint') throw builtinError(fn, 'nbf value must be a number');
    if (c.timeSec < Number(nbf)) return unverified;
  }
  return [true, header, payload];
}

// ---------------------------------------------------------------------------
// Signing

function signingKey(fn: string, jwkText: string): { kty: string; secret?: Buffer; key?: KeyObject } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwkText);
  } catch (e) {
    throw builtinError(fn, `failed to parse a JWK key (set): ${(e as Error).message}`);
  }
  const jwk = isRecord(parsed) && Array.isArray(parsed.keys) ? (parsed.keys as unknown[])[0] : parsed;
  if (!isRecord(jwk)) throw builtinError(fn, 'failed to parse a JWK key (set): invalid key');
  const kty = stringField(jwk, 'kty');
  if (kty === 'oct') {
    const k = stringField(jwk, 'k');
    try {
      return { kty, secret: Buffer.from(base64UrlDecode(k)) };
    } catch (e) {
      throw builtinError(fn, `failed to parse a JWK key (set): ${(e as Error).message}`);
    }
  }
  try {
    const input = { key: jwk as JsonWebKey, format: 'jwk' as const };
    return { kty, key: 'd' in jwk ? createPrivateKey(input) : createPublicKey(input) };
  } catch (e) {
    throw builtinError(fn, `failed to parse a JWK key (set): ${(e as Error).message}`);
  }
}

function signToken(fn: string, headers: string, payload: string, jwkText: string): string {
  const key = signingKey(fn, jwkText);
  let header: unknown;
  try {
    header = JSON.parse(headers);
  } catch (e) {
    throw builtinError(fn, (e as Error).message);
  }
  const algName = isRecord(header) ? stringField(header, 'alg') : '';
  const alg = ALGS.get(algName);
  if (!alg) throw builtinError(fn, 'unknown signature algorithm');
  const typ = isRecord(header) ? stringField(header, 'typ') : '';
  if ((typ === '' || typ === 'JWT') && !isValidJSON(payload)) throw builtinError(fn, 'type is JWT but payload is not JSON');
  const data = Buffer.from(`${b64url(Buffer.from(headers, 'utf8'))}.${b64url(Buffer.from(payload, 'utf8'))}`, 'utf8');
  let signature: Buffer;
  if (alg.family === 'HS') {
    if (!key.secret) throw builtinError(fn, `failed to sign payload: ${algName} needs a symmetric (oct) key`);
    signature = createHmac(alg.hash, key.secret).update(data).digest();
  } else {
    const k = key.key;
    const type = alg.family === 'ES' ? 'ec' : 'rsa';
    if (!k || k.type !== 'private' || k.asymmetricKeyType !== type) {
      throw builtinError(fn, `failed to sign payload: ${algName} needs an ${type.toUpperCase()} private key`);
    }
    signature = alg.family === 'RS' ? sign(alg.hash, data, k)
      : alg.family === 'PS' ? sign(alg.hash, data, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })
        : sign(alg.hash, data, { key: k, dsaEncoding: 'ieee-p1363' });
  }
  return `${data.toString('utf8')}.${b64url(signature)}`;
}

function isValidJSON(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------

export const builtins: BuiltinDef[] = [
  { name: 'io.jwt.decode', args: ['string'], fn: (args) => jwtDecode('io.jwt.decode', args[0]) },
  {
    name: 'io.jwt.decode_verify',
    args: ['string', 'object'],
    fn: (args, ctx) => {
      const fn = 'io.jwt.decode_verify';
      return decodeVerify(fn, str(fn, args, 0), obj(fn, args, 1), ctx.nowNs);
    },
  },
  ...['256', '384', '512'].flatMap((bits) => [
    verifyHMAC(`io.jwt.verify_hs${bits}`, `HS${bits}`),
    verifyAsymmetric(`io.jwt.verify_rs${bits}`, `RS${bits}`),
    verifyAsymmetric(`io.jwt.verify_ps${bits}`, `PS${bits}`),
    verifyAsymmetric(`io.jwt.verify_es${bits}`, `ES${bits}`),
  ]),
  {
    name: 'io.jwt.encode_sign',
    args: ['object', 'object', 'object'],
    fn: (args) => {
      const fn = 'io.jwt.encode_sign';
      const [h, p, k] = [obj(fn, args, 0), obj(fn, args, 1), obj(fn, args, 2)];
      return signToken(fn, stringifyJSON(h), stringifyJSON(p), stringifyJSON(k));
    },
  },
  {
    name: 'io.jwt.encode_sign_raw',
    args: ['string', 'string', 'string'],
    fn: (args) => {
      const fn = 'io.jwt.encode_sign_raw';
      return signToken(fn, str(fn, args, 0), str(fn, args, 1), str(fn, args, 2));
    },
  },
];
