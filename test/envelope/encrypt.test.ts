/**
 * Encrypted bodies: RFC 8037 appendix A.6 (ECDH-ES with X25519) as a vector, then round trips and
 * each way a body must fail to decrypt (DECRYPT_FAILED). Keys are generated per run except the
 * RFC's published ones.
 */
import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { GeneralEncrypt, exportJWK, generateKeyPair, generalDecrypt, importJWK, type CryptoKey } from 'jose';
import { decryptBody, type DecryptionKeyRing } from '../../services/core/src/envelope/decrypt.ts';
import { encryptBody, requiresEncryption, type BodyBinding } from '../../services/core/src/envelope/encrypt.ts';
import { MxError } from '../../services/core/src/errors/mx-error.ts';
import type { EncryptedBody } from '../../services/core/src/schemas/types.generated.ts';
import { schemas } from './support.ts';

// RFC 8037 A.6: Bob's public key, the ephemeral key pair and the ECDH result Z.
const BOB_X_HEX = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const BOB_X = '3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08';
const EPH_D_HEX = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const EPH_X_HEX = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const EPH_X = 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo';
const Z_HEX = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
// RFC 7748 section 6.1, which A.6 takes its numbers from: Bob's private key.
const BOB_D_HEX = '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb';

const b64u = (hex: string): string => Buffer.from(hex, 'hex').toString('base64url');

describe('RFC 8037 appendix A.6 (ECDH-ES with X25519)', () => {
  test('the published keys are the base64url of the published hex', () => {
    expect(b64u(BOB_X_HEX)).toBe(BOB_X);
    expect(b64u(EPH_X_HEX)).toBe(EPH_X);
  });

  test('the ephemeral secret gives the published ephemeral public key and, with Bob\'s key, the published Z', () => {
    const eph = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(EPH_D_HEX), x: EPH_X }, format: 'jwk' });
    expect(createPublicKey(eph).export({ format: 'jwk' }).x).toBe(EPH_X);
    const bob = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: BOB_X }, format: 'jwk' });
    expect(diffieHellman({ privateKey: eph, publicKey: bob }).toString('hex')).toBe(Z_HEX);
  });

  test('a JWE made with the RFC ephemeral key to Bob carries that epk and decrypts with Bob\'s private key', async () => {
    // jose derives the epk header from this key, so it must be exportable.
    const eph = await importJWK({ kty: 'OKP', crv: 'X25519', d: b64u(EPH_D_HEX), x: EPH_X }, 'ECDH-ES+A256KW', { extractable: true });
    const bobPublic = await importJWK({ kty: 'OKP', crv: 'X25519', x: BOB_X }, 'ECDH-ES+A256KW');
    const jwe = await new GeneralEncrypt(new TextEncoder().encode('rfc8037'))
      .setProtectedHeader({ enc: 'A256GCM' })
      .addRecipient(bobPublic)
      .setUnprotectedHeader({ alg: 'ECDH-ES+A256KW', kid: 'Bob' })
      .setKeyManagementParameters({ epk: eph })
      .encrypt();
    // A lone recipient's epk goes into the protected header.
    const header = JSON.parse(Buffer.from(jwe.protected!, 'base64url').toString('utf8')) as { epk?: unknown };
    expect(header.epk).toEqual({ kty: 'OKP', crv: 'X25519', x: EPH_X });
    const bobPrivate = await importJWK({ kty: 'OKP', crv: 'X25519', x: BOB_X, d: b64u(BOB_D_HEX) }, 'ECDH-ES+A256KW');
    const out = await generalDecrypt(jwe, bobPrivate, { keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] });
    expect(new TextDecoder().decode(out.plaintext)).toBe('rfc8037');
  });
});

interface Party {
  endpoint: string;
  kid: string;
  publicKey: CryptoKey;
  ring: DecryptionKeyRing;
}

const VALID_FROM = new Date('2026-01-01T00:00:00Z');
const VALID_UNTIL = new Date('2027-01-01T00:00:00Z');

async function party(endpoint: string, keyId = 'enc-1', validFrom = VALID_FROM, validUntil = VALID_UNTIL): Promise<Party> {
  const { publicKey, privateKey } = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519' });
  const kid = `${endpoint}:${keyId}`;
  return { endpoint, kid, publicKey, ring: { endpoint, keys: [{ kid, validFrom, validUntil, privateKey }] } };
}

const binding: BodyBinding & { issuedAt: string } = {
  id: '01900000-0000-7000-8000-000000000001',
  from: 'TH',
  type: 'victim-repatriation-notice',
  schema: 'https://schemas.mekong-exchange.example/victim-repatriation-notice.v1.json',
  issuedAt: '2026-06-01T00:00:00.000Z',
};
const body = { child: { givenName: 'Canary' }, note: 'ທົດສອບ' };

async function expectDecryptFailed(p: Promise<unknown>): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(MxError);
  expect((err as MxError).code).toBe('DECRYPT_FAILED');
}

