/**
 * `attest controls check`: are the links between requirements, controls,
 * enforcement points and tests complete and consistent in both directions?
 */
import { suggest } from '../policy/yaml-schema.js';
import type { Registry } from './registry.js';
import type { EnforcementPointInfo, SourceLocation } from './types.js';

export type ProblemCode =
  /** A control cites a requirement (or framework) no catalogue has. */
  | 'unknown_requirement'
  /** A control lists an enforcement point no loaded policy rule declares. */
  | 'missing_enforcement_point'
  /** A rule's custom.controls names a control that does not exist. */
  | 'unknown_control'
  /** A rule names a control, but the control does not list the rule back. */
  | 'unlisted_enforcement_point'
  /** A control lists a rule, but the rule does not name the control back. */
  | 'unlinked_enforcement_point'
  /** A rule linked to no control from either side. */
  | 'orphan_enforcement_point'
  /** An enforcement point without a passing test. */
  | 'untested_enforcement_point';

export interface Problem {
  code: ProblemCode;
  /** One line, starting with file:line:col when the place is known. */
  message: string;
  location?: SourceLocation;
  control?: string;
  enforcementPoint?: string;
  requirement?: string;
}

function problem(code: ProblemCode, detail: string, location: SourceLocation | undefined, extra: Omit<Problem, 'code' | 'message' | 'location'>): Problem {
  const at = location ? `${location.file}:${location.line}:${location.col}: ` : '';
  return { code, message: `${at}${detail}`, ...(location ? { location } : {}), ...extra };
}

/** Every problem found, sorted by place; an empty list means the registry is consistent. */
export function checkRegistry(registry: Registry, enforcementPoints: readonly EnforcementPointInfo[]): Problem[] {
  const problems: Problem[] = [];
  const eps = new Map(enforcementPoints.map((ep) => [ep.id, ep]));
  const listedBy = new Map<string, string[]>();

  for (const control of registry.controls()) {
    control.requirements.forEach((ref, i) => {
      if (registry.resolve(ref)) return;
      const [fw, id] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
      const known = registry.requirements(fw).map((r) => r.id);
      const why = registry.catalogue(fw)
        ? `it is not in the ${fw} catalogue${suggest(id, known)}`
        : `there is no catalogue for framework "${fw}" (known: ${registry.frameworks().join(', ')})`;
      problems.push(problem('unknown_requirement', `control ${control.id} cites requirement ${ref}, but ${why}`, registry.locateControl(control.id, ['requirements', i]), { control: control.id, requirement: ref }));
    });
    control.enforcement_points.forEach((id, i) => {
      listedBy.set(id, [...(listedBy.get(id) ?? []), control.id]);
      const where = registry.locateControl(control.id, ['enforcement_points', i]);
      const ep = eps.get(id);
      if (!ep) {
        problems.push(
          problem('missing_enforcement_point', `control ${control.id} lists enforcement point ${id}, but no loaded policy rule has custom.id "${id}"${suggest(id, [...eps.keys()])}`, where, {
            control: control.id,
            enforcementPoint: id,
          }),
        );
      } else if (!ep.controls.includes(control.id)) {
        problems.push(
          problem('unlinked_enforcement_point', `control ${control.id} lists enforcement point ${id}, but rule ${id} does not name ${control.id} in its custom.controls`, where, {
            control: control.id,
            enforcementPoint: id,
          }),
        );
      }
    });
  }

  for (const ep of enforcementPoints) {
    for (const id of ep.controls) {
      const control = registry.control(id);
      if (!control) {
        const known = registry.controls().map((c) => c.id);
        problems.push(problem('unknown_control', `rule ${ep.id} names control ${id} in custom.controls, but no such control exists${suggest(id, known)}`, ep.location, { control: id, enforcementPoint: ep.id }));
      } else if (!control.enforcement_points.includes(ep.id)) {
        problems.push(
          problem('unlisted_enforcement_point', `rule ${ep.id} names control ${id} in custom.controls, but ${id} does not list ${ep.id} in its enforcement_points`, ep.location ?? registry.locateControl(id, ['enforcement_points']), {
            control: id,
            enforcementPoint: ep.id,
          }),
        );
      }
    }
    if (ep.controls.length === 0 && !listedBy.has(ep.id)) {
      problems.push(problem('orphan_enforcement_point', `rule ${ep.id} is linked to no control: name one in its custom.controls and list the rule in that control`, ep.location, { enforcementPoint: ep.id }));
    }
    if (!ep.tested) {
      problems.push(problem('untested_enforcement_point', `enforcement point ${ep.id} has no passing policy test`, ep.location, { enforcementPoint: ep.id }));
    }
  }

  return problems.sort(
    (a, b) =>
      (a.location?.file ?? '\uffff').localeCompare(b.location?.file ?? '\uffff') ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      (a.location?.col ?? 0) - (b.location?.col ?? 0) ||
      a.message.localeCompare(b.message),
  );
}
