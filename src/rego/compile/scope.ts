/**
 * Name resolution: which names are variables (and their frame slots), which
 * are rules of the package, imports, or the roots `input` and `data`.
 */
import type { Annotation, RegoVersion, Term, VarTerm } from '../ast.js';

export interface ImportBinding {
  root: 'data' | 'input';
  path: string[];
}

/** What a module's bodies resolve names against. */
export interface ModuleEnv {
  file: string;
  regoVersion: RegoVersion;
  packagePath: string[];
  imports: Map<string, ImportBinding>;
  /** First head-ref names of every rule in this package (across modules). */
  packageRules: Set<string>;
  /** Package- and subpackages-scoped annotations, for rego.metadata.chain(). */
  annotations: Annotation[];
}

/** Slot allocation for one frame (a rule definition or a query). */
export class FrameLayout {
  size = 0;
  readonly names: string[] = [];
  alloc(name: string): number {
    this.names.push(name);
    return this.size++;
  }
}

export type Resolved =
  | { kind: 'local'; slot: number }
  | { kind: 'root'; root: 'data' | 'input'; path: string[] };

/**
 * A lexical scope: a rule body, or a comprehension/`every`/negation body
 * nested in one. Names mentioned in an enclosing body are shared with it;
 * names declared (`:=`, `some`) or only mentioned inside a nested body are its own.
 */
export class Scope {
  private readonly locals = new Map<string, number>();
  private readonly wildcards = new WeakMap<VarTerm, number>();

  /**
   * @param boundary a rule clause's scope: its unsafe variables are its own
   *   errors, not something an enclosing body might still bind.
   */
  constructor(readonly layout: FrameLayout, readonly env: ModuleEnv, readonly parent: Scope | undefined, readonly boundary = false) {}

  /** Declares `name` in this scope (a new slot, shadowing outer ones). */
  declare(name: string): number {
    const slot = this.layout.alloc(name);
    this.locals.set(name, slot);
    return slot;
  }

  hasOwn(name: string): boolean { return this.locals.has(name); }

  /** This scope's own variables and their slots. */
  ownNames(): IterableIterator<[string, number]> { return this.locals.entries(); }

  /** True when an enclosing scope has a variable of this name. */
  isVisible(name: string): boolean {
    return this.parent?.lookupLocal(name) !== undefined;
  }

  private lookupLocal(name: string): number | undefined {
    return this.locals.get(name) ?? this.parent?.lookupLocal(name);
  }

  resolve(v: VarTerm): Resolved {
    if (v.name === '_') {
      let slot = this.wildcards.get(v);
      if (slot === undefined) {
        slot = this.layout.alloc('_');
        this.wildcards.set(v, slot);
      }
      return { kind: 'local', slot };
    }
    const local = this.lookupLocal(v.name);
    if (local !== undefined) return { kind: 'local', slot: local };
    return this.resolveGlobal(v.name) ?? { kind: 'local', slot: this.declare(v.name) };
  }

  /** Rule names, imports and the roots, for names that are not variables. */
  resolveGlobal(name: string): Resolved | undefined {
    if (name === 'input' || name === 'data') return { kind: 'root', root: name, path: [] };
    const imp = this.env.imports.get(name);
    if (imp) return { kind: 'root', root: imp.root, path: imp.path };
    if (this.env.packageRules.has(name)) return { kind: 'root', root: 'data', path: [...this.env.packagePath, name] };
    return undefined;
  }
}

/** Visits every variable occurrence in a term, outside nested comprehension bodies. */
export function forEachVar(t: Term, visit: (v: VarTerm) => void): void {
  switch (t.type) {
    case 'var': visit(t); break;
    case 'ref': forEachVar(t.head, visit); for (const p of t.path) forEachVar(p, visit); break;
    case 'array':
    case 'set': for (const x of t.items) forEachVar(x, visit); break;
    case 'object': for (const [k, v] of t.entries) { forEachVar(k, visit); forEachVar(v, visit); } break;
    case 'call': for (const a of t.args) forEachVar(a, visit); break;
    default: break;
  }
}

/** Variable names mentioned in a term, outside nested comprehension bodies. */
export function collectVars(t: Term, out: Set<string>): void {
  forEachVar(t, (v) => out.add(v.name));
}
