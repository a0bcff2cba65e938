/**
 * `attest verify`: checks a report folder (or a report.pdf with its folder)
 * without trusting the machine that made it: the manifest's signature and
 * certificate, every file's hash, the PDF's binding to the manifest, and,
 * when the database is reachable, the ledger segment of the period.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Database } from '../db/index.js';
import { ed25519Verifier, verifyLedger, type Signer } from '../decisions/index.js';
import { certificateFingerprint, certificateVerifier, keyIdOfCertificate, type KeyStore } from './keys.js';
import { MANIFEST_FORMAT, PDF_FILE, manifestDigest, sha256, verifyManifestSignature, type Manifest } from './manifest.js';
import { countDecisions } from './queries.js';

export type CheckStatus = 'OK' | 'FAIL' | 'SKIP';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  dir: string;
  checks: Check[];
  manifest?: Manifest;
}

export interface VerifyReportOptions {
  /** The database, when reachable; `{ unreachable: reason }` says why not. */
  db?: Database | { unreachable: string };
  /** Trusted signing certificates (PEM), e.g. the key store's or one given with --cert. */
  trusted?: string[];
}

/** The expected data files besides the manifest. */
export const SIGNED_FILES = ['report.pdf', 'report.json', 'controls.csv', 'oscal-assessment-results.json'];

function isDatabase(db: VerifyReportOptions['db']): db is Database {
  return db !== undefined && 'knex' in db;
}

/** Values of the PDF's document information dictionary written as literal strings. */
export function pdfInfoValue(pdf: Buffer, key: string): string | undefined {
  const text = pdf.toString('latin1');
  const direct = new RegExp(`/${key} \\(([^)]*)\\)`).exec(text);
  if (direct) return direct[1];
  // pdfkit writes info values as indirect objects: `/Key 12 0 R` … `12 0 obj\n(value)`.
  const ref = new RegExp(`/${key} (\\d+) 0 R`).exec(text);
  if (!ref) return undefined;
  const obj = new RegExp(`(?:^|\\n)${ref[1]} 0 obj\\s*\\(([^)]*)\\)`).exec(text);
  return obj?.[1];
}

export async function verifyReportFolder(path: string, opts: VerifyReportOptions = {}): Promise<VerifyResult> {
  const checks: Check[] = [];
  const add = (name: string, status: CheckStatus, detail: string) => checks.push({ name, status, detail });
  const isFile = existsSync(path) && statSync(path).isFile();
  const dir = isFile ? dirname(path) : path;
  const done = (manifest?: Manifest): VerifyResult => ({ ok: checks.every((c) => c.status !== 'FAIL'), dir, checks, ...(manifest ? { manifest } : {}) });

  if (!existsSync(path)) {
    add('report', 'FAIL', `${path} does not exist`);
    return done();
  }
  if (isFile && basename(path) !== PDF_FILE && basename(path) !== 'manifest.json') {
    add('report', 'FAIL', `${path}: give a report folder, its report.pdf or its manifest.json`);
    return done();
  }

  let manifest: Manifest;
  const manifestFile = join(dir, 'manifest.json');
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    if (manifest.format !== MANIFEST_FORMAT) throw new Error(`unknown format ${JSON.stringify(manifest.format)}`);
    add('manifest', 'OK', `${manifestFile}: report ${manifest.report_id}, ${manifest.framework}, ${manifest.period.from} to ${manifest.period.to}${manifest.tenant !== null ? `, tenant ${manifest.tenant}` : ''}`);
  } catch (e) {
    add('manifest', 'FAIL', `${manifestFile}: ${existsSync(manifestFile) ? (e as Error).message : 'not found (the manifest must sit next to report.pdf)'}`);
    return done();
  }

  // Signature and certificate.
  const sig = manifest.signature;
  if (!sig) {
    add('signature', 'FAIL', 'the manifest is not signed');
  } else {
    let certKeyId = '';
    try {
      certKeyId = keyIdOfCertificate(sig.certificate);
    } catch {
      add('signature', 'FAIL', 'the enclosed certificate cannot be read');
    }
    if (certKeyId) {
      if (certKeyId !== sig.key_id) add('signature', 'FAIL', `the signature claims key ${sig.key_id} but the enclosed certificate holds ${certKeyId}`);
      else if (verifyManifestSignature(manifest)) add('signature', 'OK', `${sig.algorithm} by ${sig.key_id}`);
      else add('signature', 'FAIL', `the manifest does not match its ${sig.algorithm} signature (changed after signing, or signed by another key)`);
      const trusted = opts.trusted ?? [];
      if (trusted.length === 0) {
        add('certificate', 'SKIP', `no trusted certificates to compare with (pass --cert FILE); enclosed certificate SHA-256 ${certificateFingerprint(sig.certificate)}`);
      } else {
        const fp = certificateFingerprint(sig.certificate);
        const known = trusted.some((pem) => {
          try {
            return certificateFingerprint(pem) === fp;
          } catch {
            return false;
          }
        });
        add('certificate', known ? 'OK' : 'FAIL', known ? `trusted signing certificate ${fp.slice(0, 16)}…` : `the signing certificate ${fp.slice(0, 16)}… is not one of the trusted certificates`);
      }
    }
  }

  // The digest printed on the cover.
  const digest = manifestDigest(manifest);
  add('manifest digest', digest === manifest.digest ? 'OK' : 'FAIL', digest === manifest.digest ? digest : `recomputed ${digest}, the manifest says ${manifest.digest}`);

  // Every file's hash.
  for (const name of SIGNED_FILES) {
    if (!(name in manifest.files)) add(`hash ${name}`, 'FAIL', 'not listed in the manifest');
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    const file = join(dir, name);
    if (name.includes('/') || name.includes('\\')) {
      add(`hash ${name}`, 'FAIL', 'file names in a manifest must not contain a path');
      continue;
    }
    if (!existsSync(file)) {
      add(`hash ${name}`, 'FAIL', 'file missing');
      continue;
    }
    const actual = sha256(readFileSync(file));
    add(`hash ${name}`, actual === expected ? 'OK' : 'FAIL', actual === expected ? actual : `SHA-256 is ${actual}, the manifest says ${expected}`);
  }

  // The PDF names this manifest.
  const pdfPath = join(dir, PDF_FILE);
  if (existsSync(pdfPath)) {
    const pdf = readFileSync(pdfPath);
    const d = pdfInfoValue(pdf, 'AttestManifestDigest');
    const id = pdfInfoValue(pdf, 'AttestReportId');
    const ok = d === manifest.digest && id === manifest.report_id;
    add('pdf binding', ok ? 'OK' : 'FAIL', ok ? 'report.pdf carries the report id and manifest digest' : `report.pdf names report ${id ?? '?'} and digest ${d ?? '?'}`);
  }

  // The ledger, when the database is reachable.
  const db = opts.db;
  if (!isDatabase(db)) {
    add('ledger segment', 'SKIP', db ? `database not reachable: ${db.unreachable}` : 'no database given');
  } else {
    await ledgerChecks(db, manifest, add, opts.trusted ?? []);
  }
  return done(manifest);
}

