/**
 * `# METADATA` comment blocks: OPA's annotations. A block starts at a comment
 * whose text begins with `METADATA` and continues over the comments on the
 * directly following lines that start in column 1; their text is YAML.
 *
 * This module only reads the blocks. Attaching them to the package or rule
 * that follows (and defaulting the scope) is the parser's job, since it knows
 * the statements.
 */
import { parseDocument } from 'yaml';
import { RegoError, type Location } from './errors.js';
import type { Comment } from './lexer.js';

/** A parsed block before attachment: `scope` is as written (absent when not given). */
export interface RawAnnotation {
  scope?: string;
  title?: string;
  description?: string;
  entrypoint?: boolean;
  fields: Record<string, unknown>;
  loc: Location;
}

export interface AnnotationScan {
  annotations: RawAnnotation[];
  errors: RegoError[];
}

interface Block {
  loc: Location;
  lines: Comment[];
}

export function scanAnnotations(comments: readonly Comment[], file: string): AnnotationScan {
  const blocks: Block[] = [];
  let current: Block | undefined;
  for (let i = 0; i < comments.length; i++) {
    const c = comments[i];
    if (current) {
      if (c.row === comments[i - 1].row + 1 && c.col === 1) {
        current.lines.push(c);
        continue;
      }
      current = undefined;
    }
    if (c.text.trim().startsWith('METADATA')) {
      current = { loc: { file, row: c.row, col: c.col }, lines: [] };
      blocks.push(current);
    }
  }

  const annotations: RawAnnotation[] = [];
  const errors: RegoError[] = [];
  for (const b of blocks) {
    const result = parseBlock(b, file);
    if (result instanceof RegoError) errors.push(result);
    else annotations.push(result);
  }
  return { annotations, errors };
}

function parseBlock(b: Block, file: string): RawAnnotation | RegoError {
  const text = b.lines.map((l) => (l.text.startsWith(' ') ? l.text.slice(1) : l.text) + '\n').join('');
  const error = (msg: string, loc: Location = b.loc): RegoError => new RegoError('rego_parse_error', msg, loc);
  if (text.trim() === '') return error('expected METADATA block, found whitespace');

  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    if (line === undefined) return error(`yaml: ${firstLine(e.message)}`);
    const c = b.lines[Math.min(line, b.lines.length) - 1];
    return error(`yaml: line ${line}: ${firstLine(e.message)}`, c ? { file, row: c.row, col: c.col } : b.loc);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return { fields: {}, loc: b.loc };
  if (!isRecord(value)) return error(`yaml: unmarshal errors: cannot unmarshal ${yamlKind(value)} into annotations`);

  const ann: RawAnnotation = { fields: value, loc: b.loc };
  for (const key of ['scope', 'title', 'description'] as const) {
    const v = value[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') return error(`yaml: unmarshal errors: cannot unmarshal ${yamlKind(v)} into string (field ${key})`);
    ann[key] = v;
  }
  const entrypoint = value.entrypoint;
  if (entrypoint !== undefined && entrypoint !== null) {
    if (typeof entrypoint !== 'boolean') return error(`yaml: unmarshal errors: cannot unmarshal ${yamlKind(entrypoint)} into bool (field entrypoint)`);
    ann.entrypoint = entrypoint;
  }
  const problem = checkKnownFields(value);
  return problem ? error(problem) : ann;
}

/** OPA validates the shape of a few well-known fields while parsing. */
function checkKnownFields(value: Record<string, unknown>): string | undefined {
  const custom = value.custom;
  if (custom !== undefined && custom !== null && !isRecord(custom)) {
    return `yaml: unmarshal errors: cannot unmarshal ${yamlKind(custom)} into map (field custom)`;
  }
  const organizations = value.organizations;
  if (organizations !== undefined && organizations !== null && !(Array.isArray(organizations) && organizations.every((o) => typeof o === 'string'))) {
    return 'yaml: unmarshal errors: cannot unmarshal organizations into []string';
  }
  for (const rr of listField(value.related_resources)) {
    if (typeof rr === 'string') {
      if (rr === '') return `invalid related-resource definition ${rr}: ref URL may not be empty string`;
    } else if (isRecord(rr)) {
      if (typeof rr.ref !== 'string' || rr.ref.trim() === '') return `invalid related-resource definition ${JSON.stringify(rr)}: 'ref' value required in object`;
    } else {
      return `invalid related-resource definition ${String(rr)}: invalid value type, must be string or map`;
    }
  }
  for (const a of listField(value.authors)) {
    if (typeof a === 'string') {
      if (a.trim() === '') return `invalid author definition ${a}: author is an empty string`;
    } else if (isRecord(a)) {
      const name = typeof a.name === 'string' ? a.name.trim() : '';
      const email = typeof a.email === 'string' ? a.email.trim() : '';
      if (name === '' && email === '') return `invalid author definition ${JSON.stringify(a)}: 'name' and/or 'email' values required in object`;
    } else {
      return `invalid author definition ${String(a)}: invalid value type, must be string or map`;
    }
  }
  return undefined;
}

function listField(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function yamlKind(v: unknown): string {
  if (Array.isArray(v)) return '!!seq';
  if (isRecord(v)) return '!!map';
  if (typeof v === 'string') return '!!str';
  if (typeof v === 'boolean') return '!!bool';
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(Number(v)) ? '!!int' : '!!float';
  return '!!null';
}

/** The yaml library's first message line, without its own "at line L, column C:" suffix. */
function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).replace(/ at line \d+, column \d+:?$/, '');
}
