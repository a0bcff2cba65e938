/**
 * The report-signing key store.
 *
 * One active RSA-3072 key signs manifests with RSA-PSS (SHA-256, MGF1-SHA-256,
 * 32-byte salt) through node-forge. Its self-signed X.509 certificate is made
 * when the key is first needed. The private key is kept only encrypted:
 * AES-256-GCM under a key-encryption key (KEK) from ATTEST_KEK (base64, 32
 * bytes), with the key id as additional data so a blob cannot be swapped
 * between keys. Rotation makes a new key and keeps every earlier certificate
 * in `certs/`, so reports signed before still verify.
 *
 * Layout of the directory (ATTEST_KEY_DIR, default ./data/keys):
 *   signing-key.json   the active key: certificate + encrypted private key
 *   certs/<id>.pem     every certificate ever active (the trust store for verify)
 *   dev-kek            only without ATTEST_KEK outside production: a generated KEK (loudly announced)
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import forge from 'node-forge';
import type { Signer } from '../decisions/index.js';

export const SIGNATURE_ALGORITHM = 'RSA-PSS-SHA256';

export class KeyStoreError extends Error {
  readonly code = 'key_store_error';
}

interface StoredKey {
  keyId: string;
  algorithm: string;
  createdAt: string;
  certificate: string;
  privateKey: { cipher: 'aes-256-gcm'; kek: 'ATTEST_KEK' | 'dev-kek'; iv: string; tag: string; ciphertext: string };
}

export interface SigningKey {
  keyId: string;
  algorithm: string;
  createdAt: string;
  certificate: string;
  sign(bytes: Uint8Array): string;
}

export interface KeyStoreOptions {
  dir?: string;
  env?: NodeJS.ProcessEnv;
  /** Where warnings go (default: standard error). */
  warn?: (message: string) => void;
}

function pss(): forge.pss.PSS {
  return forge.pss.create({ md: forge.md.sha256.create(), mgf: forge.mgf.mgf1.create(forge.md.sha256.create()), saltLength: 32 });
}

function digest(bytes: Uint8Array): forge.md.MessageDigest {
  const md = forge.md.sha256.create();
  md.update(Buffer.from(bytes).toString('binary'));
  return md;
}

/** SHA-256 over the certificate's DER, hex. */
export function certificateFingerprint(pem: string): string {
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(pem))).getBytes();
  return createHash('sha256').update(Buffer.from(der, 'binary')).digest('hex');
}

function keyIdOf(publicKey: forge.pki.rsa.PublicKey): string {
  const spki = forge.asn1.toDer(forge.pki.publicKeyToAsn1(publicKey)).getBytes();
  return 'rsa-pss:' + createHash('sha256').update(Buffer.from(spki, 'binary')).digest('hex').slice(0, 24);
}

/** Checks an RSA-PSS signature with the public key of a PEM certificate. */
export function verifyWithCertificate(certificatePem: string, bytes: Uint8Array, signatureB64: string): boolean {
  try {
    const cert = forge.pki.certificateFromPem(certificatePem);
    const key = cert.publicKey as forge.pki.rsa.PublicKey;
    return key.verify(digest(bytes).digest().bytes(), Buffer.from(signatureB64, 'base64').toString('binary'), pss());
  } catch {
    return false;
  }
}

/** The key id a certificate's public key has. */
export function keyIdOfCertificate(certificatePem: string): string {
  return keyIdOf(forge.pki.certificateFromPem(certificatePem).publicKey as forge.pki.rsa.PublicKey);
}

/** A checker of signatures made with the key of `certificatePem` (it cannot sign). */
export function certificateVerifier(certificatePem: string): Signer {
  return {
    keyId: keyIdOfCertificate(certificatePem),
    sign: () => {
      throw new Error('a certificate verifies only');
    },
    verify: (bytes, signature) => verifyWithCertificate(certificatePem, bytes, signature),
  };
}

export class KeyStore {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly warn: (message: string) => void;
  private kek?: { key: Buffer; source: 'ATTEST_KEK' | 'dev-kek' };

  constructor(options: KeyStoreOptions = {}) {
    this.env = options.env ?? process.env;
    this.dir = resolve(options.dir ?? (this.env.ATTEST_KEY_DIR || join('data', 'keys')));
    this.warn = options.warn ?? ((m) => process.stderr.write(`${m}\n`));
  }

  private get activeFile(): string {
    return join(this.dir, 'signing-key.json');
  }

  private get certDir(): string {
    return join(this.dir, 'certs');
  }

