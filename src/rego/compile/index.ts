/**
 * The compiler: modules → rule tree with every rule body compiled to closures.
 * Stages, each a named pass as in OPA's compiler: environments (packages and
 * imports), rule placement, rule compilation (safety ordering, type checks on
 * builtin calls), defaults and early-exit analysis, recursion check.
 */
import type { Annotation, Module, Rule, Term } from '../ast.js';
import { CompileError, RegoError, type Location } from '../errors.js';
import type { CompiledClause, CompiledDefinition, Frame, ValueFn } from '../eval/types.js';
import type { EvalContext } from '../eval/context.js';
import { RObject, equals, fromJSON, type Value } from '../value.js';
import { bodyTest, reserveMemoSlots, type MemoSlots, compileBody, declareMentioned, declaredNames, groundValue, mustValue, patFn, patTest, type Bound, type CompileContext, type PatTest } from './codegen.js';
import { checkRecursion } from './recursion.js';
import { buildIndex } from './indexing.js';
import { collectVars, FrameLayout, Scope, type ImportBinding, type ModuleEnv } from './scope.js';
import { DocNode, placeRules, type PlacedRule, type RuleSet } from './tree.js';

export { DocNode, type RuleSet } from './tree.js';
export type { ModuleEnv } from './scope.js';

export interface CompiledPolicy {
  readonly tree: DocNode;
  readonly modules: readonly Module[];
  /** Number of rule sets (the first memo slots of a query). */
  readonly ruleSetCount: number;
  /** Memo slots per query: rule values, then input paths (queries compiled later may add some). */
  readonly memoSlots: MemoSlots;
}

/** Compiles a set of modules together, as OPA compiles a policy bundle. Throws CompileError. */
export function compileModules(modules: readonly Module[]): CompiledPolicy {
  const errors: RegoError[] = [];
  const tree = new DocNode([]);
  const envs = buildEnvironments(modules, errors);
  for (const m of modules) {
    // An empty package still exists: `data.pkg` is {} rather than undefined.
    m.package.reduce((n, p) => n.child(p), tree);
    placeRules(tree, envs.get(m)!, m.rules, errors);
  }
  let ruleSetCount = 0;
  for (const rs of tree.ruleSets()) rs.id = ruleSetCount++;
  const memoSlots = reserveMemoSlots(tree, ruleSetCount);
  if (!errors.length) {
    for (const rs of tree.ruleSets()) compileRuleSet(rs, tree, errors);
    checkRecursion(tree, errors);
  }
  if (errors.length) throw new CompileError(dedupe(errors));
  return { tree, modules, ruleSetCount, memoSlots };
}

function dedupe(errors: RegoError[]): RegoError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = e.message;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------
// Environments

function importBinding(t: Term, errors: RegoError[], loc: Location): { alias: string; binding: ImportBinding } | undefined {
  const names: string[] = [];
  if (t.type === 'var') names.push(t.name);
  else if (t.type === 'ref' && t.head.type === 'var') {
    names.push(t.head.name);
    for (const p of t.path) {
      if (p.type !== 'scalar' || typeof p.value !== 'string') {
        errors.push(new RegoError('rego_parse_error', 'invalid import path', loc));
        return undefined;
      }
      names.push(p.value);
    }
  }
  const root = names[0];
  if (root === 'future' || root === 'rego') return undefined;
  if (root !== 'data' && root !== 'input') {
    errors.push(new RegoError('rego_compile_error', `invalid import path ${names.join('.')}: path must begin with input or data`, loc));
    return undefined;
  }
  return { alias: names[names.length - 1], binding: { root, path: names.slice(1) } };
}

function buildEnvironments(modules: readonly Module[], errors: RegoError[]): Map<Module, ModuleEnv> {
  const rulesByPackage = new Map<string, Set<string>>();
  for (const m of modules) {
    const key = m.package.join('.');
    let names = rulesByPackage.get(key);
    if (!names) rulesByPackage.set(key, (names = new Set()));
    for (const r of m.rules) {
      const first = r.head.ref[0];
      if (first?.type === 'var') names.add(first.name);
    }
  }
  const envs = new Map<Module, ModuleEnv>();
  for (const m of modules) {
    const imports = new Map<string, ImportBinding>();
    for (const imp of m.imports) {
      const b = importBinding(imp.path, errors, imp.loc);
      if (!b) continue;
      const alias = imp.alias ?? b.alias;
      if (imports.has(alias)) errors.push(new RegoError('rego_compile_error', `import must not shadow import ${alias}`, imp.loc));
      imports.set(alias, b.binding);
    }
    envs.set(m, {
      file: m.file,
      regoVersion: m.regoVersion,
      packagePath: m.package,
      imports,
      packageRules: rulesByPackage.get(m.package.join('.'))!,
      annotations: m.annotations,
    });
  }
  return envs;
}

// ---------------------------------------------------------------------------
// Rules

function compileRuleSet(rs: RuleSet, tree: DocNode, errors: RegoError[]): void {
  rs.defs = rs.rules.map((p) => compileRule(p, rs, tree, errors));
  rs.index = buildIndex(rs);
  if (rs.defaultRule) {
    const t = rs.defaultRule.rule.head.value;
    const v = t ? groundValue(t) : true;
    if (v !== undefined) rs.defaultValue = v;
    else rs.defaultFn = compileDefault(rs.defaultRule, tree, errors);
  }
  const consts = rs.defs.flatMap((d) => d.clauses.map((c) => c.constValue));
  rs.constantOutcome = rs.kind === 'complete' && consts.length > 0 && consts.every((v) => v !== undefined && equals(v, consts[0] as Value));
  rs.tests = constantTests(rs);
}

