/**
 * YAML documents validated against JSON Schemas (draft 2020-12), with every
 * error pointing at file:line:col of the YAML node at fault.
 *
 * ajv reports errors by JSON pointer (instancePath); users edit YAML. We keep
 * the parsed YAML document and a LineCounter, walk the pointer through the
 * document's nodes and report the node's start position, with a message that
 * says what was expected and what was found.
 */
import { LineCounter, parseDocument, isMap, isSeq, isAlias, isScalar, isPair, isNode } from 'yaml';
import type { Document, Node as YamlNode, YAMLError } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export type PolicyErrorCode = 'yaml_syntax_error' | 'schema_error' | 'semantic_error' | 'io_error';

/**
 * One problem in one file. `message` is the full `file:line:col: detail` line;
 * `detail` is the text without the position. `path` is the dotted path of the
 * offending value (`spec.categories.hate.thresholds[0].action`) when known,
 * `rule` names what was broken (a schema keyword or a semantic rule id).
 */
export class PolicyError extends Error {
  constructor(
    readonly code: PolicyErrorCode,
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly detail: string,
    readonly path?: string,
    readonly rule?: string,
  ) {
    super(`${file}:${line}:${col}: ${detail}`);
    this.name = 'PolicyError';
  }

  toJSON(): { code: string; file: string; line: number; col: number; message: string; path?: string; rule?: string } {
    return {
      code: this.code,
      file: this.file,
      line: this.line,
      col: this.col,
      message: this.detail,
      ...(this.path !== undefined ? { path: this.path } : {}),
      ...(this.rule !== undefined ? { rule: this.rule } : {}),
    };
  }
}

/** Several PolicyErrors thrown together (one line each in `message`). */
export class PolicyErrors extends Error {
  constructor(readonly errors: PolicyError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'PolicyErrors';
  }
}

/** A parsed YAML file that still knows where each of its nodes came from. */
export interface YamlSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain JSON-like data (what the schema sees). */
  value: unknown;
}

export type PathSegment = string | number;

export interface Position {
  line: number;
  col: number;
}

