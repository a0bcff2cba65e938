import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { RObject, type Value } from '../../../src/rego/value.js';
import { call, errorOf } from './helpers.js';

const O = (o: Record<string, Value>): RObject => RObject.fromEntries(Object.entries(o));

// The jwt.io sample token, signed with HS256 and the secret "your-256-bit-secret".
const JWT_IO = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('io.jwt builtins', () => {
  it('io.jwt.decode returns header, claims and the signature in hex', () => {
    const [header, payload, sig] = call('io.jwt.decode', JWT_IO) as [RObject, RObject, string];
    expect(header.get('alg')).to.equal('HS256');
    expect(payload.get('name')).to.equal('John Doe');
    expect(payload.get('iat')).to.equal(1516239022);
    expect(sig).to.equal('49f94ac7044948c78a285d904f87f0a4c7897f7e8f3a4eb2255fda750b2cc397');
  });

  it('rejects malformed tokens with OPA’s messages', () => {
    expect(errorOf('io.jwt.decode', 'abc')).to.equal('io.jwt.decode: encoded JWT had no period separators');
    expect(errorOf('io.jwt.decode', 'a.b')).to.equal('io.jwt.decode: encoded JWT must have 3 sections, found 2');
    expect(errorOf('io.jwt.decode', 'eyJlbmMiOiJBMTI4R0NNIn0.e30.')).to.equal('io.jwt.decode: JWT is a JWE object, which is not supported');
  });

  it('verifies HMAC signatures', () => {
    expect(call('io.jwt.verify_hs256', JWT_IO, 'your-256-bit-secret')).to.equal(true);
    expect(call('io.jwt.verify_hs256', JWT_IO, 'wrong')).to.equal(false);
    expect(call('io.jwt.verify_hs512', JWT_IO, 'your-256-bit-secret')).to.equal(false);
  });

  it('signs with an oct JWK and verifies with decode_verify', () => {
    const key = O({ kty: 'oct', k: Buffer.from('secret').toString('base64url') });
    const token = call('io.jwt.encode_sign', O({ alg: 'HS256' }), O({ sub: 'alice' }), key) as string;
    expect(token).to.equal('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.rSJzVkJH-KnHZ3uThGnEkzcC_XYwqhh3yjQhE5XM8Vc');
    const [ok, header, claims] = call('io.jwt.decode_verify', token, O({ secret: 'secret', alg: 'HS256' })) as [boolean, RObject, RObject];
    expect(ok).to.equal(true);
    expect(header.get('alg')).to.equal('HS256');
    expect(claims.get('sub')).to.equal('alice');
    const unverified = [false, new RObject(), new RObject()];
    expect(call('io.jwt.decode_verify', token, O({ secret: 'other' }))).to.deep.equal(unverified);
    expect(call('io.jwt.decode_verify', token, O({ secret: 'secret', alg: 'HS512' }))).to.deep.equal(unverified);
    expect(call('io.jwt.decode_verify', token, O({ secret: 'secret', aud: 'x' }))).to.deep.equal(unverified);
    expect(call('io.jwt.decode_verify', token, O({ secret: 'secret', sub: 'alice' }))).to.deep.equal(unverified);
    expect(errorOf('io.jwt.decode_verify', token, O({}))).to.equal('io.jwt.decode_verify: no key constraint');
  });

  it('checks exp, nbf, iss and aud against the constraints and the query time', () => {
    const raw = (claims: object) => call('io.jwt.encode_sign_raw', '{"alg":"HS256","typ":"JWT"}', JSON.stringify(claims), '{"kty":"oct","k":"c2VjcmV0"}') as string;
    const valid = (claims: object, constraints: Record<string, Value>) =>
      (call('io.jwt.decode_verify', raw(claims), O({ secret: 'secret', ...constraints })) as Value[])[0];
    const now = 1703444325; // the test context's time, in seconds
    expect(valid({ exp: now + 10 }, {})).to.equal(true);
    expect(valid({ exp: now - 10 }, {})).to.equal(false);
    expect(valid({ nbf: now + 10 }, {})).to.equal(false);
    expect(valid({ exp: now - 10 }, { time: (now - 20) * 1e9 })).to.equal(true);
    expect(valid({ iss: 'me' }, { iss: 'me' })).to.equal(true);
    expect(valid({}, { iss: 'me' })).to.equal(false);
    expect(valid({ aud: ['a', 'b'] }, { aud: 'b' })).to.equal(true);
    expect(valid({ aud: 'a' }, {})).to.equal(false);
    expect(errorOf('io.jwt.encode_sign_raw', '{"alg":"XX1"}', '{}', '{"kty":"oct","k":"c2VjcmV0"}')).to.equal('io.jwt.encode_sign_raw: unknown signature algorithm');
    expect(errorOf('io.jwt.encode_sign_raw', '{"alg":"HS256"}', 'not json', '{"kty":"oct","k":"c2VjcmV0"}')).to.equal('io.jwt.encode_sign_raw: type is JWT but payload is not JSON');
  });

  for (const [alg, type, options] of [
    ['RS256', 'rsa', { modulusLength: 2048 }],
    ['PS384', 'rsa', { modulusLength: 2048 }],
    ['ES256', 'ec', { namedCurve: 'P-256' }],
    ['ES512', 'ec', { namedCurve: 'P-521' }],
  ] as const) {
    it(`signs and verifies ${alg} with PEM keys and JWK sets`, () => {
      const { publicKey, privateKey } = type === 'rsa'
        ? generateKeyPairSync('rsa', options as { modulusLength: number })
        : generateKeyPairSync('ec', options as { namedCurve: string });
      const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
      const token = call('io.jwt.encode_sign_raw', JSON.stringify({ alg, kid: 'k1' }), '{"iss":"me"}', jwk) as string;
      const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg }] });
      const verifier = `io.jwt.verify_${alg.toLowerCase()}`;
      expect(call(verifier, token, pem)).to.equal(true);
      expect(call(verifier, token, jwks)).to.equal(true);
      const tampered = token.replace(/\.[^.]*$/, (s) => s.slice(0, -4) + (s.endsWith('AAAA') ? 'BBBB' : 'AAAA'));
      expect(call(verifier, tampered, pem)).to.equal(false);
      expect((call('io.jwt.decode_verify', token, O({ cert: pem, iss: 'me' })) as Value[])[0]).to.equal(true);
      expect((call('io.jwt.decode_verify', token, O({ cert: jwks, alg: 'HS256' })) as Value[])[0]).to.equal(false);
    });
  }

  it('a key of the wrong type never verifies', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = call('io.jwt.encode_sign_raw', '{"alg":"ES256"}', '{}', JSON.stringify(privateKey.export({ format: 'jwk' }))) as string;
    expect(call('io.jwt.verify_rs256', token, publicKey.export({ type: 'spki', format: 'pem' }) as string)).to.equal(false);
    expect(errorOf('io.jwt.verify_rs256', token, 'nonsense')).to.match(/^io\.jwt\.verify_rs256: failed to parse a JWK key \(set\): /);
  });
});
