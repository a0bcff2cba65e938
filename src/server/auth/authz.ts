/**
 * Authorization in Rego, as OPA's `--authorization=basic`: every request is
 * put to `data.system.authz.allow`. The serving snapshot's own
 * `system.authz` package decides when it has one; otherwise the shipped
 * default (policies/system/authz.rego of this package) does, so a policy
 * tree without it is still protected. An error in the policy denies.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, RegoError, RObject, ruleGroundPath, stringifyJSON, type Value } from '../../rego/index.js';
import type { PolicySnapshot } from '../../policy/snapshot.js';

// dist/src/server/auth → the package root.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const DEFAULT_AUTHZ_FILE = resolve(ROOT, 'policies', 'system', 'authz.rego');

/** Tight limits: the authorization policy runs before every request. */
const AUTHZ_LIMITS = { maxSteps: 200_000, maxMillis: 250, maxCollectionSize: 100_000 };

export interface AuthzDecision {
  allowed: boolean;
  /** Why it was refused (the policy's `reason`, or a generic message). */
  reason: string;
  /** Which policy decided: the snapshot revision, or `builtin:<sha256 prefix>`. */
  revision: string;
  /** An evaluation error (the request was refused because of it). */
  error?: string;
}

export const GENERIC_DENIAL = 'request rejected by administrative policy';

export class Authorizer {
  private readonly builtin: Engine;
  readonly builtinRevision: string;

  constructor(file = DEFAULT_AUTHZ_FILE) {
    const source = readFileSync(file, 'utf8');
    this.builtin = new Engine({ limits: AUTHZ_LIMITS });
    this.builtin.addModule('system/authz.rego', source);
    this.builtin.compile();
    this.builtinRevision = `builtin:${createHash('sha256').update(source).digest('hex').slice(0, 16)}`;
  }

  /** Whether the snapshot brings its own `package system.authz`. */
  static snapshotDefines(snapshot: PolicySnapshot | undefined): boolean {
    if (snapshot === undefined) return false;
    let own = definesAuthz.get(snapshot);
    if (own === undefined) {
      own = snapshot.modules.some((m) => m.package.length === 2 && m.package[0] === 'system' && m.package[1] === 'authz');
      definesAuthz.set(snapshot, own);
    }
    return own;
  }

  decide(snapshot: PolicySnapshot | undefined, input: Value): AuthzDecision {
    const own = Authorizer.snapshotDefines(snapshot);
    const engine = own ? (snapshot as PolicySnapshot).engine : this.builtin;
    const revision = own ? (snapshot as PolicySnapshot).revision : this.builtinRevision;
    let allow: Value | undefined;
    let reason: Value | undefined;
    try {
      allow = engine.evalRef('data.system.authz.allow', { input, limits: AUTHZ_LIMITS });
      if (allow !== true) reason = engine.evalRef('data.system.authz.reason', { input, limits: AUTHZ_LIMITS });
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      return { allowed: false, reason: 'the authorization policy failed; the request is refused', revision, error: `${e.code}: ${e.message}` };
    }
    // OPA also accepts {"allowed": bool, "reason": string}.
    if (allow instanceof RObject) {
      const allowed = allow.get('allowed') === true;
      const r = allow.get('reason');
      return { allowed, reason: typeof r === 'string' ? r : GENERIC_DENIAL, revision };
    }
    if (allow === undefined && reason === undefined) return { allowed: false, reason: 'authorization policy missing or undefined', revision };
    return { allowed: allow === true, reason: typeof reason === 'string' ? reason : GENERIC_DENIAL, revision };
  }
}

export type TargetKind = 'rule' | 'package' | 'data' | 'missing';

// Snapshots are immutable: what they define is computed once per snapshot (and path).
const definesAuthz = new WeakMap<PolicySnapshot, boolean>();
const kinds = new WeakMap<PolicySnapshot, Map<string, TargetKind>>();
const MAX_CACHED_PATHS = 10_000;

/**
 * What a data path points at: at or under a rule, a tree holding rules
 * (a package or above), base data only, or nothing.
 */
export function targetKind(snapshot: PolicySnapshot | undefined, path: string): TargetKind {
  if (!snapshot) return 'missing';
  let cache = kinds.get(snapshot);
  if (!cache) kinds.set(snapshot, (cache = new Map()));
  let kind = cache.get(path);
  if (kind === undefined) {
    kind = computeKind(snapshot, path);
    if (cache.size >= MAX_CACHED_PATHS) cache.clear();
    cache.set(path, kind);
  }
  return kind;
}

function computeKind(snapshot: PolicySnapshot, path: string): TargetKind {
  const segs = path === '' ? [] : path.split('/');
  let above = false;
  for (const m of snapshot.modules) {
    for (const r of m.rules) {
      const rulePath = ruleGroundPath(m.package, r).path;
      if (rulePath.length <= segs.length && rulePath.every((p, i) => p === segs[i])) return 'rule';
      if (segs.every((s, i) => s === rulePath[i])) above = true;
    }
  }
  if (above) return 'package';
  let v: Value | undefined = snapshot.engine.getData();
  for (const s of segs) {
    if (!(v instanceof RObject)) return 'missing';
    v = v.get(s);
    if (v === undefined) return 'missing';
  }
  return 'data';
}

/** Tenants named in an input document: `tenant`/`tenant_id` at its top level or one level down. */
export function tenantHints(input: Value | undefined, out: Set<string> = new Set()): Set<string> {
  if (!(input instanceof RObject)) return out;
  const take = (o: RObject) => {
    for (const key of ['tenant', 'tenant_id']) {
      const t = o.get(key);
      if (typeof t === 'string') out.add(t);
      // Not a string: kept as JSON text, so it matches no tenant.
      else if (t !== undefined && t !== null) out.add(stringifyJSON(t));
    }
  };
  take(input);
  for (const [, v] of input) if (v instanceof RObject) take(v);
  return out;
}

