/**
 * Loading catalogues and controls: YAML (or JSON) files, schema-checked, with
 * every error at file:line:col. Invalid files are left out of the registry
 * and reported; callers decide whether any error is fatal.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PolicyError, YamlSource } from '../policy/yaml-schema.js';
import { errorAt, parseYaml, validateSource } from '../policy/yaml-schema.js';
import { Registry } from './registry.js';
import { catalogueSchema, controlSchema } from './schemas.js';
import type { Catalogue, CatalogueSpec, Control } from './types.js';

export interface SourceText {
  file: string;
  text: string;
}

export interface LoadResult {
  registry: Registry;
  errors: PolicyError[];
}

function parseAndValidate(src: SourceText, schema: Record<string, unknown>): { source?: YamlSource; errors: PolicyError[] } {
  const parsed = parseYaml(src.text, src.file);
  if (!parsed.source) return { errors: parsed.errors };
  const errors = validateSource(parsed.source, schema);
  return errors.length > 0 ? { errors } : { source: parsed.source, errors: [] };
}

function toCatalogue(spec: CatalogueSpec, file: string): Catalogue {
  return {
    framework: spec.framework,
    name: spec.name,
    version: spec.version,
    source: spec.source,
    notes: spec.notes,
    file,
    requirements: spec.groups.flatMap((g) =>
      g.requirements.map((r) => ({
        framework: spec.framework,
        id: r.id,
        ref: `${spec.framework}:${r.id}`,
        title: r.title,
        summary: r.summary,
        group: { id: g.id, title: g.title, optional: g.optional === true },
        tags: r.tags ?? [],
      })),
    ),
  };
}

/** Builds a registry from file contents (no file system access). */
export function buildRegistry(catalogueFiles: readonly SourceText[], controlFiles: readonly SourceText[]): LoadResult {
  const errors: PolicyError[] = [];
  const catalogues: Catalogue[] = [];
  const frameworkFiles = new Map<string, string>();
  for (const src of catalogueFiles) {
    const { source, errors: errs } = parseAndValidate(src, catalogueSchema);
    errors.push(...errs);
    if (!source) continue;
    const spec = source.value as CatalogueSpec;
    const first = frameworkFiles.get(spec.framework);
    if (first) {
      errors.push(errorAt(source, ['framework'], `framework "${spec.framework}" is already defined by ${first}`, 'duplicate-framework', 'schema_error'));
      continue;
    }
    const seen = new Set<string>();
    let ok = true;
    spec.groups.forEach((g, gi) =>
      g.requirements.forEach((r, ri) => {
        if (seen.has(r.id)) {
          errors.push(errorAt(source, ['groups', gi, 'requirements', ri, 'id'], `requirement "${r.id}" appears more than once in this catalogue`, 'duplicate-requirement', 'schema_error'));
          ok = false;
        }
        seen.add(r.id);
      }),
    );
    if (!ok) continue;
    frameworkFiles.set(spec.framework, src.file);
    catalogues.push(toCatalogue(spec, src.file));
  }

  const controls: { control: Control; source: YamlSource }[] = [];
  const controlFilesById = new Map<string, string>();
  for (const src of controlFiles) {
    const { source, errors: errs } = parseAndValidate(src, controlSchema);
    errors.push(...errs);
    if (!source) continue;
    const control = source.value as Control;
    const first = controlFilesById.get(control.id);
    if (first) {
      errors.push(errorAt(source, ['id'], `control "${control.id}" is already defined by ${first}`, 'duplicate-control', 'schema_error'));
      continue;
    }
    const stray = (control.runtime_evidence ?? []).flatMap((ev, i) =>
      control.enforcement_points.includes(ev.enforcement_point)
        ? []
        : [errorAt(source, ['runtime_evidence', i, 'enforcement_point'], `runtime evidence names "${ev.enforcement_point}", which is not in this control's enforcement_points`, 'evidence-enforcement-point', 'schema_error')],
    );
    errors.push(...stray);
    if (stray.length > 0) continue;
    controlFilesById.set(control.id, src.file);
    controls.push({ control, source });
  }
  errors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
  return { registry: new Registry(catalogues, controls), errors };
}

const isYaml = (name: string): boolean => /\.(ya?ml|json)$/.test(name) && !name.startsWith('.');

async function readAll(dir: string): Promise<SourceText[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() && isYaml(d.name)).map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  names.sort();
  return Promise.all(names.map(async (n) => ({ file: join(dir, n), text: await readFile(join(dir, n), 'utf8') })));
}

/**
 * Loads `<dir>/frameworks/*.yaml` (catalogues) and `<dir>/*.yaml` (controls).
 * File names in errors are `dir`-relative as given (e.g. `controls/access-mfa.yaml`).
 */
export async function loadRegistry(dir = 'controls'): Promise<LoadResult> {
  const [catalogues, controls] = await Promise.all([readAll(join(dir, 'frameworks')), readAll(dir)]);
  return buildRegistry(catalogues, controls);
}
