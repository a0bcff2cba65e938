/**
 * `attest controls coverage`: for every requirement of a framework, exactly
 * once, the controls that cite it, their enforcement points and tests, and a
 * status.
 *
 * A control is `manual` when it has no enforcement points, `covered` when all
 * of its enforcement points exist in the policies and are tested, `partial`
 * otherwise. A requirement is a `gap` without controls, `partial` when any of
 * its controls is partial (a broken link is worth a look even next to a
 * working control), `covered` when at least one control is covered, and
 * `manual` when only manual controls cite it.
 */
import type { Registry } from './registry.js';
import type { Control, EnforcementPointInfo } from './types.js';

export type CoverageStatus = 'covered' | 'partial' | 'manual' | 'gap';
export const COVERAGE_STATUSES: readonly CoverageStatus[] = ['covered', 'partial', 'manual', 'gap'];

export interface EnforcementPointState {
  id: string;
  /** A loaded policy rule declares it. */
  present: boolean;
  tested: boolean;
}

export interface CoverageRow {
  requirement: string;
  id: string;
  title: string;
  group: string;
  optional: boolean;
  status: CoverageStatus;
  controls: string[];
  enforcementPoints: EnforcementPointState[];
  tests: string[];
  manualEvidence: string[];
}

export interface CoverageReport {
  framework: { id: string; name: string; version: string };
  rows: CoverageRow[];
  totals: Record<CoverageStatus, number> & { total: number };
}

export function controlStatus(control: Control, eps: ReadonlyMap<string, EnforcementPointInfo>): Exclude<CoverageStatus, 'gap'> {
  if (control.enforcement_points.length === 0) return 'manual';
  return control.enforcement_points.every((id) => eps.get(id)?.tested === true) ? 'covered' : 'partial';
}

export class UnknownFrameworkError extends Error {
  constructor(
    readonly framework: string,
    readonly known: string[],
  ) {
    super(`unknown framework "${framework}" (known: ${known.join(', ')})`);
    this.name = 'UnknownFrameworkError';
  }
}

export function coverage(registry: Registry, framework: string, enforcementPoints: readonly EnforcementPointInfo[]): CoverageReport {
  const catalogue = registry.catalogue(framework);
  if (!catalogue) throw new UnknownFrameworkError(framework, registry.frameworks());
  const eps = new Map(enforcementPoints.map((ep) => [ep.id, ep]));
  const totals = { covered: 0, partial: 0, manual: 0, gap: 0, total: 0 };

  const rows = catalogue.requirements.map((req): CoverageRow => {
    const controls = registry.controlsFor(req.ref).map((id) => registry.control(id)).filter((c): c is Control => c !== undefined);
    const statuses = controls.map((c) => controlStatus(c, eps));
    const status: CoverageStatus =
      controls.length === 0 ? 'gap' : statuses.includes('partial') ? 'partial' : statuses.includes('covered') ? 'covered' : 'manual';
    const epIds = [...new Set(controls.flatMap((c) => c.enforcement_points))].sort();
    const tests = new Set<string>(controls.flatMap((c) => c.tests ?? []));
    for (const id of epIds) for (const t of eps.get(id)?.tests ?? []) tests.add(t);
    totals[status]++;
    totals.total++;
    return {
      requirement: req.ref,
      id: req.id,
      title: req.title,
      group: req.group.id,
      optional: req.group.optional,
      status,
      controls: controls.map((c) => c.id),
      enforcementPoints: epIds.map((id) => ({ id, present: eps.has(id), tested: eps.get(id)?.tested === true })),
      tests: [...tests].sort(),
      manualEvidence: controls.flatMap((c) => (c.manual_evidence ?? []).map((m) => `${m.what} (${m.cadence})`)),
    };
  });
  return { framework: { id: catalogue.framework, name: catalogue.name, version: catalogue.version }, rows, totals };
}
