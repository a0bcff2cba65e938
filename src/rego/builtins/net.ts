/**
 * net.cidr_* builtins, following Go's net package as OPA uses it. Addresses
 * are bigints; an IPv4 address (or IPv4-mapped IPv6 address) is handled in
 * 32-bit space, as Go's To4() does. net.lookup_ip_addr is deliberately absent
 * (no network access at evaluation time).
 */
import type { BuiltinDef } from './contract.js';
import { builtinError, typeError } from './args.js';
import { RSet, type Value } from '../value.js';
import { EvalError } from '../errors.js';

type Family = 4 | 6;
interface Addr { fam: Family; v: bigint }
/** A network: family, masked base address, prefix length in the family's bits, and Go's String() of it. */
interface Net { fam: Family; base: bigint; prefix: number; text: string }

const bitsOf = (fam: Family): number => (fam === 4 ? 32 : 128);
const V4_MAPPED = 0xffffn << 32n;

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    // Go rejects leading zeros (ambiguous octal).
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const side = (text: string, last: boolean): number[] | undefined => {
    if (text === '') return [];
    const fields = text.split(':');
    const groups: number[] = [];
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (last && i === fields.length - 1 && f.includes('.')) {
        const v4 = parseV4(f);
        if (v4 === undefined) return undefined;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(f)) {
        groups.push(parseInt(f, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const left = side(halves[0], halves.length === 1);
  const right = halves.length === 2 ? side(halves[1], true) : [];
  if (!left || !right) return undefined;
  const n = left.length + right.length;
  // "::" must stand for at least one zero group.
  if (halves.length === 1 ? n !== 8 : n > 7) return undefined;
  const groups = [...left, ...new Array<number>(8 - n).fill(0), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Go's net.ParseIP (no zones). IPv4-mapped addresses become IPv4. */
function parseIP(s: string): Addr | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { fam: 4, v: v4 };
  const v6 = s.includes(':') ? parseV6(s) : undefined;
  if (v6 === undefined) return undefined;
  return v6 >> 32n === 0xffffn ? { fam: 4, v: v6 & 0xffffffffn } : { fam: 6, v: v6 };
}

function formatV6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // Compress the first longest run of two or more zero groups.
  let start = -1; let len = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i >= 2 && j - i > len) { start = i; len = j - i; }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  return start < 0 ? hex(groups) : hex(groups.slice(0, start)) + '::' + hex(groups.slice(start + len));
}

function formatAddr(a: Addr): string {
  if (a.fam === 6) return formatV6(a.v);
  return [24n, 16n, 8n, 0n].map((s) => String((a.v >> s) & 0xffn)).join('.');
}

const hostMask = (fam: Family, prefix: number): bigint => (1n << BigInt(bitsOf(fam) - prefix)) - 1n;

function makeNet(fam: Family, addr: bigint, prefix: number): Net {
  const base = addr & ~hostMask(fam, prefix) & ((1n << BigInt(bitsOf(fam))) - 1n);
  return { fam, base, prefix, text: `${formatAddr({ fam, v: base })}/${prefix}` };
}

/** Go's net.ParseCIDR. */
function parseCIDR(s: string): Net | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  if (!/^\d+$/.test(mask)) return undefined;
  const prefix = Number(mask);
  const v4 = parseV4(addr);
  if (v4 !== undefined) return prefix <= 32 ? makeNet(4, v4, prefix) : undefined;
  const v6 = addr.includes(':') ? parseV6(addr) : undefined;
  if (v6 === undefined || prefix > 128) return undefined;
  // An IPv4-mapped network whose masked base stays mapped behaves as IPv4 in Go.
  const masked = v6 & ~hostMask(6, prefix);
  if (masked >> 32n === 0xffffn) return makeNet(4, masked & 0xffffffffn, Math.max(0, prefix - 96));
  return makeNet(6, v6, prefix);
}

function netOperand(fn: string, v: Value): Net {
  // OPA reports every CIDR operand as "operand 1".
  if (typeof v !== 'string') throw typeError(fn, 0, 'string', v);
  const net = parseCIDR(v);
  if (!net) throw builtinError(fn, `invalid CIDR address: ${v}`);
  return net;
}

function contains(net: Net, a: Addr): boolean {
  if (net.fam !== a.fam) return false;
  const shift = BigInt(bitsOf(net.fam) - net.prefix);
  return a.v >> shift === net.base >> shift;
}

const lastOf = (n: Net): bigint => n.base | hostMask(n.fam, n.prefix);

function cidrContains(fn: string, a: Value, b: Value): boolean {
  const net = netOperand(fn, a);
  if (typeof b !== 'string') throw typeError(fn, 0, 'string', b);
  const ip = parseIP(b);
  if (ip) return contains(net, ip);
  const other = parseCIDR(b);
  if (!other) throw builtinError(fn, `not a valid textual representation of an IP address or CIDR: ${b}`);
  return contains(net, { fam: other.fam, v: other.base }) && contains(net, { fam: other.fam, v: lastOf(other) });
}

/** Operand members for cidr_contains_matches: [cidr, index] pairs. */
function matchOperands(fn: string, operand: number, v: Value): [Value, Value][] {
  const cidrOf = (x: Value): Value => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && x.length > 0) return x[0];
    throw builtinError(fn, `operand ${operand}: element must be string or non-empty array`);
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => [cidrOf(x), i]);
  if (v instanceof RSet) return v.values().map((x) => [cidrOf(x), x]);
  if (v !== null && typeof v === 'object') return v.entries().map(([k, x]) => [cidrOf(x), k]);
  throw typeError(fn, operand - 1, 'any<string, array, object, set>', v);
}

const MAX_EXPAND = 1 << 24;

