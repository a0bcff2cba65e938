/**
 * The manifest: what a report contains and what the ledger held when it was
 * made, signed.
 *
 * The PDF prints the manifest's digest on its cover, but the manifest also
 * lists the PDF's hash; to break the circle, `digest` is the SHA-256 of the
 * canonical JSON of the manifest *without* the PDF's hash, the digest itself
 * and the signature. The signature then covers the whole manifest except the
 * `signature` member.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, type Json } from '../decisions/index.js';
import { verifyWithCertificate, type SigningKey } from './keys.js';
import type { Period } from './types.js';

export const MANIFEST_FORMAT = 'attest.evidence-manifest/v1';
export const PDF_FILE = 'report.pdf';

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  report_id: string;
  framework: string;
  period: Period;
  tenant: string | null;
  generated_at: string;
  requested_by: string;
  revisions: { id: string; content_hash: string | null }[];
  ledger: {
    head: { seq: number; hash: string };
    segment: { from_seq: number; to_seq: number; to_hash: string | null; records: number };
    admin_head: { seq: number; hash: string };
    /**
     * Public keys (PEM) the server signs checkpoints with, so that a verifier
     * can check them; the manifest's own signature vouches for them.
     */
    checkpoint_keys?: { key_id: string; public_key: string }[];
  };
  /** Decisions in the report's scope (period and tenant) when it was made. */
  decisions: number;
  /** File name → SHA-256 (hex). */
  files: Record<string, string>;
  /** SHA-256 of the manifest without report.pdf's hash, this field and the signature (printed on the PDF cover). */
  digest: string;
  signature?: { algorithm: string; key_id: string; certificate: string; value: string };
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toJson(m: Omit<Manifest, 'signature'>): Json {
  return JSON.parse(JSON.stringify(m)) as Json;
}

/** The digest printed on the cover. */
export function manifestDigest(m: Omit<Manifest, 'digest' | 'signature'> | Manifest): string {
  const { [PDF_FILE]: _pdf, ...files } = m.files;
  const core = { ...m, files } as Record<string, unknown>;
  delete core.digest;
  delete core.signature;
  return sha256(canonicalJson(JSON.parse(JSON.stringify(core)) as Json));
}

/** The bytes the signature covers. */
export function signedBytes(m: Manifest): Buffer {
  const { signature: _s, ...rest } = m;
  return Buffer.from(canonicalJson(toJson(rest)), 'utf8');
}

export function signManifest(m: Manifest, key: SigningKey): Manifest {
  const unsigned: Manifest = { ...m };
  delete unsigned.signature;
  return { ...unsigned, signature: { algorithm: key.algorithm, key_id: key.keyId, certificate: key.certificate, value: key.sign(signedBytes(unsigned)) } };
}

export function verifyManifestSignature(m: Manifest): boolean {
  if (!m.signature) return false;
  return verifyWithCertificate(m.signature.certificate, signedBytes(m), m.signature.value);
}