/** Parses YAML text; syntax errors (including duplicate keys and several documents) come back located. */
export function parseYaml(text: string, file: string): { source?: YamlSource; errors: PolicyError[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { errors: doc.errors.map((e) => syntaxError(e, file, lineCounter)) };
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  return { source: { file, text, doc, lineCounter, value }, errors: [] };
}

function syntaxError(e: YAMLError, file: string, lc: LineCounter): PolicyError {
  const { line, col } = lc.linePos(e.pos[0]);
  // The yaml package's messages end with a position and code; keep the first sentence-like line.
  const detail = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return new PolicyError('yaml_syntax_error', file, Math.max(line, 1), Math.max(col, 1), `YAML syntax error: ${detail}`, undefined, e.code);
}

/** JSON pointer (`/spec/categories/0`) to path segments. */
export function parsePointer(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** Path segments as users read them: `spec.thresholds[0].action`, odd keys quoted. */
export function formatPath(path: PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(document)' : out;
}

interface Found {
  node: YamlNode | null;
  key: YamlNode | null;
  /** The deepest collection reached when the path runs out of nodes. */
  container: YamlNode | null;
}

function walk(source: YamlSource, path: PathSegment[]): Found {
  let node: YamlNode | null = (source.doc.contents as YamlNode | null) ?? null;
  let key: YamlNode | null = null;
  let container: YamlNode | null = null;
  for (const seg of path) {
    if (node && isAlias(node)) node = (node.resolve(source.doc) as YamlNode | undefined) ?? node;
    if (node && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
      container = node;
      if (!pair) return { node: null, key: null, container };
      key = isNode(pair.key) ? pair.key : null;
      node = isNode(pair.value) ? pair.value : null;
    } else if (node && isSeq(node) && typeof seg === 'number') {
      container = node;
      const item = node.items[seg];
      key = null;
      if (!isNode(item)) return { node: null, key: null, container };
      node = item;
    } else {
      return { node: null, key, container: node ?? container };
    }
  }
  return { node, key, container };
}

function keyText(k: unknown): string | undefined {
  if (isScalar(k)) return String(k.value);
  return typeof k === 'string' ? k : undefined;
}

function startOf(source: YamlSource, n: YamlNode | null): Position | undefined {
  if (!n || !n.range) return undefined;
  const { line, col } = source.lineCounter.linePos(n.range[0]);
  return { line: Math.max(line, 1), col: Math.max(col, 1) };
}

/**
 * Where the value at `path` is written. `target: 'key'` prefers the key of the
 * last map entry (used for unknown or missing properties, and for values that
 * are empty in the YAML). Falls back to the closest existing ancestor.
 */
export function locate(source: YamlSource, path: PathSegment[], target: 'key' | 'value' = 'value'): Position {
  for (let n = path.length; n >= 0; n--) {
    const { node, key, container } = walk(source, path.slice(0, n));
    const emptyValue = !node || (isScalar(node) && node.value === null && node.range && node.range[0] === node.range[1]);
    const pos = (target === 'key' || emptyValue ? startOf(source, key) : undefined) ?? startOf(source, node) ?? startOf(source, key);
    if (pos) return pos;
    if (n === 0) return startOf(source, container) ?? { line: 1, col: 1 };
  }
  return { line: 1, col: 1 };
}

/** A located error for semantic checks: `errorAt(src, ['spec','x'], 'must ...', 'rule-id')`. */
export function errorAt(
  source: YamlSource,
  path: PathSegment[],
  detail: string,
  rule?: string,
  code: PolicyErrorCode = 'semantic_error',
  target: 'key' | 'value' = 'value',
): PolicyError {
  const { line, col } = locate(source, path, target);
  // Schema messages start with the path already; semantic ones get it here.
  const text = code === 'semantic_error' ? `${formatPath(path)}: ${detail}` : detail;
  return new PolicyError(code, source.file, line, col, text, formatPath(path), rule);
}

// ---------------------------------------------------------------------------
// ajv

/**
 * Our schemas may carry two annotations that only shape messages:
 * `x-expected` (a noun phrase: what a valid value looks like) and `x-name`
 * (what the keys of a map are, e.g. "category").
 */
export type JsonSchema = Record<string, unknown>;

// Both packages are CommonJS; under NodeNext their default import is the module object.
const ajv = new Ajv2020.default({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats.default(ajv);
ajv.addVocabulary(['x-expected', 'x-name']);

const compiled = new WeakMap<JsonSchema, ValidateFunction>();

/**
 * Compiles (once per schema object) a draft 2020-12 schema. A schema whose
 * `$id` ajv already knows is not compiled again (ajv refuses duplicate ids).
 */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  const cached = compiled.get(schema);
  if (cached) return cached;
  const known = typeof schema.$id === 'string' ? ajv.getSchema(schema.$id) : undefined;
  const fn = known ?? ajv.compile(schema);
  compiled.set(schema, fn);
  return fn;
}

/** Validates a parsed YAML source against a schema; returns located errors, sorted by position. */
export function validateSource(source: YamlSource, schema: JsonSchema): PolicyError[] {
  const validate = compileSchema(schema);
  if (validate(source.value)) return [];
  return locateAjvErrors(source, validate.errors ?? []);
}

/** Parses and validates in one step. */
export function validateYaml(text: string, file: string, schema: JsonSchema): { source?: YamlSource; value?: unknown; errors: PolicyError[] } {
  const { source, errors } = parseYaml(text, file);
  if (!source) return { errors };
  const schemaErrors = validateSource(source, schema);
  return { source, value: source.value, errors: schemaErrors };
}

/** Maps ajv errors to located, deduplicated, position-sorted PolicyErrors. */
export function locateAjvErrors(source: YamlSource, raw: ErrorObject[]): PolicyError[] {
  const kept = prune(raw);
  const seen = new Set<string>();
  const out: PolicyError[] = [];
  for (const e of kept) {
    const err = toPolicyError(source, e);
    if (seen.has(err.message)) continue;
    seen.add(err.message);
    out.push(err);
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col || a.detail.localeCompare(b.detail));
}

/**
 * Drops errors that only restate others: `if` wrappers (their `then` errors
 * are reported), `propertyNames` wrappers (the inner error names the key),
 * and the branch errors of a failed anyOf/oneOf (the anyOf error says what
 * shapes were allowed, which reads better than every branch's complaint).
 */
function prune(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const namedKeys = new Set(errors.filter((e) => e.propertyName !== undefined).map((e) => `${e.instancePath}\u0000${e.propertyName}`));
  return errors.filter((e) => {
    if (e.keyword === 'if') return false;
    if (e.keyword === 'propertyNames' && namedKeys.has(`${e.instancePath}\u0000${String(e.params.propertyName)}`)) return false;
    return !unions.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`) && e.instancePath.startsWith(u.instancePath));
  });
}

function toPolicyError(source: YamlSource, e: ErrorObject): PolicyError {
  const path = parsePointer(e.instancePath);
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  const expected = typeof parent['x-expected'] === 'string' ? (parent['x-expected'] as string) : undefined;
  const here = formatPath(path);
  const at = (p: PathSegment[], detail: string, target: 'key' | 'value' = 'value'): PolicyError =>
    errorAt(source, p, detail, e.keyword, 'schema_error', target);

  if (e.propertyName !== undefined) {
    // An error about a map key (propertyNames): point at the key itself.
    const name = e.propertyName;
    // The propertyNames subschema names what the keys are (`x-name: category`).
    const what = typeof parent['x-name'] === 'string' ? parent['x-name'] : 'key';
    const allowed = Array.isArray(e.params.allowedValues) ? (e.params.allowedValues as unknown[]).map(String) : undefined;
    const hint = allowed ? `; expected one of ${allowed.join(', ')}${suggest(name, allowed)}` : expected ? `; expected ${expected}` : '';
    return errorAt(source, [...path, name], `${here} has unknown ${what} "${name}"${hint}`, 'propertyNames', 'schema_error', 'key');
  }

  switch (e.keyword) {
    case 'type': {
      const types = String(e.params.type).split(',').map(typeName).join(' or ');
      return at(path, `${here} must be ${types} (got ${describe(e.data)})`);
    }
    case 'required': {
      const missing = String(e.params.missingProperty);
      return at(path, `${here} is missing required property "${missing}"`, 'key');
    }
    case 'dependentRequired': {
      return at(path, `${here} must have property "${String(e.params.missingProperty)}" when "${String(e.params.property)}" is present`, 'key');
    }
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const prop = String(e.params.additionalProperty ?? e.params.unevaluatedProperty);
      const known = Object.keys((parent.properties as Record<string, unknown> | undefined) ?? {});
      const hint = known.length > 0 ? `; allowed: ${known.join(', ')}${suggest(prop, known)}` : '';
      return at([...path, prop], `${here} has unknown property "${prop}"${hint}`, 'key');
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const got = typeof e.data === 'string' ? suggest(e.data, allowed) : '';
      return at(path, `${here} must be ${expected ?? `one of ${allowed.join(', ')}`} (got ${describe(e.data)})${got}`);
    }
    case 'const':
      return at(path, `${here} must be ${expected ?? JSON.stringify(e.params.allowedValue)} (got ${describe(e.data)})`);
    case 'pattern':
      return at(path, `${here} must be ${expected ?? `a string matching /${String(e.params.pattern)}/`} (got ${describe(e.data)})`);
    case 'format':
      return at(path, `${here} must be ${expected ?? `a valid ${String(e.params.format)}`} (got ${describe(e.data)})`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return at(path, `${here} must be ${String(e.params.comparison)} ${String(e.params.limit)} (got ${describe(e.data)})`);
    case 'minItems':
      return at(path, `${here} must ${expected ? `be ${expected}` : `have at least ${String(e.params.limit)} item${e.params.limit === 1 ? '' : 's'}`}`);
    case 'maxItems':
      return at(path, `${here} must ${expected ? `be ${expected}` : `have at most ${String(e.params.limit)} items`}`);
    case 'minProperties':
      return at(path, `${here} must have at least ${String(e.params.limit)} entr${e.params.limit === 1 ? 'y' : 'ies'}`, 'key');
    case 'minLength':
      return at(path, e.params.limit === 1 ? `${here} must not be empty` : `${here} must be at least ${String(e.params.limit)} characters long`);
    case 'maxLength':
      return at(path, `${here} must be at most ${String(e.params.limit)} characters long`);
    case 'uniqueItems':
      return at([...path, Number(e.params.i)], `${here} must not repeat items (items ${String(e.params.j)} and ${String(e.params.i)} are equal)`);
    case 'anyOf':
    case 'oneOf':
    {
      const got = e.data !== null && typeof e.data === 'object' ? '' : ` (got ${describe(e.data)})`;
      return at(path, `${here} must be ${expected ?? (e.keyword === 'oneOf' ? 'exactly one of the allowed forms' : 'one of the allowed forms')}${got}`);
    }
    case 'not': {
      // `not: {required: [x]}` forbids a property: say which.
      const inner = (parent.not ?? {}) as JsonSchema;
      const forbidden = Array.isArray(inner.required) && inner.required.length === 1 ? String(inner.required[0]) : undefined;
      if (forbidden) return at([...path, forbidden], `${here} must not have property "${forbidden}"${expected ? ` (${expected})` : ''}`, 'key');
      return at(path, `${here} must not be ${expected ?? 'this value'}`);
    }
    default:
      return at(path, `${here} ${e.message ?? 'is invalid'}`);
  }
}

function typeName(t: string): string {
  if (t === 'object') return 'a mapping';
  if (t === 'array') return 'a list';
  return t;
}

/** `string "high"`, `number 3`, `a list`, ... */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
  if (typeof v === 'number') return `${Number.isInteger(v) ? 'integer' : 'number'} ${v}`;
  return `${typeof v} ${String(v)}`;
}

/** `; did you mean "hate"?` when a close candidate exists. */
export function suggest(word: string, candidates: string[]): string {
  // A candidate that extends what was typed (a truncated id) beats a merely close one.
  const extended = candidates.filter((c) => c !== word && c.startsWith(word) && word.length >= 3).sort((a, b) => a.length - b.length)[0];
  if (extended !== undefined) return `; did you mean "${extended}"?`;
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return best !== undefined && bestDist <= limit && best !== word ? `; did you mean "${best}"?` : '';
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