describe('encryptBody / decryptBody', () => {
  let la: Party;
  let cn: Party;
  let interpol: Party;
  let jwe: EncryptedBody;

  beforeAll(async () => {
    [la, cn, interpol] = await Promise.all([party('LA'), party('CN'), party('INTERPOL')]);
    jwe = await encryptBody(body, binding, [la, cn].map((p) => ({ endpoint: p.endpoint, kid: p.kid, key: p.publicKey })));
  });

  test('every business type, and only those, requires encryption', () => {
    for (const t of ['victim-repatriation-notice', 'repatriation-status-update', 'offender-travel-alert', 'offender-alert-response']) expect(requiresEncryption(t)).toBe(true);
    for (const t of ['delivery-receipt', 'audit-event']) expect(requiresEncryption(t)).toBe(false);
  });

  test('the result has the shape the envelope schema reserves, one entry per recipient, and no plaintext', () => {
    expect(schemas().validate('https://schemas.mekong-exchange.example/common/defs.v1.json#/$defs/encryptedBody', jwe)).toEqual([]);
    expect(jwe.recipients.map((r) => r.header.kid)).toEqual([la.kid, cn.kid]);
    for (const r of jwe.recipients) expect(r.header.alg).toBe('ECDH-ES+A256KW');
    const text = JSON.stringify(jwe);
    expect(text).not.toContain('Canary');
    expect(text).not.toContain(Buffer.from('Canary').toString('base64url'));
    const header = JSON.parse(Buffer.from(jwe.protected, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(header).toEqual({ enc: 'A256GCM', cty: 'application/json', 'mx-id': binding.id, 'mx-from': 'TH', 'mx-type': binding.type, 'mx-schema': binding.schema });
  });

  test('each recipient decrypts the body', async () => {
    expect(await decryptBody(jwe, binding, la.ring)).toEqual(body);
    expect(await decryptBody(jwe, binding, cn.ring)).toEqual(body);
  });

  test('an endpoint that is not a recipient cannot decrypt', async () => {
    await expectDecryptFailed(decryptBody(jwe, binding, interpol.ring));
  });

  test('a removed recipient entry leaves that endpoint unable to decrypt', async () => {
    const cut = { ...jwe, recipients: jwe.recipients.filter((r) => r.header.kid !== la.kid) };
    await expectDecryptFailed(decryptBody(cut, binding, la.ring));
    expect(await decryptBody(cut, binding, cn.ring)).toEqual(body);
  });

  test('a flipped ciphertext, tag, iv or wrapped-key byte fails', async () => {
    const flip = (s: string): string => {
      const b = Buffer.from(s, 'base64url');
      b[0] = b[0]! ^ 1;
      return b.toString('base64url');
    };
    await expectDecryptFailed(decryptBody({ ...jwe, ciphertext: flip(jwe.ciphertext) }, binding, la.ring));
    await expectDecryptFailed(decryptBody({ ...jwe, tag: flip(jwe.tag) }, binding, la.ring));
    await expectDecryptFailed(decryptBody({ ...jwe, iv: flip(jwe.iv) }, binding, la.ring));
    const recipients = jwe.recipients.map((r) => (r.header.kid === la.kid ? { ...r, encrypted_key: flip(r.encrypted_key) } : r));
    await expectDecryptFailed(decryptBody({ ...jwe, recipients }, binding, la.ring));
  });

  test('the ciphertext moved into another envelope (other id, from, type or schema) fails', async () => {
    for (const other of [
      { ...binding, id: '01900000-0000-7000-8000-000000000002' },
      { ...binding, from: 'CN' },
      { ...binding, type: 'offender-travel-alert' },
      { ...binding, schema: 'https://schemas.mekong-exchange.example/offender-travel-alert.v1.json' },
    ]) {
      await expectDecryptFailed(decryptBody(jwe, other, la.ring));
    }
  });

  test('a body encrypted to one recipient (epk in the protected header) decrypts and stays bound', async () => {
    const lone = await encryptBody(body, binding, [{ endpoint: 'LA', kid: la.kid, key: la.publicKey }]);
    expect(await decryptBody(lone, binding, la.ring)).toEqual(body);
    await expectDecryptFailed(decryptBody(lone, { ...binding, from: 'CN' }, la.ring));
    await expectDecryptFailed(decryptBody(lone, binding, cn.ring));
  });

  test('a protected header rewritten to match another envelope fails authentication', async () => {
    const header = JSON.parse(Buffer.from(jwe.protected, 'base64url').toString('utf8')) as Record<string, unknown>;
    const moved = { ...jwe, protected: Buffer.from(JSON.stringify({ ...header, 'mx-id': '01900000-0000-7000-8000-000000000002' })).toString('base64url') };
    await expectDecryptFailed(decryptBody(moved, { ...binding, id: '01900000-0000-7000-8000-000000000002' }, la.ring));
  });

  test('a key that was not valid at issuedAt does not decrypt (retired keys stay usable for what they received)', async () => {
    await expectDecryptFailed(decryptBody(jwe, { ...binding, issuedAt: '2027-06-01T00:00:00.000Z' }, la.ring));
    const retired = { endpoint: 'LA', keys: [...la.ring.keys, { ...(await party('LA', 'enc-2', VALID_UNTIL, new Date('2028-01-01T00:00:00Z'))).ring.keys[0]! }] };
    expect(await decryptBody(jwe, binding, retired)).toEqual(body);
  });

  test('the private key of another endpoint under our kid fails', async () => {
    const wrong: DecryptionKeyRing = { endpoint: 'LA', keys: [{ ...la.ring.keys[0]!, privateKey: interpol.ring.keys[0]!.privateKey }] };
    await expectDecryptFailed(decryptBody(jwe, binding, wrong));
  });

  test('an exported public key is an X25519 OKP JWK (what the trust registry publishes)', async () => {
    const jwk = await exportJWK(la.publicKey);
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'X25519' });
    expect(jwk.d).toBeUndefined();
  });
});
