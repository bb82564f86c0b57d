/**
 * RFC 8037 appendix A: the published Ed25519 test vector, verified with jose exactly as the
 * envelope uses it (public key imported by the trust registry, flattenedVerify pinned to EdDSA).
 * Only the public key is here: the RFC's private key `d` is deliberately not in the repository.
 */
import { calculateJwkThumbprint, flattenedVerify } from 'jose';
import { decodeBase64urlStrict } from '../../services/core/src/envelope/canonical.ts';
import { verifyNotice } from '../../services/core/src/envelope/verify.ts';
import { TrustRegistry } from '../../services/core/src/trust/trust-registry.ts';
import { codeOf, schemas } from './support.ts';

// RFC 8037 A.2 (public key) and A.4 (the JWS of "Example of Ed25519 signing").
const RFC_X = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';
const RFC_PROTECTED = 'eyJhbGciOiJFZERTQSJ9';
const RFC_PAYLOAD = 'RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc';
const RFC_SIGNATURE = 'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';
const RFC_COMPACT = `${RFC_PROTECTED}.${RFC_PAYLOAD}.${RFC_SIGNATURE}`;
// RFC 8037 A.3: the RFC 7638 thumbprint of the public key.
const RFC_THUMBPRINT = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';

const KID = 'TH:rfc8037';

async function rfcTrust(): Promise<TrustRegistry> {
  return TrustRegistry.fromObject({
    endpoints: { TH: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: RFC_X, kid: KID, nbf: 0, exp: 4102444800 }] } },
    revocations: { revoked: [] },
  });
}

describe('RFC 8037 appendix A.4 (Ed25519)', () => {
  test('the public key has the published thumbprint', async () => {
    expect(await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: RFC_X })).toBe(RFC_THUMBPRINT);
  });

  test('the published JWS verifies with the trust registry key and algorithms pinned to EdDSA', async () => {
    expect(RFC_COMPACT.split('.')).toHaveLength(3);
    const key = (await rfcTrust()).resolve(KID)!;
    const result = await flattenedVerify({ protected: RFC_PROTECTED, payload: RFC_PAYLOAD, signature: RFC_SIGNATURE }, key.key, { algorithms: ['EdDSA'] });
    expect(new TextDecoder().decode(result.payload)).toBe('Example of Ed25519 signing');
    expect(result.protectedHeader).toEqual({ alg: 'EdDSA' });
  });

  test('its segments are canonical base64url', () => {
    for (const [name, seg] of [['protected', RFC_PROTECTED], ['payload', RFC_PAYLOAD], ['signature', RFC_SIGNATURE]] as const) {
      expect(() => decodeBase64urlStrict(seg, name)).not.toThrow();
    }
    expect(decodeBase64urlStrict(RFC_SIGNATURE, 'signature')).toHaveLength(64);
  });

  test('any single changed signature character fails', async () => {
    const key = (await rfcTrust()).resolve(KID)!;
    for (let i = 0; i < RFC_SIGNATURE.length - 1; i++) {
      const c = RFC_SIGNATURE[i] === 'A' ? 'B' : 'A';
      const signature = RFC_SIGNATURE.slice(0, i) + c + RFC_SIGNATURE.slice(i + 1);
      await expect(flattenedVerify({ protected: RFC_PROTECTED, payload: RFC_PAYLOAD, signature }, key.key, { algorithms: ['EdDSA'] })).rejects.toThrow();
    }
  });

  test('as an exchange record it is refused at the header: it has no typ (one class can never pass for another)', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ protected: RFC_PROTECTED, payload: RFC_PAYLOAD, signature: RFC_SIGNATURE }));
    const trust = await rfcTrust();
    expect(await codeOf(() => verifyNotice(bytes, trust, schemas()))).toBe('TYP_MISMATCH');
  });
});
