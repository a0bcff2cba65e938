/**
 * Signed checkpoints: a statement "ledger L had N records ending in hash H at
 * time T", signed, so a report can later prove what the ledger held then.
 */
import { generateKeyPairSync, sign as edSign, verify as edVerify, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from '../db/index.js';
import { canonicalJson } from './canonical.js';
import { LedgerUnavailableError } from './errors.js';
import { toLedgerTimestamp } from './time.js';

/** Signs and checks bytes; the evidence part supplies the real key store. */
export interface Signer {
  readonly keyId: string;
  /** Algorithm name recorded next to signatures (default "ed25519"). */
  readonly algorithm?: string;
  /** Signature over `bytes`, as text (base64). */
  sign(bytes: Uint8Array): string;
  verify(bytes: Uint8Array, signature: string): boolean;
}

/** Finds the key that should check a signature, by key id. */
export type SignerLookup = Signer[] | ((keyId: string) => Signer | undefined);

export function findSigner(lookup: SignerLookup | undefined, keyId: string): Signer | undefined {
  if (!lookup) return undefined;
  return typeof lookup === 'function' ? lookup(keyId) : lookup.find((s) => s.keyId === keyId);
}

/** A signer over an Ed25519 key pair (generated in memory unless given). */
export function ed25519Signer(keys?: { privateKey: KeyObject; publicKey: KeyObject }, keyId?: string): Signer {
  const pair = keys ?? generateKeyPairSync('ed25519');
  return {
    keyId: keyId ?? ed25519KeyId(pair.publicKey),
    algorithm: 'ed25519',
    sign: (bytes) => edSign(null, bytes, pair.privateKey).toString('base64'),
    verify: (bytes, signature) => ed25519Verify(pair.publicKey, bytes, signature),
  };
}

/** The key id checkpoints record for an Ed25519 public key: a digest of its SPKI form. */
export function ed25519KeyId(publicKey: KeyObject): string {
  return 'ed25519:' + createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/**
 * A checker of checkpoint signatures from an Ed25519 public key (PEM), for
 * whoever holds the public key only: a report and its verifier.
 */
export function ed25519Verifier(publicKeyPem: string): Signer {
  const publicKey = createPublicKey(publicKeyPem);
  return {
    keyId: ed25519KeyId(publicKey),
    algorithm: 'ed25519',
    sign: () => {
      throw new Error('a checkpoint verifier holds no private key');
    },
    verify: (bytes, signature) => ed25519Verify(publicKey, bytes, signature),
  };
}

function ed25519Verify(publicKey: KeyObject, bytes: Uint8Array, signature: string): boolean {
  try {
    return edVerify(null, bytes, publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export interface Checkpoint {
  id: number;
  ledger: string;
  seq: number;
  head_hash: string;
  record_count: number;
  created_at: string;
  key_id: string;
  algorithm: string;
  signature: string;
}

/** The exact bytes a checkpoint's signature covers. */
export function checkpointPayload(cp: Omit<Checkpoint, 'id' | 'signature'>): Buffer {
  return Buffer.from(canonicalJson({
    algorithm: cp.algorithm,
    created_at: cp.created_at,
    head_hash: cp.head_hash,
    key_id: cp.key_id,
    ledger: cp.ledger,
    record_count: cp.record_count,
    seq: cp.seq,
  }), 'utf8');
}

/**
 * Writes a signed checkpoint of the ledger's current head. The head and the
 * record count are read from one snapshot, without blocking writers.
 */
export async function writeCheckpoint(db: Database, signer: Signer, options: { ledger?: string; table?: string } = {}): Promise<Checkpoint> {
  const ledger = options.ledger ?? 'decisions';
  const table = options.table ?? ledger;
  const work = async (trx: Knex.Transaction): Promise<Checkpoint> => {
    const head = await trx('ledger_head').select('seq', 'hash').where({ ledger }).first();
    if (!head) throw new Error(`ledger "${ledger}" has no head`);
    const seq = Number(head.seq);
    const counted = await trx(table).where('seq', '<=', seq).count({ n: '*' }).first();
    const cp: Omit<Checkpoint, 'id' | 'signature'> = {
      ledger,
      seq,
      head_hash: String(head.hash),
      record_count: Number(counted?.n ?? 0),
      created_at: toLedgerTimestamp(new Date()),
      key_id: signer.keyId,
      algorithm: signer.algorithm ?? 'ed25519',
    };
    const signature = signer.sign(checkpointPayload(cp));
    const [inserted] = await trx('ledger_checkpoints').insert({ ...cp, signature }).returning('id');
    const id = typeof inserted === 'object' && inserted !== null ? Number((inserted as { id: unknown }).id) : Number(inserted);
    return { id, ...cp, signature };
  };
  try {
    return db.dialect === 'postgres'
      ? await db.knex.transaction(work, { isolationLevel: 'repeatable read' })
      : await db.knex.transaction(work);
  } catch (err) {
    throw new LedgerUnavailableError(`the checkpoint could not be written: ${(err as Error).message}`, { cause: err });
  }
}

export async function listCheckpoints(db: Database, ledger = 'decisions', range: { fromSeq?: number; toSeq?: number } = {}): Promise<Checkpoint[]> {
  const q = db.knex('ledger_checkpoints').where({ ledger }).orderBy([{ column: 'seq' }, { column: 'id' }]);
  if (range.fromSeq !== undefined) q.where('seq', '>=', range.fromSeq);
  if (range.toSeq !== undefined) q.where('seq', '<=', range.toSeq);
  const rows: Array<Record<string, unknown>> = await q;
  return rows.map((r) => ({
    id: Number(r.id),
    ledger: String(r.ledger),
    seq: Number(r.seq),
    head_hash: String(r.head_hash),
    record_count: Number(r.record_count),
    created_at: String(r.created_at),
    key_id: String(r.key_id),
    algorithm: String(r.algorithm),
    signature: String(r.signature),
  }));
}