/**
 * `denied if cross_tenant`, `allow if { granted; not denied }`: definitions
 * that all give the same constant, each one clause that is a plain test with
 * no variables. Evaluation then runs the tests in turn (see evalComplete).
 */
function constantTests(rs: RuleSet): RuleSet['tests'] {
  if (!rs.constantOutcome || rs.index) return undefined;
  const tests: ((f: Frame, c: EvalContext) => boolean)[] = [];
  for (const d of rs.defs) {
    const test = d.clauses.length === 1 && d.frameSize === 0 ? d.clauses[0].test : undefined;
    if (!test) return undefined;
    tests.push(test);
  }
  return tests;
}

/** A default value that is not a literal (a comprehension over constants). */
function compileDefault(placed: PlacedRule, tree: DocNode, errors: RegoError[]): (c: EvalContext) => Value | undefined {
  const layout = new FrameLayout();
  const scope = new Scope(layout, placed.env, undefined);
  const cx: CompileContext = { scope, tree, errors };
  const fn = mustValue(placed.rule.head.value!, cx, new Set());
  return (c) => fn(new Array(layout.size), c);
}

function compileRule(placed: PlacedRule, rs: RuleSet, tree: DocNode, errors: RegoError[]): CompiledDefinition {
  const { rule, env, dynamicRef } = placed;
  const layout = new FrameLayout();
  // The rule scope holds the arguments; each clause (the body and every else) has its own scope below it.
  const scope = new Scope(layout, env, undefined);
  const metadata = metadataFor(rule, rs, env);
  const cx: CompileContext = { scope, tree, errors, metadata };
  const head = rule.head;
  const argNames = new Set<string>();
  for (const a of head.args ?? []) collectVars(a, argNames);
  for (const name of argNames) if (name !== '_') scope.declare(name);
  const clauseContext = (body: Rule['body'], terms: Term[]): CompileContext => {
    const clauseScope = new Scope(layout, env, scope, true);
    for (const name of declaredNames(body)) if (!clauseScope.hasOwn(name)) clauseScope.declare(name);
    declareMentioned(clauseScope, body, terms);
    return { scope: clauseScope, tree, errors, metadata };
  };

  const argB: Bound = new Set();
  const testB: Bound = new Set();
  const tests = (head.args ?? []).map((a) => patTest(a, cx, testB));
  const argTests = tests.every((x) => x !== null) ? (tests as PatTest[]) : undefined;
  const args = (head.args ?? []).map((a) => patFn(a, cx, argB));

  const clauses: CompiledClause[] = [];
  const addClause = (ccx: CompileContext, body: Rule['body'], valueTerm: Term | undefined, loc: Location) => {
    const B: Bound = new Set(argB);
    const goal = compileBody(body, ccx, B, argNames);
    const constValue = valueTerm ? groundValue(valueTerm) : true;
    const value: ValueFn = constValue !== undefined ? () => constValue : mustValue(valueTerm!, ccx, B);
    clauses.push({ body: goal, test: bodyTest(goal), value, constValue, loc });
    return B;
  };
  const valueTerm = head.kind === 'multi' ? undefined : head.value;
  const keyTerms = [...dynamicRef, ...(head.kind === 'multi' && head.key ? [head.key] : [])];
  const mainCx = clauseContext(rule.body, [...keyTerms, ...(valueTerm ? [valueTerm] : [])]);
  const B = addClause(mainCx, rule.body, valueTerm, rule.loc);
  const keyPath: ValueFn[] = keyTerms.map((t) => mustValue(t, mainCx, B));
  for (let e = rule.else; e; e = e.else) addClause(clauseContext(e.body, e.value ? [e.value] : []), e.body, e.value, e.loc);
  return { frameSize: layout.size, clauses, keyPath, args, argTests, setLeaf: head.kind === 'multi' && dynamicRef.length > 0, loc: rule.loc };
}

// ---------------------------------------------------------------------------
// rego.metadata.rule() and rego.metadata.chain()

function annotationValue(a: Annotation): Value {
  const o = fromJSON(a.fields) as RObject;
  o.set('scope', a.scope);
  return o;
}

function metadataFor(rule: Rule, rs: RuleSet, env: ModuleEnv): { rule: Value; chain: Value } {
  const path: Value[] = ['data', ...rs.path];
  const own = rule.annotations.find((a) => a.scope === 'rule');
  const chain: Value[] = [];
  const entry = (p: Value[], a?: Annotation): Value => {
    const o = new RObject().set('path', p);
    if (a) o.set('annotations', annotationValue(a));
    return o;
  };
  chain.push(entry(path, own));
  for (const a of rule.annotations) if (a.scope === 'document') chain.push(entry(path, a));
  const pkgPath: Value[] = ['data', ...env.packagePath];
  for (const a of env.annotations) chain.push(entry(pkgPath, a));
  return { rule: own ? annotationValue(own) : new RObject(), chain };
}
