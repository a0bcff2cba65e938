/**
 * Display masking for decision samples. Inputs in the ledger are already
 * masked by the decision-log rules; a report goes to third parties, so values
 * under keys that usually hold personal or secret data are hidden again, and
 * long strings are shortened.
 */
import type { Json } from '../decisions/index.js';

const SENSITIVE = /(^|_|-)(e-?mail|name|first_?name|last_?name|phone|address|ip|ip_address|user|user_?id|subject|sub|login|username|token|password|secret|key|api_?key|authorization|cookie|session|content|text|body|comment|ssn|dob|birth)($|_|-)/i;

export function maskForDisplay(v: Json | undefined, depth = 0): Json | undefined {
  if (v === undefined) return undefined;
  if (depth > 6) return '…';
  if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 77)}…` : v;
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const items = v.slice(0, 8).map((x) => maskForDisplay(x, depth + 1) ?? null);
    if (v.length > 8) items.push(`… ${v.length - 8} more`);
    return items;
  }
  const out: { [k: string]: Json } = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = SENSITIVE.test(k) && x !== null && typeof x !== 'boolean' && typeof x !== 'object' ? '***' : (maskForDisplay(x, depth + 1) ?? null);
  }
  return out;
}

/** Compact JSON for a table cell (bigint-safe). */
export function compactJson(v: Json | undefined, max = 400): string {
  if (v === undefined) return '';
  const s = oneLine(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** JSON on one line with a space after `:` and `,`, so table cells wrap between members. */
function oneLine(v: Json): string {
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(oneLine).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${oneLine(x)}`).join(', ')}}`;
}
