/**
 * oscal-assessment-results.json: the report as a NIST OSCAL 1.1 assessment
 * result. One result for the period; one finding per requirement of the
 * framework (satisfied when its automated controls are covered); one
 * observation per enforcement point with its tests and runtime counts.
 */
import { createHash } from 'node:crypto';
import type { EvidenceReport } from '../types.js';

export const OSCAL_VERSION = '1.1.2';
const NS = 'urn:attest:oscal';

/** A stable UUID (version 5 layout) derived from the report id and a name. */
export function stableUuid(reportId: string, name: string): string {
  const h = createHash('sha1').update(`${reportId}\0${name}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** OSCAL tokens allow letters, digits, `.`, `-` and `_`: `Art.32(1)(b)` becomes `Art.32_1_b`. */
export function oscalToken(id: string): string {
  const t = id.replace(/[()]+/g, '_').replace(/[^\p{L}\p{N}._-]/gu, '_').replace(/_+$/g, '');
  return /^[\p{L}_]/u.test(t) ? t : `_${t}`;
}

/** RFC 3339 with a zone, as OSCAL's date-time-with-timezone wants. */
const ts = (t: string): string => t.replace(/(\.\d{3})\d*Z$/, '$1Z');

interface Prop {
  name: string;
  value: string;
  ns?: string;
  class?: string;
}

const prop = (name: string, value: string | number): Prop => ({ name, value: String(value), ns: NS });

export function renderOscal(r: EvidenceReport, hashes: Record<string, string> = {}): unknown {
  const u = (name: string) => stableUuid(r.id, name);
  const partyUuid = u('party:attest');
  const observations = r.controls.flatMap((c) =>
    c.enforcementPoints.map((ep) => ({
      uuid: u(`observation:${c.id}:${ep.id}`),
      title: `${ep.id} (${c.id})`,
      description:
        `Enforcement point ${ep.id} of control ${c.id}: ${ep.present ? 'present in the policies' : 'missing from the policies'}, ` +
        `${ep.tested ? `reached by ${ep.tests.length} passing test(s)` : 'not reached by a passing test'}; ` +
        `${ep.runtime.total} decision(s) in the period` +
        (Object.keys(ep.runtime.byOutcome).length ? ` (${Object.entries(ep.runtime.byOutcome).map(([k, v]) => `${k} ${v}`).join(', ')})` : '') +
        (ep.runtime.silent ? `; silent: ${ep.runtime.silent}` : '') + '.',
      props: [
        prop('enforcement-point', ep.id),
        prop('control', c.id),
        prop('decisions', ep.runtime.total),
        prop('tested', ep.tested ? 'true' : 'false'),
        ...Object.entries(ep.runtime.byOutcome).map(([k, v]) => ({ ...prop('decisions-by-outcome', v), class: oscalToken(k) })),
      ],
      methods: ['TEST'],
      types: ['control-objective'],
      origins: [{ actors: [{ type: 'party', 'actor-uuid': partyUuid }] }],
      'relevant-evidence': [{ href: 'report.json', description: `Runtime evidence and policy tests of ${ep.id} in report.json (controls[].enforcementPoints[]).` }],
      collected: ts(r.generatedAt),
    })),
  );
  const obsByControl = new Map<string, string[]>();
  for (const c of r.controls) obsByControl.set(c.id, c.enforcementPoints.map((ep) => u(`observation:${c.id}:${ep.id}`)));

  const findings = r.requirements.map((req) => {
    const related = req.controls.flatMap((c) => obsByControl.get(c) ?? []).map((id) => ({ 'observation-uuid': id }));
    return {
    uuid: u(`finding:${req.ref}`),
    title: `${req.id} ${req.title}`,
    description:
      req.controls.length === 0
        ? `No control of the registry cites ${req.ref}.`
        : `${req.ref} is cited by ${req.controls.join(', ')}; coverage status: ${req.status}.`,
    props: [prop('coverage-status', req.status), prop('requirement', req.ref), ...req.controls.map((c) => prop('control', c))],
    target: {
      type: 'objective-id',
      'target-id': oscalToken(req.id),
      title: req.title,
      status: req.status === 'covered'
        ? { state: 'satisfied', reason: 'pass' }
        : { state: 'not-satisfied', reason: req.status === 'manual' ? 'other' : 'fail', remarks: statusRemark(req.status) },
    },
    ...(related.length ? { 'related-observations': related } : {}),
    };
  });

  const resources = Object.entries(hashes).map(([file, sha]) => ({
    uuid: u(`resource:${file}`),
    title: file,
    rlinks: [{ href: file, 'media-type': file.endsWith('.csv') ? 'text/csv' : 'application/json', hashes: [{ algorithm: 'SHA-256', value: sha }] }],
  }));
  const planResource = { uuid: u('resource:assessment-plan'), title: 'attest control registry', description: `The control registry (controls/*.yaml) and the ${r.framework.name} catalogue stand in for an assessment plan.` };

  return {
    'assessment-results': {
      uuid: u('assessment-results'),
      metadata: {
        title: `${r.framework.name} evidence, ${r.period.from.slice(0, 10)} to ${r.period.to.slice(0, 10)}${r.tenant !== null ? `, tenant ${r.tenant}` : ''}`,
        published: ts(r.generatedAt),
        'last-modified': ts(r.generatedAt),
        version: r.id,
        'oscal-version': OSCAL_VERSION,
        props: [prop('report-id', r.id), prop('framework', r.framework.id), ...(r.tenant !== null ? [prop('tenant', r.tenant)] : [])],
        roles: [{ id: 'assessor', title: 'Automated evidence collector' }],
        parties: [{ uuid: partyUuid, type: 'organization', name: 'attest' }],
        'responsible-parties': [{ 'role-id': 'assessor', 'party-uuids': [partyUuid] }],
      },
      'import-ap': { href: `#${planResource.uuid}`, remarks: 'No separate assessment plan: the control registry is the plan (see back-matter).' },
      results: [{
        uuid: u('result'),
        title: `${r.framework.name}: controls in operation`,
        description: r.scope,
        start: ts(r.period.from),
        end: ts(r.period.to),
        props: [prop('decisions', r.runtime.total), prop('requirements', r.totals.requirements)],
        'reviewed-controls': {
          description: `Every requirement of ${r.framework.name} (${r.framework.version}).`,
          'control-selections': [{ 'include-controls': r.requirements.map((q) => ({ 'control-id': oscalToken(q.id) })) }],
        },
        'assessment-log': { entries: [{ uuid: u('log:generate'), title: 'Report generated', start: ts(r.generatedAt), description: `Requested by ${r.requestedBy}.` }] },
        observations,
        findings,
      }],
      'back-matter': { resources: [planResource, ...resources] },
    },
  };
}

function statusRemark(status: string): string {
  switch (status) {
    case 'partial': return 'An enforcement point of a citing control is missing from the policies or has no passing test.';
    case 'manual': return 'Only manual controls cite this requirement: the owner\'s evidence, not attest, decides.';
    default: return 'No control cites this requirement.';
  }
}
