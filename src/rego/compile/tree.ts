/**
 * The rule tree: every rule is placed at the node of its head's ground
 * prefix (package path + constant head ref), like OPA's RuleTree. Evaluating
 * `data.a.b` walks this tree, falling back to the base document below it.
 */
import type { Rule, Term } from '../ast.js';
import { RegoError } from '../errors.js';
import type { CompiledDefinition, Frame } from '../eval/types.js';
import type { EvalContext } from '../eval/context.js';
import type { RuleIndex } from './indexing.js';
import type { Value } from '../value.js';
import type { ModuleEnv } from './scope.js';

export type RuleKind = 'complete' | 'set' | 'object' | 'function';

/** One rule as placed in the tree, with what codegen needs to compile it. */
export interface PlacedRule {
  rule: Rule;
  env: ModuleEnv;
  /** Head ref elements after the ground prefix (object keys of a partial object). */
  dynamicRef: Term[];
}

export class RuleSet {
  readonly rules: PlacedRule[] = [];
  defs: CompiledDefinition[] = [];
  defaultRule: PlacedRule | undefined;
  defaultValue: Value | undefined;
  /** A default whose value must be computed (e.g. a comprehension). */
  defaultFn: ((c: EvalContext) => Value | undefined) | undefined;
  /** Every clause has the same constant value: the first success decides (early exit). */
  constantOutcome = false;
  arity = 0;
  /** Index of this rule set's memo slot in a query (EvalContext.memo). */
  id = 0;
  /** Definitions indexed by an input equality test (see indexing.ts). */
  index: RuleIndex | undefined;
  /** With constantOutcome: the definitions as plain tests without variables, when every one is (see compile/index.ts). */
  tests: ((f: Frame, c: EvalContext) => boolean)[] | undefined;

  constructor(readonly kind: RuleKind, readonly path: readonly string[]) {}

  get name(): string { return 'data.' + this.path.join('.'); }
}

export class DocNode {
  readonly children = new Map<string, DocNode>();
  ruleSet: RuleSet | undefined;

  constructor(readonly path: readonly string[]) {}

  child(name: string): DocNode {
    let c = this.children.get(name);
    if (!c) {
      c = new DocNode([...this.path, name]);
      this.children.set(name, c);
    }
    return c;
  }

  /** The node at `path`, if the tree has one. */
  find(path: readonly string[]): DocNode | undefined {
    let n: DocNode | undefined = this;
    for (const p of path) {
      n = n.children.get(p);
      if (!n) return undefined;
    }
    return n;
  }

  /** True when this node or any node below it holds rules. */
  hasRules(): boolean {
    if (this.ruleSet) return true;
    for (const c of this.children.values()) if (c.hasRules()) return true;
    return false;
  }

  *ruleSets(): Generator<RuleSet> {
    if (this.ruleSet) yield this.ruleSet;
    for (const c of this.children.values()) yield* c.ruleSets();
  }
}

function kindOf(rule: Rule, ground: boolean): RuleKind {
  switch (rule.head.kind) {
    case 'function': return 'function';
    case 'multi': return 'set';
    default: return ground ? 'complete' : 'object';
  }
}

/** Places a module's rules in the tree; reports conflicting kinds. */
/**
 * The constant part of a rule's path under `data` (package + head ref up to
 * the first non-string element), and how many head-ref elements it used.
 */
export function ruleGroundPath(packagePath: readonly string[], rule: Rule): { path: string[]; used: number } {
  const ref = rule.head.ref;
  const path = [...packagePath];
  let i = 0;
  for (; i < ref.length; i++) {
    const t = ref[i];
    if (i === 0 && t.type === 'var') path.push(t.name);
    else if (t.type === 'scalar' && typeof t.value === 'string') path.push(t.value);
    else break;
  }
  return { path, used: i };
}

export function placeRules(root: DocNode, env: ModuleEnv, rules: readonly Rule[], errors: RegoError[]): void {
  for (const rule of rules) {
    const { path, used } = ruleGroundPath(env.packagePath, rule);
    const dynamicRef = rule.head.ref.slice(used);
    // A multi-value rule under a dynamic ref builds an object whose leaves are sets.
    const kind = rule.head.kind === 'multi' && dynamicRef.length > 0 ? 'object' : kindOf(rule, dynamicRef.length === 0);
    if (kind === 'function' && dynamicRef.length > 0) {
      errors.push(new RegoError('rego_compile_error', 'function name must be a constant reference', rule.head.loc));
      continue;
    }
    const node = root.find(path) ?? path.reduce((n, p) => n.child(p), root);
    let set = node.ruleSet;
    if (!set) {
      set = new RuleSet(kind, path);
      node.ruleSet = set;
    } else if (set.kind !== kind) {
      errors.push(new RegoError('rego_compile_error', `conflicting rules ${set.name} found`, rule.loc));
      continue;
    }
    const placed: PlacedRule = { rule, env, dynamicRef };
    if (rule.default) {
      if (set.defaultRule) {
        errors.push(new RegoError('rego_compile_error', `multiple default rules ${set.name} found`, rule.loc));
        continue;
      }
      set.defaultRule = placed;
    } else {
      set.rules.push(placed);
    }
    if (kind === 'function') {
      const arity = rule.head.args?.length ?? 0;
      if (set.rules.length + (set.defaultRule ? 1 : 0) > 1 && arity !== set.arity) {
        errors.push(new RegoError('rego_type_error', `conflicting rules ${set.name} found: functions must have the same number of arguments`, rule.loc));
      }
      set.arity = arity;
    }
  }
}
