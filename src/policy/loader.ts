/**
 * Loads a policy tree from disk the way `opa eval -d` does: `.rego` modules,
 * and JSON/YAML data files placed at their directory's path under `data`
 * (`roles/data.json` → `data.roles`). YAML documents with `apiVersion:
 * attest/v1` are policy documents, handed to the YAML policy compiler.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { parse as parseYAML } from 'yaml';
import type { Module, RegoVersion } from '../rego/index.js';
import { CompileError, RegoError, parseModule, parseJSON, type Value, RObject, fromJSON } from '../rego/index.js';

export interface PolicyDocumentFile {
  file: string;
  source: string;
}

export interface LoadedTree {
  modules: Module[];
  data: Value;
  /** YAML policy documents (`apiVersion: attest/v1`), not yet compiled. */
  documents: PolicyDocumentFile[];
  /** Every file read, with its content, for revision hashing. */
  files: { path: string; content: string }[];
}

export class LoadError extends Error {
  readonly code = 'load_error';
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

const IGNORED_DIRS = new Set(['node_modules', '.git', 'dist']);

function walk(p: string, out: string[]): void {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const e of readdirSync(p).sort()) if (!IGNORED_DIRS.has(e) && !e.startsWith('.')) walk(join(p, e), out);
  } else {
    out.push(p);
  }
}

function mergeAt(root: RObject, path: readonly string[], value: Value, file: string): void {
  let o = root;
  for (const p of path) {
    let next = o.get(p);
    if (next === undefined) {
      next = new RObject();
      o.set(p, next);
    }
    if (!(next instanceof RObject)) throw new LoadError(file, `data at ${path.join('.')} conflicts with another data file`);
    o = next;
  }
  if (!(value instanceof RObject)) {
    if (path.length === 0) throw new LoadError(file, 'top-level data must be an object');
    throw new LoadError(file, 'data files must hold an object');
  }
  for (const [k, v] of value) {
    const prev = o.get(k);
    if (prev instanceof RObject && v instanceof RObject) mergeAt(o, [k as string], v, file);
    else if (prev !== undefined) throw new LoadError(file, `data key ${[...path, k].join('.')} is defined twice`);
    else o.set(k, v);
  }
}

/** Loads every path (file or directory). Throws CompileError for Rego parse errors, LoadError otherwise. */
export function loadPolicyTree(paths: readonly string[], opts: { regoVersion?: RegoVersion } = {}): LoadedTree {
  const modules: Module[] = [];
  const documents: PolicyDocumentFile[] = [];
  const files: { path: string; content: string }[] = [];
  const data = new RObject();
  const errors: RegoError[] = [];
  for (const root of paths) {
    const all: string[] = [];
    walk(root, all);
    const rootDir = statSync(root).isDirectory() ? root : dirname(root);
    for (const file of all) {
      const name = basename(file);
      const isRego = name.endsWith('.rego');
      const isJSON = name.endsWith('.json');
      const isYAML = /\.ya?ml$/.test(name);
      if (!isRego && !isJSON && !isYAML) continue;
      const content = readFileSync(file, 'utf8');
      files.push({ path: file, content });
      if (isRego) {
        try {
          modules.push(parseModule(content, file, { regoVersion: opts.regoVersion ?? 1 }));
        } catch (e) {
          if (e instanceof CompileError) errors.push(...e.errors);
          else throw e;
        }
        continue;
      }
      const rel = relative(rootDir, dirname(file));
      const path = rel === '' ? [] : rel.split(sep);
      if (isJSON) {
        let v: Value;
        try { v = parseJSON(content); } catch (e) {
          throw new LoadError(file, `invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
        }
        mergeAt(data, path, v, file);
        continue;
      }
      let doc: unknown;
      try { doc = parseYAML(content, { intAsBigInt: true }); } catch (e) {
        throw new LoadError(file, `invalid YAML: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (doc && typeof doc === 'object' && (doc as Record<string, unknown>).apiVersion === 'attest/v1') {
        documents.push({ file, source: content });
      } else if (doc !== null && doc !== undefined) {
        mergeAt(data, path, fromJSON(doc), file);
      }
    }
  }
  if (errors.length) throw new CompileError(errors);
  return { modules, data, documents, files };
}