async function ledgerChecks(db: Database, m: Manifest, add: (n: string, s: CheckStatus, d: string) => void, trusted: string[]): Promise<void> {
  const seg = m.ledger.segment;
  try {
    if (seg.records === 0) {
      add('ledger segment', 'OK', 'no decisions in the period');
    } else {
      const signers: Signer[] = trusted.map(certificateVerifier);
      // The server's checkpoint keys, as the (already checked) manifest names them.
      for (const k of m.ledger.checkpoint_keys ?? []) signers.push(ed25519Verifier(k.public_key));
      const v = await verifyLedger(db, { from: seg.from_seq, to: seg.to_seq, signers });
      const last = await db.knex('decisions').select('hash').where({ seq: seg.to_seq }).first();
      if (!v.ok) add('ledger segment', 'FAIL', v.firstBad?.message ?? v.checkpoints.firstBad?.message ?? 'verification failed');
      else if (!last || String(last.hash) !== seg.to_hash) add('ledger segment', 'FAIL', `record ${seg.to_seq} no longer has the hash the report saw (${seg.to_hash})`);
      else add('ledger segment', 'OK', `records ${seg.from_seq}..${seg.to_seq} re-hashed (${v.checked}), links intact; ${v.checkpoints.checked} checkpoint(s), ${v.checkpoints.signaturesVerified} signature(s) verified`);
    }
    const n = await countDecisions(db, { period: m.period, tenant: m.tenant }, seg.to_seq);
    add('ledger population', n === m.decisions ? 'OK' : 'FAIL', n === m.decisions ? `${n} decisions in scope, as reported` : `${n} decisions in scope now, the report counted ${m.decisions}`);
    if (m.ledger.head.seq > 0) {
      const h = await db.knex('decisions').select('hash').where({ seq: m.ledger.head.seq }).first();
      const ok = h !== undefined && String(h.hash) === m.ledger.head.hash;
      add('ledger head', ok ? 'OK' : 'FAIL', ok ? `record ${m.ledger.head.seq} still ends in ${m.ledger.head.hash.slice(0, 16)}…` : `record ${m.ledger.head.seq} no longer has the head hash the report saw`);
    }
  } catch (e) {
    add('ledger segment', 'FAIL', `the ledger could not be read: ${(e as Error).message}`);
  }
}

/** Trusted certificates: the key store's (current and retired) plus any given. */
export function trustedCertificates(store: KeyStore | undefined, extra: string[] = []): string[] {
  return [...(store ? store.certificates().values() : []), ...extra];
}
