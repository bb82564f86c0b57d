/**
 * Signatures are made and checked with node:crypto (envelope/ed25519.ts), and must stay exactly
 * what jose makes and accepts: Ed25519 is deterministic, so for any key and document the record
 * signNotice writes is byte for byte jose's FlattenedSign serialized canonically, and jose's
 * flattenedVerify accepts it; the other way round verifyNotice accepts what jose signs and refuses
 * every tampered or foreign record. Keys come from random 32-byte seeds (fast-check), documents
 * are random. RFC 8037 A.4 (the published Ed25519 JWS) is checked with the project's verifier.
 * Encrypted bodies (ECDH-ES+A256KW to X25519, also node:crypto) have exactly the form jose's
 * GeneralEncrypt writes, and jose decrypts them for every recipient; decryptBody reads what jose
 * encrypts, and refuses what jose refuses and the JWE members this form does not use.
 */
import fc from 'fast-check';
import { CompactSign, FlattenedSign, GeneralEncrypt, compactVerify, exportJWK, flattenedVerify, generalDecrypt, generateKeyPair, importJWK, type CryptoKey, type GeneralJWE, type JWK } from 'jose';
import { KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointVerifier, generateAuditKey, loadCheckpointSigner, statementPayload } from '../../services/audit/src/checkpoint-key.ts';
import { serializeJws } from '../../services/core/src/envelope/canonical.ts';
import { decryptBody, type DecryptionKeyRing } from '../../services/core/src/envelope/decrypt.ts';
import { JWE_ALG, JWE_ENC, bindingHeader, encryptBody } from '../../services/core/src/envelope/encrypt.ts';
import { ephemeralX25519, rawX25519Public } from '../../services/core/src/envelope/ecdh-es.ts';
import { MxError } from '../../services/core/src/errors/mx-error.ts';
import type { EncryptedBody } from '../../services/core/src/schemas/types.generated.ts';
import { ed25519PrivateKey, ed25519PublicKey, ed25519Sign, ed25519Verify, jwsSigningInput } from '../../services/core/src/envelope/ed25519.ts';
import { signNotice } from '../../services/core/src/envelope/sign.ts';
import { TYP_BY_CLASS, typOfType } from '../../services/core/src/envelope/typ.ts';
import { verifyNotice } from '../../services/core/src/envelope/verify.ts';
import { MESSAGE_TYPES, type MessageType } from '../../services/core/src/schemas/registry.ts';
import { TrustRegistry } from '../../services/core/src/trust/trust-registry.ts';
import { signingKeyRingFromJwks, type Signer } from '../../services/core/src/trust/signer.ts';
import { buildDocument } from '../fixtures/documents/index.ts';
import { DAY, ENDPOINTS, codeOf, makeWorld, rawRecord, rawSign, type World } from './support.ts';

const NOW = new Date('2026-03-02T08:15:00.000Z');
const enc = new TextEncoder();
const text = new TextDecoder();
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');
// PKCS #8 prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

interface SeedKey {
  x: string;
  d: string;
}

/** The JWK members of the Ed25519 key with this seed. */
function keyFromSeed(seed: Uint8Array): SeedKey {
  const jwk = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
  return { x: jwk.x!, d: jwk.d! };
}

async function signerOf(key: SeedKey, kid: string): Promise<Signer> {
  const nbf = Math.floor(NOW.getTime() / 1000) - 30 * 86400;
  return (await signingKeyRingFromJwks({ keys: [{ kty: 'OKP', crv: 'Ed25519', ...key, kid, nbf, exp: nbf + 365 * 86400 }] })).current(NOW);
}

