/**
 * uuid.rfc4122 (random version 4, stable per argument within a query) and
 * uuid.parse (the fields OPA decodes, via google/uuid's parsing rules).
 */
import { randomBytes } from 'node:crypto';
import { keyOf, normalizeBig, RObject, type Value } from '../value.js';
import type { BuiltinContext, BuiltinDef } from './contract.js';
import { str } from './args.js';

function newV4(): string {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function rfc4122(args: Value[], ctx: BuiltinContext): Value {
  str('uuid.rfc4122', args, 0);
  const key = 'uuid.rfc4122\u0000' + keyOf(args[0]);
  let id = ctx.cache.get(key);
  if (id === undefined) {
    id = newV4();
    ctx.cache.set(key, id);
  }
  return id;
}

/** google/uuid.Parse: 36 chars, or with urn:uuid: prefix, braces, or 32 bare hex digits. */
function parseBytes(s: string): Uint8Array | undefined {
  if (/[^\x00-\x7f]/.test(s)) return undefined; // lengths are in bytes; hex is ASCII anyway
  let hex: string;
  if (s.length === 32) {
    hex = s;
  } else {
    if (s.length === 45) {
      if (s.slice(0, 9).toLowerCase() !== 'urn:uuid:') return undefined;
      s = s.slice(9);
    } else if (s.length === 38) {
      s = s.slice(1, 37); // google/uuid does not check which characters enclose it
    } else if (s.length !== 36) {
      return undefined;
    }
    if (s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') return undefined;
    hex = s.slice(0, 8) + s.slice(9, 13) + s.slice(14, 18) + s.slice(19, 23) + s.slice(24);
  }
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return 'RFC4122';
  if ((b & 0xe0) === 0xc0) return 'Microsoft';
  if ((b & 0xe0) === 0xe0) return 'Future';
  return 'Reserved';
}

function macVariables(b: number): string {
  if ((b & 0b11) === 0b11) return 'local:multicast';
  if ((b & 0b01) === 0b01) return 'global:multicast';
  if ((b & 0b10) === 0b10) return 'local:unicast';
  return 'global:unicast';
}

const GREGORIAN_TO_UNIX_100NS = 122192928000000000n;
const wrapInt64 = (n: bigint): bigint => BigInt.asIntN(64, n);

function parse(args: Value[]): Value | undefined {
  const bytes = parseBytes(str('uuid.parse', args, 0));
  if (!bytes) return undefined;
  const be = (from: number, to: number): bigint => BigInt('0x' + Buffer.from(bytes.slice(from, to)).toString('hex'));
  const version = bytes[6] >> 4;
  const out = new RObject();
  out.set('version', version);
  out.set('variant', variant(bytes[8]));
  if (version === 1 || version === 2) {
    // 60-bit count of 100ns intervals since 1582-10-15, as nanoseconds since the Unix epoch (Go's int64 arithmetic).
    const ticks = be(0, 4) | (be(4, 6) << 32n) | ((be(6, 8) & 0xfffn) << 48n);
    const since = ticks - GREGORIAN_TO_UNIX_100NS;
    const sec = since / 10000000n;
    const nsec = (since % 10000000n) * 100n;
    out.set('time', normalizeBig(wrapInt64(sec * 1000000000n + nsec)));
    out.set('nodeid', Array.from(bytes.slice(10), (x) => x.toString(16).padStart(2, '0')).join('-'));
    out.set('macvariables', macVariables(bytes[10]));
    out.set('clocksequence', Number(be(8, 10) & 0x3fffn));
    if (version === 2) {
      out.set('id', Number(be(0, 4)));
      const domain = bytes[9];
      out.set('domain', domain === 0 ? 'Person' : domain === 1 ? 'Group' : domain === 2 ? 'Org' : `Domain${domain}`);
    }
  } else if (version === 6) {
    // RFC 9562: version 1's timestamp with its fields in big-endian order.
    const ticks = (be(0, 6) << 12n) | (be(6, 8) & 0xfffn);
    out.set('time', normalizeBig(wrapInt64((ticks - GREGORIAN_TO_UNIX_100NS) * 100n)));
  } else if (version === 7) {
    // RFC 9562: milliseconds since the Unix epoch in the first 48 bits.
    out.set('time', normalizeBig(be(0, 6) * 1_000_000n));
  }
  return out;
}

export const builtins: BuiltinDef[] = [
  { name: 'uuid.rfc4122', args: ['string'], nondeterministic: true, fn: rfc4122 },
  { name: 'uuid.parse', args: ['string'], fn: parse },
];
