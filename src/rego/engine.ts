/**
 * The public API, after OPA's `rego` package: add modules and data, compile
 * once, prepare queries once, evaluate many times.
 *
 *   const engine = new Engine();
 *   engine.addModule('authz.rego', source);
 *   engine.setData({ roles: {...} });
 *   const q = engine.prepare('data.authz.allow');
 *   q.eval({ input: {...} })  // → [{ expressions: [{ value: true, … }], bindings: {} }]
 *   engine.evalRef('data.authz.allow', input)  // fast path: the value or undefined
 */
import type { Module, RegoVersion } from './ast.js';
import { compileModules, type CompiledPolicy, type DocNode } from './compile/index.js';
import { compileQuery, type CompiledQuery } from './compile/query.js';
import type { ModuleEnv } from './compile/scope.js';
import { DEFAULT_LIMITS, newBudget, type EvalContext, type EvalLimits } from './eval/context.js';
import { navData, nodeValue, type Step } from './eval/navigate.js';
import { EvalError, type Location } from './errors.js';
import type { BuiltinContext } from './builtins/index.js';
import { parseModule, parseQuery } from './parser.js';
import { fromJSONEager, RObject, type Value } from './value.js';

export interface EvalOptions {
  /** The input document; absent means `input` is undefined. */
  input?: Value;
  /** OPA's strict-builtin-errors. */
  strict?: boolean;
  limits?: Partial<EvalLimits>;
  /** Nanoseconds since the epoch for time.now_ns (defaults to now). */
  nowNs?: bigint;
  /** Where `print` goes (default: standard error). */
  print?: (message: string) => void;
  /** Collects `file:row` of every evaluated expression (for `attest test --coverage`). */
  coverage?: Set<string>;
}

export interface ExpressionResult {
  value: Value;
  text: string;
  location: Location;
}

/** One solution of a query, shaped like OPA's. */
export interface QueryResult {
  expressions: ExpressionResult[];
  bindings: Record<string, Value>;
}

export interface AddModuleOptions {
  regoVersion?: RegoVersion;
}

const QUERY_ENV: ModuleEnv = {
  file: '<query>',
  regoVersion: 1,
  packagePath: [],
  imports: new Map(),
  packageRules: new Set(),
  annotations: [],
};

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

/** Builtin state of one query; the clock and the cache are made only when a builtin asks. */
class QueryBuiltinContext implements BuiltinContext {
  private now: bigint | undefined;
  private memo: Map<string, Value> | undefined;
  constructor(readonly strict: boolean, readonly maxCollectionSize: number, now?: bigint) { this.now = now; }
  get nowNs(): bigint { return (this.now ??= nowNs()); }
  get cache(): Map<string, Value> { return (this.memo ??= new Map()); }
}

export class Engine {
  private readonly modules = new Map<string, Module>();
  private data: Value = new RObject();
  private compiled: CompiledPolicy | undefined;
  private readonly limits: EvalLimits;
  private readonly refCache = new Map<string, { node: DocNode; steps: Step[] }>();
  private refCachePolicy: CompiledPolicy | undefined;

  constructor(opts: { limits?: Partial<EvalLimits> } = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
  }

  /** Parses and adds (or replaces) a module. Throws CompileError on parse errors. */
  addModule(file: string, source: string, opts: AddModuleOptions = {}): Module {
    const m = parseModule(source, file, { regoVersion: opts.regoVersion ?? 1 });
    this.modules.set(file, m);
    this.compiled = undefined;
    return m;
  }

  addParsedModule(m: Module): void {
    this.modules.set(m.file, m);
    this.compiled = undefined;
  }

  removeModule(file: string): boolean {
    this.compiled = undefined;
    return this.modules.delete(file);
  }

  getModules(): Module[] { return [...this.modules.values()]; }

  /** Sets the base document (plain JSON data or a Rego value), converted in full once. */
  setData(data: unknown): void {
    this.data = fromJSONEager(data);
  }

  getData(): Value { return this.data; }

  /** Compiles the modules; throws CompileError listing every problem. */
  compile(): CompiledPolicy {
    if (!this.compiled) this.compiled = compileModules([...this.modules.values()]);
    return this.compiled;
  }