const joseKey = (key: SeedKey, priv: boolean) => importJWK({ kty: 'OKP', crv: 'Ed25519', x: key.x, ...(priv ? { d: key.d } : {}) } as JWK, 'EdDSA') as Promise<CryptoKey>;

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const kidArb = fc.tuple(fc.constantFrom(...ENDPOINTS), fc.string({ unit: fc.constantFrom(...B64URL, '.'), minLength: 1, maxLength: 64 })).map(([e, id]) => `${e}:${id}`);
/** Anything signNotice signs (it checks only type, from and issuedAt; the schema is the caller's). */
const documentArb = fc.record({
  type: fc.constantFrom(...MESSAGE_TYPES),
  id: fc.uuid(),
  to: fc.array(fc.constantFrom(...ENDPOINTS), { maxLength: 4 }),
  issuedOffset: fc.integer({ min: -DAY, max: DAY }),
  body: fc.jsonValue(),
  note: fc.string({ unit: 'binary', maxLength: 40 }),
});

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const i = bit % (out.byteLength * 8);
  out[i >> 3]! ^= 1 << (i & 7);
  return out;
}

describe('signing with node:crypto is byte-identical to jose', () => {
  test('for random keys and documents, signNotice writes exactly jose FlattenedSign serialized canonically, and jose verifies it', async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, kidArb, documentArb, async (seed, kid, d) => {
        const key = keyFromSeed(seed);
        const signer = await signerOf(key, kid);
        const document = { ...d, from: signer.endpoint, issuedAt: new Date(NOW.getTime() + d.issuedOffset).toISOString(), expiresAt: new Date(NOW.getTime() + DAY * 2).toISOString() };
        const ours = text.decode(await signNotice(document, signer));

        const header = { alg: 'EdDSA' as const, kid, typ: typOfType(d.type)! };
        const jose = await new FlattenedSign(enc.encode(JSON.stringify(document))).setProtectedHeader(header).sign(await joseKey(key, true));
        expect(ours).toBe(serializeJws({ protected: jose.protected!, payload: jose.payload, signature: jose.signature }));

        const parsed = JSON.parse(ours) as { protected: string; payload: string; signature: string };
        const verified = await flattenedVerify(parsed, await joseKey(key, false), { algorithms: ['EdDSA'] });
        expect(verified.protectedHeader).toEqual(header);
        expect(JSON.parse(text.decode(verified.payload))).toEqual(JSON.parse(JSON.stringify(document)));
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  test('the bare signature equals WebCrypto\'s for random keys and messages of any length', async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, fc.uint8Array({ maxLength: 4096 }), async (seed, message) => {
        const key = keyFromSeed(seed);
        const webcrypto = new Uint8Array(await crypto.subtle.sign('Ed25519', await joseKey(key, true), message));
        expect(Buffer.from(ed25519Sign(ed25519PrivateKey(key), message)).equals(webcrypto)).toBe(true);
        expect((await signerOf(key, 'TH:k')).sign(message)).toEqual(ed25519Sign(ed25519PrivateKey(key), message));
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  test('checkpoints: the audit signer writes exactly jose CompactSign, and its verifier accepts it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mx-node-crypto-'));
    try {
      const { kid, privateJwksPath, publicJwksPath } = await generateAuditKey(dir);
      const signer = await loadCheckpointSigner(privateJwksPath);
      const jwk = (JSON.parse(await readFile(privateJwksPath, 'utf8')) as { keys: (JWK & { kid: string })[] }).keys.find((k) => k.kid === kid)!;
      const joseSigning = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d } as JWK, 'EdDSA');
      const verifier = await CheckpointVerifier.fromFile(publicJwksPath);
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }), async (treeSize, root, time) => {
          const statement = { origin: 'mx-audit', treeSize, rootHash: Buffer.from(root).toString('base64'), time: time.toISOString() };
          const ours = await signer.sign(statement);
          const jose = await new CompactSign(statementPayload(statement)).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'mx-checkpoint+jws' }).sign(joseSigning);
          expect(ours).toBe(jose);
          expect(await verifier.verify({ ...statement, signature: ours })).toBe(kid);
          await compactVerify(ours, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x! }, format: 'jwk' }), { algorithms: ['EdDSA'] });
        }),
        { numRuns: 50 },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('verifying with node:crypto accepts what jose signs and nothing else', () => {
  test('for random keys, headers and payloads: jose\'s signature verifies; any flipped bit, another key or a wrong length does not', async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, seedArb, kidArb, fc.uint8Array({ maxLength: 2048 }), fc.nat(), async (seed, otherSeed, kid, payload, bit) => {
        fc.pre(Buffer.compare(Buffer.from(seed), Buffer.from(otherSeed)) !== 0);
        const key = keyFromSeed(seed);
        const jws = await new FlattenedSign(payload).setProtectedHeader({ alg: 'EdDSA', kid, typ: TYP_BY_CLASS.notice }).sign(await joseKey(key, true));
        const pub = ed25519PublicKey(key);
        const input = jwsSigningInput(jws.protected!, jws.payload);
        const sig = Buffer.from(jws.signature, 'base64url');
        expect(ed25519Verify(pub, input, sig)).toBe(true);
        expect(ed25519Verify(pub, flipBit(input, bit), sig)).toBe(false);
        expect(ed25519Verify(pub, input, flipBit(sig, bit))).toBe(false);
        expect(ed25519Verify(ed25519PublicKey(keyFromSeed(otherSeed)), input, sig)).toBe(false);
        expect(ed25519Verify(pub, input, sig.subarray(0, 63))).toBe(false);
        expect(ed25519Verify(pub, input, Buffer.concat([sig, Buffer.alloc(1)]))).toBe(false);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  test('a key of another kind is refused, never used', () => {
    const key = keyFromSeed(new Uint8Array(32).fill(7));
    expect(() => ed25519Verify(ed25519PrivateKey(key) as never, Buffer.from('x'), Buffer.alloc(64))).toThrow(TypeError);
    expect(() => ed25519Sign(ed25519PublicKey(key), Buffer.from('x'))).toThrow(TypeError);
    const x25519 = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: key.x }, format: 'jwk' });
    expect(() => ed25519Verify(x25519, Buffer.from('x'), Buffer.alloc(64))).toThrow(TypeError);
  });

  describe('verifyNotice', () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(NOW);
    });
    const header = (kid = 'TH:current', typ: string = TYP_BY_CLASS.notice): Record<string, unknown> => ({ alg: 'EdDSA', kid, typ });
    const verify = (bytes: Uint8Array, typ: string = TYP_BY_CLASS.notice) => verifyNotice(bytes, w.trust, w.schemas, { now: NOW, typ: typ as never });
    const members = (bytes: Uint8Array) => JSON.parse(text.decode(bytes)) as { protected: string; payload: string; signature: string };
    const reserialize = (m: { protected: string; payload: string; signature: string }) => enc.encode(serializeJws(m));

    test('accepts a jose-signed record of every message type, from every endpoint', async () => {
      for (const type of MESSAGE_TYPES as readonly MessageType[]) {
        for (const from of ENDPOINTS) {
          const doc = buildDocument(type, { from, issuedAt: NOW });
          const typ = typOfType(type)!;
          const r = await verify(await rawSign(doc, header(`${from}:current`, typ), w.keys[from].privateKey), typ);
          expect(r.document).toEqual(doc);
          expect(r.endpoint).toBe(from);
        }
      }
    });

    test('refuses tampered payloads, headers and signatures, and another key, as SIGNATURE_INVALID', async () => {
      const doc = buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], issuedAt: NOW });
      const good = members(await rawSign(doc, header(), w.keys.TH.privateKey));
      const other = members(await rawSign({ ...doc, to: ['LA', 'CN'] }, header(), w.keys.TH.privateKey));
      // Another valid payload or another valid header under this signature.
      expect(await codeOf(() => verify(reserialize({ ...good, payload: other.payload })))).toBe('SIGNATURE_INVALID');
      const reordered = Buffer.from(JSON.stringify({ kid: 'TH:current', alg: 'EdDSA', typ: TYP_BY_CLASS.notice })).toString('base64url');
      expect(await codeOf(() => verify(reserialize({ ...good, protected: reordered })))).toBe('SIGNATURE_INVALID');
      // Every bit of the signature, and a signature one byte short or long.
      const sig = Buffer.from(good.signature, 'base64url');
      for (let bit = 0; bit < 512; bit += 7) {
        expect(await codeOf(() => verify(reserialize({ ...good, signature: Buffer.from(flipBit(sig, bit)).toString('base64url') })))).toBe('SIGNATURE_INVALID');
      }
      expect(await codeOf(() => verify(reserialize({ ...good, signature: sig.subarray(0, 63).toString('base64url') })))).toBe('SIGNATURE_INVALID');
      expect(await codeOf(() => verify(reserialize({ ...good, signature: Buffer.concat([sig, Buffer.alloc(1)]).toString('base64url') })))).toBe('SIGNATURE_INVALID');
      expect(await codeOf(() => verify(reserialize({ ...good, signature: '' })))).toBe('SIGNATURE_INVALID');
      // Signed by a key nobody trusts, under a trusted kid.
      expect(await codeOf(async () => verify(await rawSign(doc, header(), w.stranger.privateKey)))).toBe('SIGNATURE_INVALID');
      expect(await codeOf(async () => verify(await rawSign(doc, header(), w.keys.LA.privateKey)))).toBe('SIGNATURE_INVALID');
    });

    test('refuses alg other than EdDSA, crit (b64 included) and any other member before the signature', async () => {
      const doc = buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], issuedAt: NOW });
      const signed = members(await rawSign(doc, header(), w.keys.TH.privateKey));
      for (const alg of ['Ed25519', 'ES256', 'HS256', 'none', 'eddsa']) {
        expect(await codeOf(() => verify(rawRecord({ ...header(), alg }, doc, signed.signature)))).toBe('ALG_NOT_ALLOWED');
      }
      expect(await codeOf(async () => verify(await rawSign(doc, { ...header(), crit: ['b64'], b64: true }, w.keys.TH.privateKey)))).toBe('CRIT_UNSUPPORTED');
      expect(await codeOf(() => verify(rawRecord({ ...header(), crit: ['exp'], exp: 1 }, doc, signed.signature)))).toBe('CRIT_UNSUPPORTED');
      expect(await codeOf(() => verify(rawRecord({ ...header(), b64: false }, doc, signed.signature)))).toBe('HEADER_NOT_ALLOWED');
    });
  });
});

