/**
 * Query compilation: a query body is compiled like a rule body in a package
 * of its own, keeping each expression's value for OPA's result shape.
 */
import type { Body, Expr } from '../ast.js';
import { CompileError, RegoError } from '../errors.js';
import type { Goal } from '../eval/types.js';
import { compileBody, declareMentioned, declaredNames, type CompileContext } from './codegen.js';
import { FrameLayout, Scope, type ModuleEnv } from './scope.js';
import type { DocNode } from './tree.js';

export interface CompiledQuery {
  goal: Goal;
  frameSize: number;
  /** User-visible variables (not `_`, not generated), with their slots. */
  vars: { name: string; slot: number }[];
  /** Per expression (in source order), the slot holding its value, or -1 for `true`. */
  exprSlots: number[];
  body: Body;
}

export function compileQuery(body: Body, tree: DocNode, env: ModuleEnv): CompiledQuery {
  const layout = new FrameLayout();
  const scope = new Scope(layout, env, undefined);
  const errors: RegoError[] = [];
  const capture = new Map<Expr, number>();
  const exprSlots = body.map((e) => {
    if (e.kind !== 'term' || e.negated) return -1;
    const slot = layout.alloc('$expr');
    capture.set(e, slot);
    return slot;
  });
  const cx: CompileContext = { scope, tree, errors, capture };
  for (const name of declaredNames(body)) if (!scope.hasOwn(name)) scope.declare(name);
  declareMentioned(scope, body, []);
  const goal = compileBody(body, cx, new Set());
  if (errors.length) throw new CompileError(errors);
  const vars = [...scope.ownNames()]
    .filter(([name]) => name !== '_' && !name.startsWith('$'))
    .map(([name, slot]) => ({ name, slot }));
  return { goal, frameSize: layout.size, vars, exprSlots, body };
}