  /** Parses and compiles a query once; evaluate it many times. */
  prepare(query: string, opts: { regoVersion?: RegoVersion } = {}): PreparedQuery {
    const policy = this.compile();
    const body = parseQuery(query, { regoVersion: opts.regoVersion ?? 1 });
    const env = opts.regoVersion === 0 ? { ...QUERY_ENV, regoVersion: 0 as const } : QUERY_ENV;
    return new PreparedQuery(compileQuery(body, policy.tree, env), this, query);
  }

  /**
   * Fast path for decision endpoints: the value of a data reference
   * (`data.a.b` or `a/b`), or undefined.
   */
  evalRef(ref: string, opts: EvalOptions = {}): Value | undefined {
    const target = this.resolveRef(ref);
    const c = this.context(opts);
    try {
      return target.steps.length === 0 ? nodeValue(target.node, c) : firstValue(target.node, target.steps, c);
    } catch (e) {
      throw stackLimitError(e);
    }
  }

  /** The tree node a reference starts from, resolved once per policy and reference. */
  private resolveRef(ref: string): { node: DocNode; steps: Step[] } {
    const policy = this.compile();
    if (this.refCachePolicy !== policy) {
      this.refCache.clear();
      this.refCachePolicy = policy;
    }
    let target = this.refCache.get(ref);
    if (target) return target;
    const path = refPath(ref);
    let node = policy.tree;
    let i = 0;
    for (; i < path.length; i++) {
      if (node.ruleSet) break;
      const next = node.children.get(path[i]);
      if (!next) break;
      node = next;
    }
    const steps: Step[] = path.slice(i).map((p) => ({ kind: 'value', fn: () => p }));
    target = { node, steps };
    if (this.refCache.size < 10_000) this.refCache.set(ref, target);
    return target;
  }

  /** @internal */
  context(opts: EvalOptions): EvalContext {
    const strict = opts.strict ?? false;
    const limits = opts.limits ? { ...this.limits, ...opts.limits } : this.limits;
    return {
      input: opts.input,
      data: this.data,
      memo: new Array(this.compile().memoSlots.next),
      cache: undefined,
      builtin: new QueryBuiltinContext(strict, limits.maxCollectionSize, opts.nowNs),
      strict,
      budget: newBudget(limits),
      dataOverrides: undefined,
      fnOverrides: undefined,
      print: opts.print,
      coverage: opts.coverage,
    };
  }
}

function firstValue(node: DocNode, steps: readonly Step[], c: EvalContext): Value | undefined {
  let out: Value | undefined;
  navData(node, steps, 0, [], c, (v) => { out = v; return true; });
  return out;
}

/**
 * Values nested deeper than the call stack (hostile input) end evaluation with
 * a typed limit error rather than a RangeError escaping to the caller.
 */
function stackLimitError(e: unknown): unknown {
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new EvalError('eval_limit_error', 'evaluation exceeded the nesting limit (values or rules nested too deeply)');
  }
  return e;
}

function guardStack<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw stackLimitError(e);
  }
}

/** `data.a.b`, `a/b`, `a.b` → ["a", "b"]. */
export function refPath(ref: string): string[] {
  const trimmed = ref.replace(/^data(\.|\/|$)/, '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return [];
  return trimmed.split(ref.includes('/') ? '/' : '.').map(decodeURIComponent);
}

export class PreparedQuery {
  constructor(private readonly q: CompiledQuery, private readonly engine: Engine, readonly text: string) {}

  /** Every solution, as OPA's result set. */
  eval(opts: EvalOptions = {}): QueryResult[] {
    const c = this.engine.context(opts);
    const f: (Value | undefined)[] = new Array(this.q.frameSize);
    const out: QueryResult[] = [];
    const { vars, exprSlots, body } = this.q;
    guardStack(() => this.q.goal(f, c, () => {
      const bindings: Record<string, Value> = {};
      for (const v of vars) {
        const x = f[v.slot];
        if (x !== undefined) bindings[v.name] = x;
      }
      const expressions = body.map((e, i) => ({
        value: exprSlots[i] >= 0 ? (f[exprSlots[i]] as Value) : true,
        text: exprText(this.text, e.loc),
        location: e.loc,
      }));
      out.push({ expressions, bindings });
      if (out.length > c.budget.maxCollectionSize) throw new EvalError('eval_limit_error', 'too many query results', body[0]?.loc);
      return false;
    }));
    return out;
  }
}

function exprText(query: string, loc: Location): string {
  const lines = query.split('\n');
  const line = lines[loc.row - 1] ?? '';
  return line.slice(loc.col - 1).split(';')[0].trim();
}
