import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import forge from 'node-forge';
import { flagList, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'TLS certificates: a development server pair, a client CA, client certificates',
  usage: `Usage: attest certs dev [--out DIR] [--host NAME…] [--days N]
       attest certs init [--dir DIR] [--days N] [--name TEXT]
       attest certs issue --client ID [--dir DIR] [--out DIR] [--days N]

  dev     a self-signed server certificate and key for local TLS (default
          ./data/tls/server.crt and server.key, for localhost, 127.0.0.1 and
          ::1): attest serve --tls-cert data/tls/server.crt --tls-key data/tls/server.key
  init    a certificate authority for client certificates (mutual TLS),
          default ./data/ca/ca.crt and ca.key: attest serve … --tls-client-ca data/ca/ca.crt
  issue   a client certificate for the API client ID (its CN), signed by the
          CA: the certificate authenticates as that client, with its tenant and
          roles, for as long as the client is not revoked or expired

Keys are written readable by their owner only. RSA 2048, SHA-256.`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'dev' && sub !== 'init' && sub !== 'issue') throw new UsageError('a subcommand is required: dev, init or issue');
    const args = parseArgs(rest, [
      { name: 'out', kind: 'string' },
      { name: 'dir', kind: 'string' },
      { name: 'host', kind: 'multi' },
      { name: 'days', kind: 'string' },
      { name: 'name', kind: 'string' },
      { name: 'client', kind: 'string' },
    ]);
    const days = Number(flagString(args, 'days') ?? (sub === 'init' ? 3650 : sub === 'dev' ? 90 : 365));
    if (!Number.isInteger(days) || days < 1 || days > 36500) throw new UsageError('--days must be an integer from 1 to 36500');
    if (sub === 'dev') {
      const out = resolve(flagString(args, 'out') ?? 'data/tls');
      const hosts = flagList(args, 'host');
      const pair = selfSigned(hosts.length ? hosts : ['localhost', '127.0.0.1', '::1'], days);
      write(out, 'server.crt', pair.cert, 0o644);
      write(out, 'server.key', pair.key, 0o600);
      console.log(`wrote ${join(out, 'server.crt')} and ${join(out, 'server.key')} (self-signed, ${days} days; for development only)`);
      return 0;
    }
    const dir = resolve(flagString(args, 'dir') ?? 'data/ca');
    if (sub === 'init') {
      if (existsSync(join(dir, 'ca.key'))) {
        console.error(`attest certs init: ${join(dir, 'ca.key')} exists; not overwritten`);
        return 1;
      }
      const ca = authority(flagString(args, 'name') ?? 'attest client CA', days);
      write(dir, 'ca.crt', ca.cert, 0o644);
      write(dir, 'ca.key', ca.key, 0o600);
      console.log(`wrote ${join(dir, 'ca.crt')} and ${join(dir, 'ca.key')}; serve with --tls-client-ca ${join(dir, 'ca.crt')}`);
      return 0;
    }
    const client = flagString(args, 'client');
    if (!client || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(client)) throw new UsageError('--client ID is required (an API client id, see attest clients list)');
    if (!existsSync(join(dir, 'ca.key'))) {
      console.error(`attest certs issue: no CA in ${dir}; run attest certs init first`);
      return 1;
    }
    const out = resolve(flagString(args, 'out') ?? join(dir, 'clients'));
    const pair = issue(readFileSync(join(dir, 'ca.crt'), 'utf8'), readFileSync(join(dir, 'ca.key'), 'utf8'), client, days);
    write(out, `${client}.crt`, pair.cert, 0o644);
    write(out, `${client}.key`, pair.key, 0o600);
    console.log(`wrote ${join(out, `${client}.crt`)} and ${join(out, `${client}.key`)} (CN=${client}, ${days} days)`);
    return 0;
  },
};

function write(dir: string, name: string, text: string, mode: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), text, { mode });
}

/** An RSA key made by Node (fast, native) and handed to forge for the certificate. */
function newKey(): { pem: string; forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { pem, forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function baseCert(publicKey: forge.pki.rsa.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: the first byte's high bit clear.
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  return cert;
}

export function selfSigned(hosts: string[], days: number): { cert: string; key: string } {
  const k = newKey();
  const cert = baseCert(k.publicKey, days);
  const attrs = [{ name: 'commonName', value: hosts[0] }, { name: 'organizationName', value: 'attest development' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hosts.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
  ]);
  cert.sign(k.forgeKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: k.pem };
}

export function authority(name: string, days: number): { cert: string; key: string } {
  const k = newKey();
  const cert = baseCert(k.publicKey, days);
  const attrs = [{ name: 'commonName', value: name }, { name: 'organizationName', value: 'attest' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(k.forgeKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: k.pem };
}

export function issue(caCertPem: string, caKeyPem: string, clientId: string, days: number): { cert: string; key: string } {
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const caKey = forge.pki.privateKeyFromPem(caKeyPem);
  const k = newKey();
  const cert = baseCert(k.publicKey, days);
  cert.setSubject([{ name: 'commonName', value: clientId }, { name: 'organizationName', value: 'attest API client' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: k.pem };
}
