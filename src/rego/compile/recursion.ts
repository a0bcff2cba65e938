/**
 * The recursion check: Rego forbids rules that depend on themselves, directly
 * or through other rules and functions (rego_recursion_error).
 */
import type { Body, Expr, Rule, Term } from '../ast.js';
import { RegoError } from '../errors.js';
import { opParts } from './codegen.js';
import type { ModuleEnv } from './scope.js';
import type { DocNode, RuleSet } from './tree.js';

/**
 * Rule sets a reference may read: the ones at its path, or every one below it.
 * `null` in the path is a variable and matches any key (`data[ns].a`).
 */
function ruleSetsAt(node: DocNode, path: readonly (string | null)[], i = 0): RuleSet[] {
  if (node.ruleSet) return [node.ruleSet];
  if (i === path.length) return [...node.ruleSets()];
  const p = path[i];
  if (p === null) return [...node.children.values()].flatMap((c) => ruleSetsAt(c, path, i + 1));
  const next = node.children.get(p);
  return next ? ruleSetsAt(next, path, i + 1) : [];
}

class Dependencies {
  readonly found = new Set<RuleSet>();
  constructor(private readonly tree: DocNode, private readonly env: ModuleEnv, private readonly locals: Set<string>) {}

  private addPath(path: (string | null)[]): void {
    for (const rs of ruleSetsAt(this.tree, path)) this.found.add(rs);
  }

  private rootPath(name: string): string[] | undefined {
    if (this.locals.has(name)) return undefined;
    if (name === 'data') return [];
    const imp = this.env.imports.get(name);
    if (imp) return imp.root === 'data' ? [...imp.path] : undefined;
    if (this.env.packageRules.has(name)) return [...this.env.packagePath, name];
    return undefined;
  }

  term(t: Term): void {
    switch (t.type) {
      case 'var': {
        const p = this.rootPath(t.name);
        if (p) this.addPath(p);
        break;
      }
      case 'ref': {
        if (t.head.type === 'var') {
          const root = this.rootPath(t.head.name);
          if (root) {
            const p: (string | null)[] = root;
            for (const e of t.path) {
              if (e.type === 'scalar' && e.value !== null && typeof e.value !== 'boolean') p.push(String(e.value));
              else if (e.type === 'var' || e.type === 'ref' || e.type === 'call') p.push(null);
              else break;
            }
            this.addPath(p);
          }
        } else {
          this.term(t.head);
        }
        for (const e of t.path) this.term(e);
        break;
      }
      case 'array':
      case 'set': t.items.forEach((x) => this.term(x)); break;
      case 'object': for (const [k, v] of t.entries) { this.term(k); this.term(v); } break;
      case 'arraycompr':
      case 'setcompr': this.term(t.term); this.body(t.body); break;
      case 'objectcompr': this.term(t.key); this.term(t.value); this.body(t.body); break;
      case 'call': {
        // Only user functions are dependencies; a rule named like a builtin (`lt`) is not called.
        const parts = opParts(t.op);
        const p = this.rootPath(parts[0]);
        if (p) {
          const rs = this.tree.find([...p, ...parts.slice(1)])?.ruleSet;
          if (rs?.kind === 'function') this.found.add(rs);
        }
        t.args.forEach((a) => this.term(a));
        break;
      }
      default: break;
    }
  }

  expr(e: Expr): void {
    switch (e.kind) {
      case 'term': this.term(e.term); break;
      case 'unify':
      case 'assign': this.term(e.left); this.term(e.right); break;
      case 'some': break;
      case 'somein': if (e.key) this.term(e.key); this.term(e.value); this.term(e.collection); break;
      case 'every': this.term(e.domain); this.body(e.body); break;
    }
    for (const w of e.with) this.term(w.value);
  }

  body(b: Body): void { b.forEach((e) => this.expr(e)); }

  rule(r: Rule): void {
    const h = r.head;
    for (const t of [...h.ref.slice(1), ...(h.args ?? []), ...(h.key ? [h.key] : []), ...(h.value ? [h.value] : [])]) this.term(t);
    this.body(r.body);
    for (let e = r.else; e; e = e.else) {
      if (e.value) this.term(e.value);
      this.body(e.body);
    }
  }
}

/** Names a rule declares anywhere (arguments, `some`, `:=`, in every clause and nested body): never rule references. */
function localNames(r: Rule): Set<string> {
  const out = new Set<string>();
  const term = (t: Term): void => {
    if (t.type === 'arraycompr' || t.type === 'setcompr' || t.type === 'objectcompr') body(t.body);
  };
  const body = (b: Body): void => {
    for (const e of b) {
      if (e.kind === 'some') e.vars.forEach((v) => out.add(v.name));
      if (e.kind === 'assign') collectNames(e.left, out);
      if (e.kind === 'somein') { if (e.key) collectNames(e.key, out); collectNames(e.value, out); }
      if (e.kind === 'every') { out.add(e.value.name); if (e.key) out.add(e.key.name); body(e.body); }
      if (e.kind === 'term') term(e.term);
      if (e.kind === 'unify' || e.kind === 'assign') { term(e.left); term(e.right); }
    }
  };
  body(r.body);
  for (let e = r.else; e; e = e.else) body(e.body);
  for (const a of r.head.args ?? []) collectNames(a, out);
  return out;
}

function collectNames(t: Term, out: Set<string>): void {
  if (t.type === 'var') out.add(t.name);
  else if (t.type === 'array') t.items.forEach((x) => collectNames(x, out));
  else if (t.type === 'object') t.entries.forEach(([, v]) => collectNames(v, out));
}

export function checkRecursion(tree: DocNode, errors: RegoError[]): void {
  const edges = new Map<RuleSet, Set<RuleSet>>();
  for (const rs of tree.ruleSets()) {
    const deps = new Set<RuleSet>();
    for (const p of [...rs.rules, ...(rs.defaultRule ? [rs.defaultRule] : [])]) {
      const d = new Dependencies(tree, p.env, localNames(p.rule));
      d.rule(p.rule);
      for (const x of d.found) deps.add(x);
    }
    edges.set(rs, deps);
  }
  const state = new Map<RuleSet, 'visiting' | 'done'>();
  const stack: RuleSet[] = [];
  const reported = new Set<RuleSet>();
  const visit = (rs: RuleSet): void => {
    state.set(rs, 'visiting');
    stack.push(rs);
    for (const d of edges.get(rs) ?? []) {
      const s = state.get(d);
      if (s === 'visiting') {
        if (!reported.has(d)) {
          reported.add(d);
          const cycle = stack.slice(stack.indexOf(d)).map((x) => x.name);
          cycle.push(d.name);
          errors.push(new RegoError('rego_recursion_error', `rule ${d.name} is recursive: ${cycle.join(' -> ')}`, d.rules[0]?.rule.loc ?? d.defaultRule?.rule.loc));
        }
      } else if (!s) {
        visit(d);
      }
    }
    stack.pop();
    state.set(rs, 'done');
  };
  for (const rs of edges.keys()) if (!state.has(rs)) visit(rs);
}
