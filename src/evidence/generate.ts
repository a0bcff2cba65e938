/**
 * Generates a report: collect, render the five files, sign the manifest,
 * write the folder, record the report and log its generation as an admin action.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRegistry, type Registry } from '../controls/index.js';
import { appendAdminAction, ed25519Verifier } from '../decisions/index.js';
import { collectEvidence, type CollectOptions } from './collect.js';
import { certificateVerifier, type KeyStore } from './keys.js';
import { MANIFEST_FORMAT, PDF_FILE, manifestDigest, sha256, signManifest, type Manifest } from './manifest.js';
import { renderCsv } from './render/csv.js';
import { renderOscal } from './render/oscal.js';
import { renderPdf } from './render/pdf.js';
import type { EvidenceReport } from './types.js';

export interface GenerateOptions extends Omit<CollectOptions, 'reportId' | 'registry' | 'signers'> {
  /** The registry, or the directory to load it from (default `controls`). */
  registry?: Registry;
  controlsDir?: string;
  /** Folder the five files are written to (created if needed). */
  outDir: string;
  keyStore: KeyStore;
  reportId?: string;
  /** Public keys (PEM, Ed25519) the server signs ledger checkpoints with: checked, and named in the manifest. */
  checkpointKeys?: string[];
}

export interface GeneratedReport {
  id: string;
  dir: string;
  files: Record<string, string>;
  manifest: Manifest;
  report: EvidenceReport;
  pages: number;
  bytes: number;
  durationMs: number;
}

/** JSON with bigints as numbers where exact, else as strings. */
export function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? (Number.isSafeInteger(Number(x)) ? Number(x) : x.toString()) : x), 2) + '\n';
}

export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
}

export async function generateReport(o: GenerateOptions): Promise<GeneratedReport> {
  const started = performance.now();
  const progress = o.onProgress ?? (() => undefined);
  const id = o.reportId ?? randomUUID();
  let registry = o.registry;
  const extraNotes: string[] = [];
  if (!registry) {
    progress('loading the control registry');
    const loaded = await loadRegistry(o.controlsDir ?? 'controls');
    registry = loaded.registry;
    if (loaded.errors.length) extraNotes.push(`The control registry has ${loaded.errors.length} problem(s); invalid files were left out (run \`attest controls check\`).`);
  }
  const key = o.keyStore.activeKey();
  // Every certificate the store holds checks the checkpoints its key signed (older keys too, after a rotation).
  const certs = o.keyStore.certificates();
  const checkpointVerifiers = new Map((o.checkpointKeys ?? []).map((pem) => {
    const v = ed25519Verifier(pem);
    return [v.keyId, { verifier: v, pem }] as const;
  }));
  const report = await collectEvidence({
    ...o, registry, reportId: id,
    signers: (keyId) => {
      const cert = certs.get(keyId) ?? (keyId === key.keyId ? key.certificate : undefined);
      return cert ? certificateVerifier(cert) : checkpointVerifiers.get(keyId)?.verifier;
    },
  });
  report.notes.push(...extraNotes);

  progress('rendering report.json, controls.csv and OSCAL');
  const files: Record<string, Buffer> = {};
  files['report.json'] = Buffer.from(jsonText(report));
  files['controls.csv'] = Buffer.from(renderCsv(report));
  const hashes: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) hashes[name] = sha256(bytes);
  files['oscal-assessment-results.json'] = Buffer.from(jsonText(renderOscal(report, hashes)));
  hashes['oscal-assessment-results.json'] = sha256(files['oscal-assessment-results.json']);

  const unsigned: Omit<Manifest, 'digest'> = {
    format: MANIFEST_FORMAT,
    report_id: id,
    framework: report.framework.id,
    period: report.period,
    tenant: report.tenant,
    generated_at: report.generatedAt,
    requested_by: report.requestedBy,
    revisions: report.revisions.map((r) => ({ id: r.id, content_hash: r.contentHash ?? null })),
    ledger: {
      head: report.ledger.head,
      segment: { from_seq: report.ledger.segment.fromSeq, to_seq: report.ledger.segment.toSeq, to_hash: report.ledger.segment.toHash, records: report.ledger.segment.records },
      admin_head: report.ledger.adminHead,
      ...(checkpointVerifiers.size > 0
        ? { checkpoint_keys: [...checkpointVerifiers].map(([keyId, k]) => ({ key_id: keyId, public_key: k.pem })) }
        : {}),
    },
    decisions: report.runtime.total,
    files: { ...hashes },
  };
  const digest = manifestDigest(unsigned);

  progress('rendering report.pdf');
  const pdf = await renderPdf(report, { manifestDigest: digest });
  files[PDF_FILE] = pdf;
  hashes[PDF_FILE] = sha256(pdf);

  progress('signing the manifest');
  const manifest = signManifest({ ...unsigned, files: { ...hashes }, digest }, key);
  files['manifest.json'] = Buffer.from(jsonText(manifest));

  mkdirSync(o.outDir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(o.outDir, name), bytes);

  progress('recording the report');
  const all = { ...hashes, 'manifest.json': sha256(files['manifest.json']) };
  await o.db.knex('reports').insert({
    id,
    framework: report.framework.id,
    period_start: report.period.from,
    period_end: report.period.to,
    tenant: report.tenant,
    hashes: JSON.stringify(all),
    requested_by: o.requestedBy,
    created_at: report.generatedAt,
  });
  await appendAdminAction(o.db, {
    actor: o.requestedBy,
    action: 'report.generate',
    target: id,
    tenant: report.tenant,
    details: { framework: report.framework.id, period: { from: report.period.from, to: report.period.to }, manifest_digest: digest, key_id: key.keyId, files: all },
  });
  return {
    id, dir: o.outDir, files: all, manifest, report,
    pages: pdfPageCount(pdf),
    bytes: Object.values(files).reduce((a, b) => a + b.length, 0),
    durationMs: performance.now() - started,
  };
}
