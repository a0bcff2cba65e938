/**
 * uri.parse and uri.is_valid (rego-cpp's URI builtins; OPA has none): RFC 3986
 * reference parsing, with percent-decoded host names (IPv6 zones included).
 */
import type { BuiltinDef } from './contract.js';
import { str } from './args.js';
import { RObject, type Value } from '../value.js';

/** scheme ":" ["//" authority] path ["?" query] ["#" fragment] (RFC 3986 appendix B). */
const REFERENCE = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;

// Characters RFC 3986 allows in a URI (plus '%' escapes, checked separately).
const ALLOWED = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;

function parse(text: string): RObject | undefined {
  if (!ALLOWED.test(text) || /%(?![0-9A-Fa-f]{2})/.test(text)) return undefined;
  const m = REFERENCE.exec(text);
  if (!m) return undefined;
  const [, scheme, authority, path, query, fragment] = m;
  const out = new RObject();
  if (scheme !== undefined) out.set('scheme', scheme.toLowerCase());
  if (authority !== undefined) {
    const at = authority.lastIndexOf('@');
    const hostport = at >= 0 ? authority.slice(at + 1) : authority;
    if (at >= 0) out.set('user', decodeURIComponent(authority.slice(0, at)));
    const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport);
    if (!hp) return undefined;
    const host = hp[1].startsWith('[') ? hp[1].slice(1, -1) : hp[1];
    out.set('hostname', decodeURIComponent(host));
    if (hp[2]) out.set('port', hp[2]);
  }
  // An opaque reference (mailto:user@host) has no hierarchical path.
  const opaque = scheme !== undefined && authority === undefined && path !== '' && !path.startsWith('/');
  if (!opaque && path !== '') {
    out.set('path', decodeURIComponent(path));
    out.set('raw_path', path);
  }
  if (query !== undefined) out.set('query', query);
  if (fragment !== undefined) out.set('fragment', decodeURIComponent(fragment));
  return out;
}

export const builtins: BuiltinDef[] = [
  { name: 'uri.parse', args: ['string'], fn: (args): Value | undefined => parse(str('uri.parse', args, 0)) },
  { name: 'uri.is_valid', args: ['string'], fn: (args) => parse(str('uri.is_valid', args, 0)) !== undefined },
];