function cidrExpand(fn: string, v: Value, limit: number): RSet {
  const net = netOperand(fn, v);
  const count = 1n << BigInt(bitsOf(net.fam) - net.prefix);
  if (count > BigInt(MAX_EXPAND)) throw builtinError(fn, `CIDR ${v as string} has too many addresses to expand`);
  if (count > BigInt(limit)) throw new EvalError('eval_limit_error', `${fn}: CIDR ${v as string} has ${count} addresses, more than the limit of ${limit} members`);
  const out = new RSet();
  for (let i = 0n; i < count; i++) out.add(formatAddr({ fam: net.fam, v: net.base + i }));
  return out;
}

// ---------------------------------------------------------------------------
// cidr_merge: ranges in one 128-bit space (IPv4 as ::ffff:a.b.c.d), merged as OPA does.

interface Range { first: bigint; last: bigint; net?: Net }

const to128 = (fam: Family, v: bigint): bigint => (fam === 4 ? V4_MAPPED | v : v);

/** Go's IP.DefaultMask: the classful mask of an IPv4 address. */
function defaultPrefix(v: bigint): number {
  const first = Number(v >> 24n);
  return first < 0x80 ? 8 : first < 0xc0 ? 16 : 24;
}

function mergeNet(fn: string, x: Value): Net {
  if (typeof x !== 'string') throw builtinError(fn, 'element must be string');
  const ip = parseIP(x);
  if (!ip) {
    const net = parseCIDR(x);
    if (!net) throw builtinError(fn, `invalid CIDR address: ${x}`);
    return net;
  }
  if (ip.fam === 6) throw builtinError(fn, 'IPv6 invalid: needs prefix length');
  // Go prints such a network with its address unmasked, e.g. "10.1.2.3/8".
  const prefix = defaultPrefix(ip.v);
  return { ...makeNet(4, ip.v, prefix), text: `${formatAddr(ip)}/${prefix}` };
}

/** The minimal list of CIDR blocks covering [first, last] (128-bit space). */
function rangeToCIDRs(first: bigint, last: bigint): string[] {
  const v4 = first >> 32n === 0xffffn && last >> 32n === 0xffffn;
  const fam: Family = v4 ? 4 : 6;
  const bits = BigInt(bitsOf(fam));
  let lo = v4 ? first & 0xffffffffn : first;
  const hi = v4 ? last & 0xffffffffn : last;
  const out: string[] = [];
  while (lo <= hi) {
    let size = 0n;
    while (size < bits && (lo & ((1n << (size + 1n)) - 1n)) === 0n && lo + (1n << (size + 1n)) - 1n <= hi) size++;
    out.push(`${formatAddr({ fam, v: lo })}/${bits - size}`);
    lo += 1n << size;
  }
  return out;
}

function cidrMerge(fn: string, v: Value): RSet {
  let items: readonly Value[];
  if (Array.isArray(v)) items = v;
  else if (v instanceof RSet) items = v.values();
  else throw builtinError(fn, 'operand must be an array');
  const ranges: Range[] = items.map((x) => {
    const net = mergeNet(fn, x);
    return { first: to128(net.fam, net.base), last: to128(net.fam, lastOf(net)), net };
  });
  ranges.sort((a, b) => (a.last < b.last ? -1 : a.last > b.last ? 1 : a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  for (let i = ranges.length - 1; i > 0; i--) {
    const prev = ranges[i].first === 0n || ranges[i].first === V4_MAPPED ? ranges[i].first : ranges[i].first - 1n;
    if (prev <= ranges[i - 1].last) {
      const first = ranges[i - 1].first < ranges[i].first ? ranges[i - 1].first : ranges[i].first;
      ranges[i - 1] = { first, last: ranges[i].last };
      ranges.splice(i, 1);
    }
  }
  const out = new RSet();
  for (const r of ranges) {
    if (r.net) out.add(r.net.text);
    else for (const c of rangeToCIDRs(r.first, r.last)) out.add(c);
  }
  return out;
}

// ---------------------------------------------------------------------------

const containsDef = (name: string, deprecated?: boolean): BuiltinDef => ({
  name,
  args: ['string', 'string'],
  fn: (args) => cidrContains(name, args[0], args[1]),
  ...(deprecated ? { deprecated } : {}),
});

export const builtins: BuiltinDef[] = [
  containsDef('net.cidr_contains'),
  containsDef('net.cidr_overlap', true),
  {
    name: 'net.cidr_intersects',
    args: ['string', 'string'],
    fn: (args) => {
      const fn = 'net.cidr_intersects';
      const a = netOperand(fn, args[0]); const b = netOperand(fn, args[1]);
      return contains(a, { fam: b.fam, v: b.base }) || contains(b, { fam: a.fam, v: a.base });
    },
  },
  {
    name: 'net.cidr_contains_matches',
    args: [['string', 'array', 'object', 'set'], ['string', 'array', 'object', 'set']],
    fn: (args) => {
      const fn = 'net.cidr_contains_matches';
      const out = new RSet();
      const rights = matchOperands(fn, 2, args[1]);
      for (const [c1, i1] of matchOperands(fn, 1, args[0])) {
        for (const [c2, i2] of rights) if (cidrContains(fn, c1, c2)) out.add([i1, i2]);
      }
      return out;
    },
  },
  { name: 'net.cidr_expand', args: ['string'], fn: (args, ctx) => cidrExpand('net.cidr_expand', args[0], ctx.maxCollectionSize) },
  { name: 'net.cidr_merge', args: [['array', 'set']], fn: (args) => cidrMerge('net.cidr_merge', args[0]) },
  {
    name: 'net.cidr_is_valid',
    args: ['string'],
    fn: (args) => typeof args[0] === 'string' && parseCIDR(args[0]) !== undefined,
  },
];
