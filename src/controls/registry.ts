/**
 * The control registry: catalogues and controls, with the links between
 * requirements and controls resolved once.
 *
 * A control may cite a finer point than the catalogue lists
 * (`gdpr:Art.32(1)(b)` when the catalogue has `Art.32`): a reference resolves
 * to the longest catalogue id it starts with, cut at a "(".
 */
import type { PathSegment, YamlSource } from '../policy/yaml-schema.js';
import { locate } from '../policy/yaml-schema.js';
import type { Catalogue, Control, Requirement, SourceLocation } from './types.js';

export interface RelatedRequirement {
  requirement: Requirement;
  /** The shared controls through which it is reached. */
  via: string[];
}

export interface RequirementMap {
  requirement: Requirement;
  controls: string[];
  /** Requirements of the other frameworks, in framework then catalogue order. */
  related: RelatedRequirement[];
}

export class Registry {
  private readonly catalogues = new Map<string, Catalogue>();
  private readonly byRef = new Map<string, Requirement>();
  private readonly controlMap = new Map<string, Control>();
  private readonly sources = new Map<string, YamlSource>();
  private readonly reqControls = new Map<string, string[]>();

  constructor(catalogues: readonly Catalogue[], controls: readonly { control: Control; source?: YamlSource }[]) {
    for (const c of catalogues) {
      this.catalogues.set(c.framework, c);
      for (const r of c.requirements) this.byRef.set(r.ref, r);
    }
    for (const { control, source } of controls) {
      this.controlMap.set(control.id, control);
      if (source) this.sources.set(control.id, source);
      for (const ref of control.requirements) {
        const req = this.resolve(ref);
        if (!req) continue;
        const list = this.reqControls.get(req.ref) ?? [];
        if (!list.includes(control.id)) list.push(control.id);
        this.reqControls.set(req.ref, list);
      }
    }
  }

  /** Framework ids, sorted. */
  frameworks(): string[] {
    return [...this.catalogues.keys()].sort();
  }

  catalogue(framework: string): Catalogue | undefined {
    return this.catalogues.get(framework);
  }

  /** Every requirement of a framework, in catalogue order (empty for an unknown framework). */
  requirements(framework: string): Requirement[] {
    return this.catalogues.get(framework)?.requirements ?? [];
  }

  /** Controls sorted by id. */
  controls(): Control[] {
    return [...this.controlMap.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  control(id: string): Control | undefined {
    return this.controlMap.get(id);
  }

  /** The catalogue requirement a reference such as `gdpr:Art.32(1)(b)` names, if any. */
  resolve(ref: string): Requirement | undefined {
    const exact = this.byRef.get(ref);
    if (exact) return exact;
    for (let cut = ref.lastIndexOf('('); cut > 0; cut = ref.lastIndexOf('(', cut - 1)) {
      const found = this.byRef.get(ref.slice(0, cut));
      if (found) return found;
    }
    return undefined;
  }

  /** Ids of the controls that cite a requirement (or a finer point of it). */
  controlsFor(ref: string): string[] {
    const req = this.resolve(ref);
    return req ? [...(this.reqControls.get(req.ref) ?? [])].sort() : [];
  }

  /** Requirements of other frameworks reached from `ref` through shared controls; undefined for an unknown requirement. */
  map(ref: string): RequirementMap | undefined {
    const requirement = this.resolve(ref);
    if (!requirement) return undefined;
    const controls = this.controlsFor(requirement.ref);
    const via = new Map<string, string[]>();
    for (const id of controls) {
      for (const r of this.control(id)?.requirements ?? []) {
        const other = this.resolve(r);
        if (!other || other.framework === requirement.framework) continue;
        const list = via.get(other.ref) ?? [];
        if (!list.includes(id)) list.push(id);
        via.set(other.ref, list);
      }
    }
    const related: RelatedRequirement[] = [];
    for (const fw of this.frameworks()) {
      for (const r of this.requirements(fw)) {
        const v = via.get(r.ref);
        if (v) related.push({ requirement: r, via: v.sort() });
      }
    }
    return { requirement, controls, related };
  }

  /** Where a part of a control file is (`['requirements', 2]`), when the control was loaded from a file. */
  locateControl(id: string, path: PathSegment[] = ['id']): SourceLocation | undefined {
    const source = this.sources.get(id);
    if (!source) return undefined;
    return { file: source.file, ...locate(source, path) };
  }
}