describe('RFC 8037 appendix A.4 with the project\'s verifier', () => {
  // RFC 8037 A.2 (public key) and A.4 (its JWS). The RFC's private key `d` stays out of the
  // repository (as in rfc8037.test.ts): the signer's equality with jose is shown on random keys above.
  const RFC_KEY = { x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
  const RFC_PROTECTED = 'eyJhbGciOiJFZERTQSJ9';
  const RFC_PAYLOAD = 'RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc';
  const RFC_SIGNATURE = 'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';

  test('the published signature verifies with the trust registry\'s KeyObject, and not after any change', async () => {
    const trust = await TrustRegistry.fromObject({ endpoints: { TH: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: RFC_KEY.x, kid: 'TH:rfc8037', nbf: 0, exp: 4102444800 }] } } });
    const key = trust.resolve('TH:rfc8037')!;
    const input = jwsSigningInput(RFC_PROTECTED, RFC_PAYLOAD);
    const sig = Buffer.from(RFC_SIGNATURE, 'base64url');
    expect(ed25519Verify(key.publicKey, input, sig)).toBe(true);
    for (let bit = 0; bit < sig.byteLength * 8; bit += 1) expect(ed25519Verify(key.publicKey, input, flipBit(sig, bit))).toBe(false);
  });
});

describe('encrypted bodies with node:crypto: jose\'s form, read both ways', () => {
  const binding = {
    id: '01900000-0000-7000-8000-0000000000aa',
    from: 'TH',
    type: 'offender-travel-alert',
    schema: 'https://schemas.mekong-exchange.example/offender-travel-alert.v1.json',
    issuedAt: '2026-06-01T00:00:00.000Z',
  };
  const ENDS = ['LA', 'CN', 'VN', 'INTERPOL'] as const;
  let pairs: { kid: string; endpoint: string; publicKey: CryptoKey; privateKey: CryptoKey; ring: DecryptionKeyRing }[];
  beforeAll(async () => {
    pairs = [];
    for (const endpoint of ENDS) {
      const pair = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519', extractable: true });
      const kid = `${endpoint}:enc`;
      pairs.push({ kid, endpoint, ...pair, ring: { endpoint, keys: [{ kid, validFrom: new Date('2026-01-01T00:00:00Z'), validUntil: new Date('2027-01-01T00:00:00Z'), privateKey: pair.privateKey }] } });
    }
  });

  /** The JWE's members, in order, with every string replaced by its length and the protected header decoded. */
  function shape(jwe: EncryptedBody | GeneralJWE): string {
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return v.length;
      if (Array.isArray(v)) return v.map(walk);
      if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return JSON.stringify(walk({ ...jwe, protected: JSON.parse(Buffer.from(jwe.protected!, 'base64url').toString('utf8')) }));
  }

  test('an ephemeral key\'s x, computed as X25519(k, 9), is its public key: the one node:crypto and jose derive from the private key', async () => {
    for (let i = 0; i < 50; i++) {
      const { privateKey, x } = ephemeralX25519();
      expect(x).toHaveLength(32);
      expect(x.equals(rawX25519Public(createPublicKey(privateKey)))).toBe(true);
      const jwk = await exportJWK(privateKey);
      expect(jwk.x).toBe(x.toString('base64url'));
    }
  });

  test('for 1 to 4 recipients and random bodies: the same members in the same order as jose\'s GeneralEncrypt, and jose decrypts it for each recipient', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.jsonValue(), fc.boolean(), async (n, body, asKeyObject) => {
        const chosen = pairs.slice(0, n);
        const ours = await encryptBody(body, binding, chosen.map((p) => ({ endpoint: p.endpoint, kid: p.kid, key: asKeyObject ? KeyObject.from(p.publicKey) : p.publicKey })));
        const plaintext = enc.encode(JSON.stringify(body));
        const joseEnc = new GeneralEncrypt(plaintext).setProtectedHeader({ ...bindingHeader(binding) });
        for (const p of chosen) joseEnc.addRecipient(p.publicKey).setUnprotectedHeader({ alg: JWE_ALG, kid: p.kid });
        const jose = await joseEnc.encrypt();
        expect(shape(ours)).toBe(shape({ protected: jose.protected!, recipients: jose.recipients.map((r) => ({ header: r.header, encrypted_key: r.encrypted_key })), iv: jose.iv, ciphertext: jose.ciphertext, tag: jose.tag } as GeneralJWE));
        for (const p of chosen) {
          const single = { ...ours, recipients: ours.recipients.filter((r) => r.header.kid === p.kid) } as unknown as GeneralJWE;
          const out = await generalDecrypt(single, p.privateKey, { keyManagementAlgorithms: [JWE_ALG], contentEncryptionAlgorithms: [JWE_ENC] });
          expect(Buffer.from(out.plaintext).equals(Buffer.from(plaintext))).toBe(true);
          expect(await decryptBody(ours, binding, p.ring)).toEqual(JSON.parse(JSON.stringify(body)));
        }
        // A key that was not a recipient reads nothing.
        if (n < ENDS.length) await expect(decryptBody(ours, binding, pairs[n]!.ring)).rejects.toBeInstanceOf(MxError);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  test('a lone recipient\'s epk is in the protected header as {x, crv, kty}, several recipients carry theirs', async () => {
    const one = await encryptBody({ a: 1 }, binding, [{ endpoint: 'LA', kid: 'LA:enc', key: pairs[0]!.publicKey }]);
    const header = JSON.parse(Buffer.from(one.protected, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(header)).toEqual(['enc', 'cty', 'mx-id', 'mx-from', 'mx-type', 'mx-schema', 'epk']);
    expect(Object.keys(header.epk as object)).toEqual(['x', 'crv', 'kty']);
    expect(one.recipients[0]!.header).toEqual({ alg: JWE_ALG, kid: 'LA:enc' });
    const two = await encryptBody({ a: 1 }, binding, pairs.slice(0, 2).map((p) => ({ endpoint: p.endpoint, kid: p.kid, key: p.publicKey })));
    expect(Object.keys(JSON.parse(Buffer.from(two.protected, 'base64url').toString('utf8')) as object)).toEqual(['enc', 'cty', 'mx-id', 'mx-from', 'mx-type', 'mx-schema']);
    const epks = two.recipients.map((r) => (r.header as unknown as { epk: { x: string } }).epk.x);
    expect(new Set(epks).size).toBe(2); // one fresh ephemeral key per recipient
    // An Ed25519 key is refused as a recipient key, never used.
    const ed = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    await expect(encryptBody({ a: 1 }, binding, [{ endpoint: 'LA', kid: 'LA:enc', key: ed.publicKey }])).rejects.toThrow(TypeError);
    const priv = createPrivateKey({ key: { ...(await exportJWK(pairs[0]!.privateKey)), kty: 'OKP' } as never, format: 'jwk' });
    await expect(encryptBody({ a: 1 }, binding, [{ endpoint: 'LA', kid: 'LA:enc', key: priv }])).rejects.toThrow(TypeError);
  });
  async function joseJwe(body: unknown, chosen: typeof pairs, extraProtected: Record<string, unknown> = {}, kmp?: { apu: Uint8Array; apv: Uint8Array }): Promise<EncryptedBody> {
    const e = new GeneralEncrypt(enc.encode(JSON.stringify(body))).setProtectedHeader({ ...bindingHeader(binding), ...extraProtected });
    for (const p of chosen) {
      const r = e.addRecipient(p.publicKey).setUnprotectedHeader({ alg: JWE_ALG, kid: p.kid });
      if (kmp) r.setKeyManagementParameters(kmp);
    }
    const jwe = await e.encrypt();
    return { protected: jwe.protected!, recipients: jwe.recipients.map((r) => ({ header: r.header, encrypted_key: r.encrypted_key })), iv: jwe.iv!, ciphertext: jwe.ciphertext, tag: jwe.tag! } as EncryptedBody;
  }
  const joseOpens = async (jwe: EncryptedBody, p: (typeof pairs)[number]): Promise<boolean> => {
    const single = { ...jwe, recipients: jwe.recipients.filter((r) => r.header.kid === p.kid) } as unknown as GeneralJWE;
    return generalDecrypt(single, p.privateKey, { keyManagementAlgorithms: [JWE_ALG], contentEncryptionAlgorithms: [JWE_ENC] }).then(() => true, () => false);
  };
  const decryptCode = (jwe: EncryptedBody, p: (typeof pairs)[number]) => decryptBody(jwe, binding, p.ring).then(() => 'decrypted', (e: unknown) => (e instanceof MxError ? e.code : `threw ${String(e)}`));

  test('decryptBody reads what jose encrypts, 1 to 4 recipients, random bodies, for each recipient', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.jsonValue(), async (n, body) => {
        const jwe = await joseJwe(body, pairs.slice(0, n));
        for (const p of pairs.slice(0, n)) expect(await decryptBody(jwe, binding, p.ring)).toEqual(JSON.parse(JSON.stringify(body)));
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  test('a flipped bit in any member fails for decryptBody and for jose alike (JWEs made by either)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), fc.constantFrom('protected', 'encrypted_key', 'iv', 'ciphertext', 'tag'), fc.nat(), fc.boolean(), async (n, member, bit, fromJose) => {
        const p = pairs[0]!;
        const body = { n, text: 'x'.repeat(bit % 50) };
        const jwe = fromJose ? await joseJwe(body, pairs.slice(0, n)) : await encryptBody(body, binding, pairs.slice(0, n).map((q) => ({ endpoint: q.endpoint, kid: q.kid, key: q.publicKey })));
        const flip = (text: string): string => Buffer.from(flipBit(Buffer.from(text, 'base64url'), bit)).toString('base64url');
        const tampered: EncryptedBody =
          member === 'encrypted_key'
            ? { ...jwe, recipients: jwe.recipients.map((r) => (r.header.kid === p.kid ? { ...r, encrypted_key: flip(r.encrypted_key) } : r)) }
            : ({ ...jwe, [member]: flip(jwe[member]) } as EncryptedBody);
        expect(await decryptCode(tampered, p)).toBe('DECRYPT_FAILED');
        expect(await joseOpens(tampered, p)).toBe(false);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  test('members this form does not use are refused even where jose would decrypt: apu/apv, other header members, an epk with more members, a second epk', async () => {
    const [la, cn] = [pairs[0]!, pairs[1]!];
    const withParty = await joseJwe({ a: 1 }, [la], {}, { apu: enc.encode('sender'), apv: enc.encode('receiver') });
    expect(await joseOpens(withParty, la)).toBe(true);
    expect(await decryptCode(withParty, la)).toBe('DECRYPT_FAILED');
    const extraProtected = await joseJwe({ a: 1 }, [la], { 'x-note': 'hi' });
    expect(await joseOpens(extraProtected, la)).toBe(true);
    expect(await decryptCode(extraProtected, la)).toBe('DECRYPT_FAILED');
    const two = await joseJwe({ a: 1 }, [la, cn]);
    const withExtra = { ...two, recipients: two.recipients.map((r) => ({ ...r, header: { ...r.header, 'x-note': 'hi' } })) } as EncryptedBody;
    expect(await joseOpens(withExtra, la)).toBe(true);
    expect(await decryptCode(withExtra, la)).toBe('DECRYPT_FAILED');
    const epkPlus = { ...two, recipients: two.recipients.map((r) => ({ ...r, header: { ...r.header, epk: { ...(r.header as unknown as { epk: object }).epk, use: 'enc' } } })) } as unknown as EncryptedBody;
    expect(await decryptCode(epkPlus, la)).toBe('DECRYPT_FAILED');
    // A lone recipient's epk repeated in its entry: two candidate keys, refused before either is used.
    const lone = await encryptBody({ a: 1 }, binding, [{ endpoint: 'LA', kid: la.kid, key: la.publicKey }]);
    const epk = (JSON.parse(Buffer.from(lone.protected, 'base64url').toString('utf8')) as { epk: object }).epk;
    expect(await decryptCode({ ...lone, recipients: [{ ...lone.recipients[0]!, header: { ...lone.recipients[0]!.header, epk } }] } as unknown as EncryptedBody, la)).toBe('DECRYPT_FAILED');
    // No epk at all, another alg, an aad member.
    const noEpk = { ...two, recipients: two.recipients.map((r) => ({ ...r, header: { alg: JWE_ALG, kid: r.header.kid } })) } as EncryptedBody;
    expect(await decryptCode(noEpk, la)).toBe('DECRYPT_FAILED');
    expect(await decryptCode({ ...two, recipients: two.recipients.map((r) => ({ ...r, header: { ...r.header, alg: 'ECDH-ES+A128KW' } })) } as unknown as EncryptedBody, la)).toBe('DECRYPT_FAILED');
    expect(await decryptCode({ ...two, aad: 'AAAA' }, la)).toBe('DECRYPT_FAILED');
    // A tag cut to 12 bytes (GCM would accept a short tag if asked to).
    expect(await decryptCode({ ...two, tag: Buffer.from(two.tag, 'base64url').subarray(0, 12).toString('base64url') }, la)).toBe('DECRYPT_FAILED');
    expect(await decryptCode(two, la)).toBe('decrypted');
  });

  test('a small-order ephemeral key and a ring key of the wrong kind are DECRYPT_FAILED, never another error', async () => {
    const la = pairs[0]!;
    const two = await encryptBody({ a: 1 }, binding, pairs.slice(0, 2).map((q) => ({ endpoint: q.endpoint, kid: q.kid, key: q.publicKey })));
    for (const x of [Buffer.alloc(32).toString('base64url'), Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]).toString('base64url')]) {
      const small = { ...two, recipients: two.recipients.map((r) => ({ ...r, header: { ...r.header, epk: { x, crv: 'X25519', kty: 'OKP' } } })) } as unknown as EncryptedBody;
      expect(await decryptCode(small, la)).toBe('DECRYPT_FAILED');
      expect(await joseOpens(small, la)).toBe(false);
    }
    const ed = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const wrongRing: DecryptionKeyRing = { endpoint: 'LA', keys: [{ ...la.ring.keys[0]!, privateKey: ed.privateKey }] };
    const code = await decryptBody(two, binding, wrongRing).then(() => 'decrypted', (e: unknown) => (e instanceof MxError ? e.code : 'other'));
    expect(code).toBe('DECRYPT_FAILED');
  });
});