  /** The key-encryption key: ATTEST_KEK, or (outside production) a generated development KEK. */
  private keyEncryptionKey(): { key: Buffer; source: 'ATTEST_KEK' | 'dev-kek' } {
    if (this.kek) return this.kek;
    const given = this.env.ATTEST_KEK?.trim();
    if (given) {
      const key = Buffer.from(given, 'base64');
      if (key.length !== 32) throw new KeyStoreError(`ATTEST_KEK must be 32 bytes in base64 (got ${key.length} bytes); make one with: openssl rand -base64 32`);
      return (this.kek = { key, source: 'ATTEST_KEK' });
    }
    if (this.env.NODE_ENV === 'production') throw new KeyStoreError('ATTEST_KEK is not set: report signing keys need a key-encryption key in production (openssl rand -base64 32)');
    const file = join(this.dir, 'dev-kek');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    this.warn(
      '*** WARNING: ATTEST_KEK is not set. Using a DEVELOPMENT key-encryption key from ' + file + '. ***\n' +
      '*** The report-signing key is encrypted with it, but anyone who can read that file can sign reports. ***\n' +
      '*** Set ATTEST_KEK (openssl rand -base64 32) for anything but local development. ***',
    );
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new KeyStoreError(`${file} does not hold a 32-byte base64 key`);
    return (this.kek = { key, source: 'dev-kek' });
  }

  /** The active key, made (with its certificate) on first use. */
  activeKey(): SigningKey {
    if (!existsSync(this.activeFile)) return this.create();
    return this.open(JSON.parse(readFileSync(this.activeFile, 'utf8')) as StoredKey);
  }

  /** Whether a signing key exists yet (without making one). */
  hasKey(): boolean {
    return existsSync(this.activeFile);
  }

  /** Makes a new active key; the previous certificate stays in certs/. */
  rotate(): { previous?: string; current: SigningKey } {
    const previous = this.hasKey() ? (JSON.parse(readFileSync(this.activeFile, 'utf8')) as StoredKey).keyId : undefined;
    return { previous, current: this.create() };
  }

  /** Every certificate ever active here, by key id. */
  certificates(): Map<string, string> {
    const out = new Map<string, string>();
    if (!existsSync(this.certDir)) return out;
    for (const name of readdirSync(this.certDir).filter((n) => n.endsWith('.pem')).sort()) {
      const pem = readFileSync(join(this.certDir, name), 'utf8');
      try {
        out.set(keyIdOfCertificate(pem), pem);
      } catch {
        // not a certificate: ignore
      }
    }
    return out;
  }

  /** The active key as the ledger's checkpoint `Signer`. */
  signer(): Signer {
    const key = this.activeKey();
    const certs = this.certificates();
    return {
      keyId: key.keyId,
      algorithm: key.algorithm,
      sign: (bytes) => key.sign(bytes),
      verify: (bytes, signature) => verifyWithCertificate(certs.get(key.keyId) ?? key.certificate, bytes, signature),
    };
  }

  private create(): SigningKey {
    const kek = this.keyEncryptionKey();
    const pair = forge.pki.rsa.generateKeyPair({ bits: 3072, e: 0x10001 });
    const keyId = keyIdOf(pair.publicKey);
    const cert = forge.pki.createCertificate();
    cert.publicKey = pair.publicKey;
    cert.serialNumber = '01' + randomBytes(15).toString('hex');
    const now = new Date();
    cert.validity.notBefore = new Date(now.getTime() - 60_000);
    cert.validity.notAfter = new Date(now.getTime() + 10 * 365 * 86_400_000);
    const name = [{ name: 'commonName', value: `attest evidence signing ${keyId}` }, { name: 'organizationName', value: 'attest' }];
    cert.setSubject(name);
    cert.setIssuer(name);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    cert.sign(pair.privateKey, forge.md.sha256.create());
    const certificate = forge.pki.certificateToPem(cert);

    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', kek.key, iv);
    cipher.setAAD(Buffer.from(keyId, 'utf8'));
    const clear = Buffer.from(forge.pki.privateKeyToPem(pair.privateKey), 'utf8');
    const ciphertext = Buffer.concat([cipher.update(clear), cipher.final()]);
    clear.fill(0);
    const stored: StoredKey = {
      keyId, algorithm: SIGNATURE_ALGORITHM, createdAt: now.toISOString(), certificate,
      privateKey: { cipher: 'aes-256-gcm', kek: kek.source, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') },
    };
    mkdirSync(this.certDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(this.certDir, `${keyId.replace(/[^a-z0-9-]/gi, '_')}.pem`), certificate);
    const tmp = `${this.activeFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.activeFile);
    return this.open(stored);
  }

  private open(stored: StoredKey): SigningKey {
    const kek = this.keyEncryptionKey();
    let pem: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek.key, Buffer.from(stored.privateKey.iv, 'base64'));
      decipher.setAAD(Buffer.from(stored.keyId, 'utf8'));
      decipher.setAuthTag(Buffer.from(stored.privateKey.tag, 'base64'));
      pem = Buffer.concat([decipher.update(Buffer.from(stored.privateKey.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyStoreError(`the signing key ${stored.keyId} cannot be decrypted: ATTEST_KEK is not the key it was stored with (it was stored under ${stored.privateKey.kek})`);
    }
    const privateKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
    return {
      keyId: stored.keyId,
      algorithm: stored.algorithm,
      createdAt: stored.createdAt,
      certificate: stored.certificate,
      sign: (bytes) => Buffer.from(privateKey.sign(digest(bytes), pss()), 'binary').toString('base64'),
    };
  }
}
