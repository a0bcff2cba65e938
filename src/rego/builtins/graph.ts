/**
 * walk (a relation yielding [path, value] pairs) and the graph.reachable*
 * builtins over adjacency objects ({node: array-or-set of neighbours}).
 */
import { BuiltinError } from '../errors.js';
import { RObject, RSet, type Value } from '../value.js';
import { obj, typeError } from './args.js';
import type { BuiltinDef } from './contract.js';

/**
 * Pre-order traversal as OPA's walk: the value itself at path [], then each
 * child depth-first; arrays by index, objects by sorted key, set members
 * (sorted) under themselves as the path segment.
 */
function* walk(root: Value, rootPath: Value[]): Generator<Value> {
  // An explicit stack: hostile input may nest deeper than the call stack.
  const stack: [Value[], Value][] = [[rootPath, root]];
  while (stack.length) {
    const [path, v] = stack.pop()!;
    yield [path, v];
    let children: (readonly [Value, Value])[];
    if (Array.isArray(v)) children = v.map((x, i) => [i, x] as const);
    else if (v instanceof RObject) children = v.entries();
    else if (v instanceof RSet) children = v.values().map((m) => [m, m] as const);
    else continue;
    for (let i = children.length - 1; i >= 0; i--) stack.push([[...path, children[i][0]], children[i][1]]);
  }
}

/** Neighbours listed as an array or a set; anything else lists none. */
function vertices(v: Value | undefined): readonly Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  return [];
}

function initialNodes(fn: string, v: Value): readonly Value[] {
  if (Array.isArray(v) || v instanceof RSet) return vertices(v);
  throw typeError(fn, 1, '{array, set}', v);
}

/** Nodes reachable from the initial ones, those included; only nodes that are keys of the graph count. */
function reachable(args: Value[]): Value {
  const graph = obj('graph.reachable', args, 0);
  const queue = [...initialNodes('graph.reachable', args[1])];
  const reached = new RSet();
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    const edges = graph.get(node);
    if (edges === undefined || reached.has(node)) continue;
    for (const n of vertices(edges)) if (!reached.has(n)) queue.push(n);
    reached.add(node);
  }
  return reached;
}

/**
 * Every maximal path from each initial node. A path ends at a node with no
 * edges, before a node missing from the graph, or where it would close a cycle.
 */
function reachablePaths(args: Value[]): Value {
  const graph = obj('graph.reachable_paths', args, 0);
  const out = new RSet();
  const extend = (node: Value, path: Value[], seen: RSet): void => {
    const edges = graph.get(node);
    if (edges === undefined) { out.add(path); return; }
    const here = [...path, node];
    const next = vertices(edges);
    if (next.length === 0) { out.add(here); return; }
    const seenHere = new RSet(seen.values()).add(node);
    for (const n of next) {
      if (seenHere.has(n)) out.add(here);
      else extend(n, here, seenHere);
    }
  };
  for (const node of initialNodes('graph.reachable_paths', args[1])) {
    const edges = graph.get(node);
    if (edges === undefined) continue;
    const next = vertices(edges);
    if (next.length === 0) out.add([node]);
    for (const n of next) extend(n, [node], new RSet([node]));
  }
  return out;
}

export const builtins: BuiltinDef[] = [
  {
    name: 'walk',
    args: ['any'],
    fn: () => {
      throw new BuiltinError('eval_builtin_error', 'walk: is a relation; the evaluator must use gen');
    },
    gen: (args) => walk(args[0], []),
  },
  { name: 'graph.reachable', args: ['object', ['array', 'set']], fn: reachable },
  { name: 'graph.reachable_paths', args: ['object', ['array', 'set']], fn: reachablePaths },
];
