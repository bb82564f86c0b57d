import { flattenedVerify, generateSecret } from 'jose';
import { serializeJws } from '../../services/core/src/envelope/canonical.ts';
import { digestOf } from '../../services/core/src/envelope/digest.ts';
import { DEFAULT_MAX_ENVELOPE_BYTES, signNotice } from '../../services/core/src/envelope/sign.ts';
import { TYP_BY_CLASS } from '../../services/core/src/envelope/typ.ts';
import { verifyNotice, type VerifyOptions } from '../../services/core/src/envelope/verify.ts';
import { MxError } from '../../services/core/src/errors/mx-error.ts';
import type { ErrorCode } from '../../services/core/src/errors/catalogue.ts';
import { buildDocument, type BuildOptions } from '../fixtures/documents/index.ts';
import { DAY, codeOf, makeWorld, rawRecord, rawSign, rejection, type World } from './support.ts';

const NOW = new Date('2026-03-02T08:15:00.000Z');
const MIN = 60 * 1000;
const text = new TextDecoder();
const enc = new TextEncoder();

let w: World;
beforeAll(async () => {
  w = await makeWorld(NOW);
});

const verify = (bytes: Uint8Array, options: VerifyOptions = {}) => verifyNotice(bytes, w.trust, w.schemas, { now: NOW, ...options });
const notice = (o: BuildOptions<'victim-repatriation-notice'> = {}) => buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], issuedAt: NOW, ...o });
const header = (kid = 'TH:current', typ: string = TYP_BY_CLASS.notice) => ({ alg: 'EdDSA', kid, typ });
const members = (bytes: Uint8Array) => JSON.parse(text.decode(bytes)) as { protected: string; payload: string; signature: string };

describe('signNotice', () => {
  test('produces exactly protected, payload, signature in that order, header { alg, kid, typ }', async () => {
    const doc = notice();
    const bytes = await signNotice(doc, w.signers.TH);
    const t = text.decode(bytes);
    expect(Object.keys(JSON.parse(t))).toEqual(['protected', 'payload', 'signature']);
    expect(t).toBe(serializeJws(members(bytes)));
    expect(Buffer.from(members(bytes).protected, 'base64url').toString()).toBe('{"alg":"EdDSA","kid":"TH:current","typ":"mx-notice+jws"}');
    expect(JSON.parse(Buffer.from(members(bytes).payload, 'base64url').toString())).toEqual(doc);
  });

  test('is deterministic (Ed25519), so one document has one digest', async () => {
    const doc = notice();
    expect(digestOf(await signNotice(doc, w.signers.TH))).toBe(digestOf(await signNotice(doc, w.signers.TH)));
  });

  test('signs each class with its typ and refuses a typ that does not match the type', async () => {
    const receipt = buildDocument('delivery-receipt', { from: 'TH', issuedAt: NOW });
    const audit = buildDocument('audit-event', { from: 'TH', issuedAt: NOW });
    expect(JSON.parse(Buffer.from(members(await signNotice(receipt, w.signers.TH)).protected, 'base64url').toString()).typ).toBe('mx-receipt+jws');
    expect(JSON.parse(Buffer.from(members(await signNotice(audit, w.signers.TH)).protected, 'base64url').toString()).typ).toBe('mx-audit+jws');
    expect(await codeOf(() => signNotice(receipt, w.signers.TH, { typ: 'mx-notice+jws' }))).toBe('TYP_MISMATCH');
    expect(await codeOf(() => signNotice(notice(), w.signers.TH, { typ: 'mx-audit+jws' }))).toBe('TYP_MISMATCH');
  });

  test('refuses what no receiver would accept', async () => {
    expect(await codeOf(() => signNotice(notice({ from: 'LA' }), w.signers.TH))).toBe('SENDER_MISMATCH');
    expect(await codeOf(() => signNotice(notice({ issuedAt: new Date(NOW.getTime() - 40 * DAY) }), w.signers.TH))).toBe('KEY_NOT_VALID_AT_ISSUE_TIME');
    expect(await codeOf(() => signNotice(notice(), w.signers.TH, { maxBytes: 500 }))).toBe('TOO_LARGE');
  });
});

describe('verifyNotice: the happy path', () => {
  test('returns the document, header, digest, kid and endpoint', async () => {
    const doc = notice();
    const bytes = await signNotice(doc, w.signers.TH);
    const r = await verify(bytes);
    expect(r.document).toEqual(doc);
    expect(r.header).toEqual({ alg: 'EdDSA', kid: 'TH:current', typ: 'mx-notice+jws' });
    expect(r.digest).toBe(digestOf(bytes));
    expect(r.digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.kid).toBe('TH:current');
    expect(r.endpoint).toBe('TH');
  });

  test('accepts issuedAt within the clock skew, and any of several expected classes', async () => {
    await expect(verify(await signNotice(notice({ issuedAt: new Date(NOW.getTime() + 4 * MIN) }), w.signers.TH))).resolves.toBeDefined();
    const receipt = await signNotice(buildDocument('delivery-receipt', { from: 'LA', to: ['TH'], issuedAt: NOW }), w.signers.LA);
    await expect(verify(receipt, { typ: ['mx-notice+jws', 'mx-receipt+jws'] })).resolves.toMatchObject({ endpoint: 'LA' });
  });
});

describe('verifyNotice: structure and canonical form', () => {
  let good: Uint8Array;
  beforeAll(async () => {
    good = await signNotice(notice(), w.signers.TH);
  });

  test('every single-byte flip of the record is rejected (every position x 3 masks)', async () => {
    const t = text.decode(good);
    const start = (m: string) => t.indexOf(`"${m}":"`) + m.length + 4;
    const segments = { protected: [start('protected'), t.indexOf('"', start('protected'))], payload: [start('payload'), t.indexOf('"', start('payload'))], signature: [start('signature'), t.indexOf('"', start('signature'))] } as const;
    const seen = new Map<string, Set<ErrorCode>>();
    let tried = 0;
    for (let i = 0; i < good.length; i++) {
      for (const mask of [0x01, 0x20, 0x80]) {
        const bad = Uint8Array.from(good);
        bad[i] = bad[i]! ^ mask;
        const err = await rejection(() => verify(bad));
        tried++;
        const seg = Object.entries(segments).find(([, [a, b]]) => i >= a && i < b)?.[0] ?? 'json';
        const codes = seen.get(seg) ?? new Set<ErrorCode>();
        codes.add(err.code);
        seen.set(seg, codes);
      }
    }
    expect(tried).toBe(good.length * 3);
    // Flips inside each segment are caught, and a payload change reaches and fails the signature check.
    expect([...seen.keys()].sort()).toEqual(['json', 'payload', 'protected', 'signature']);
    expect(seen.get('payload')!.has('SIGNATURE_INVALID')).toBe(true);
    expect(seen.get('signature')!.has('SIGNATURE_INVALID')).toBe(true);
  }, 120_000);

  test('whitespace, member order and escaping changes are NON_CANONICAL', async () => {
    const m = members(good);
    const variants = [
      JSON.stringify(m, null, 2),
      JSON.stringify(m) + '\n',
      ' ' + JSON.stringify(m),
      JSON.stringify(m).replace('":"', '": "'),
      JSON.stringify({ payload: m.payload, protected: m.protected, signature: m.signature }),
      JSON.stringify({ signature: m.signature, payload: m.payload, protected: m.protected }),
      JSON.stringify({ protected: m.protected, signature: m.signature, payload: m.payload }),
      JSON.stringify(m).replace('"protected"', '"\\u0070rotected"'),
      JSON.stringify(m).replace(`"${m.signature}"`, `"\\u00${m.signature.charCodeAt(0).toString(16)}${m.signature.slice(1)}"`),
      // a duplicate member: JSON.parse keeps the last, the text is not the canonical one
      `{"protected":"e30","protected":"${m.protected}","payload":"${m.payload}","signature":"${m.signature}"}`,
    ];
    for (const v of variants) {
      expect(JSON.parse(v)).toEqual(m);
      expect(await codeOf(() => verify(enc.encode(v)))).toBe('NON_CANONICAL');
    }
  });

  test('an unprotected header, a missing or extra member, non-strings and non-JSON are MALFORMED', async () => {
    const m = members(good);
    const variants: unknown[] = [
      { ...m, header: { kid: 'TH:current' } },
      { ...m, header: {} },
      { protected: m.protected, payload: m.payload },
      { ...m, extra: 'x' },
      { ...m, signature: 42 },
      [m.protected, m.payload, m.signature],
      null,
      'x',
    ];
    for (const v of variants) expect(await codeOf(() => verify(enc.encode(JSON.stringify(v))))).toBe('MALFORMED');
    expect(await codeOf(() => verify(enc.encode(`${m.protected}.${m.payload}.${m.signature}`)))).toBe('MALFORMED');
    expect(await codeOf(() => verify(Uint8Array.from([0xef, 0xbb, 0xbf, ...good])))).toBe('MALFORMED');
    expect(await codeOf(() => verify(Uint8Array.from([0xc0, 0xaf])))).toBe('MALFORMED');
    expect(await codeOf(() => verify(new Uint8Array()))).toBe('MALFORMED');
  });

  test('non-canonical base64url is rejected even where jose itself would accept it', async () => {
    const m = members(good);
    // 64 signature bytes take 86 characters; the last one carries 2 data bits and 4 zero bits.
    const last = m.signature.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const trailing = alphabet[alphabet.indexOf(last) | 0b0001]!;
    expect(trailing).not.toBe(last);
    const sloppy = { ...m, signature: m.signature.slice(0, -1) + trailing };
    const key = w.trust.resolve('TH:current')!.key;
    await expect(flattenedVerify(sloppy, key, { algorithms: ['EdDSA'] })).resolves.toBeDefined(); // same bytes to jose
    expect(await codeOf(() => verify(enc.encode(serializeJws(sloppy))))).toBe('NON_CANONICAL');

    const padded = { ...m, payload: m.payload + '='.repeat((4 - (m.payload.length % 4)) % 4 || 4) };
    expect(await codeOf(() => verify(enc.encode(serializeJws(padded))))).toBe('NON_CANONICAL');
    const paddedSig = { ...m, signature: m.signature + '==' };
    expect(await codeOf(() => verify(enc.encode(serializeJws(paddedSig))))).toBe('NON_CANONICAL');
    const std = { ...m, signature: m.signature.replaceAll('-', '+').replaceAll('_', '/') };
    if (std.signature !== m.signature) expect(await codeOf(() => verify(enc.encode(serializeJws(std))))).toBe('MALFORMED');
  });

  test('a record over the size limit is TOO_LARGE before anything is parsed', async () => {
    expect(await codeOf(() => verify(good, { maxBytes: good.length - 1 }))).toBe('TOO_LARGE');
    await expect(verify(good, { maxBytes: good.length })).resolves.toBeDefined();
    expect(await codeOf(() => verify(new Uint8Array(DEFAULT_MAX_ENVELOPE_BYTES + 1).fill(0x20)))).toBe('TOO_LARGE');
  });
});

describe('verifyNotice: header', () => {
  test('alg none in any casing, HS256 keyed with the public key bytes, and others are ALG_NOT_ALLOWED', async () => {
    const doc = notice();
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      expect(await codeOf(() => verify(rawRecord({ alg, kid: 'TH:current', typ: 'mx-notice+jws' }, doc)))).toBe('ALG_NOT_ALLOWED');
    }
    // The classic confusion: HMAC with the verifier's public key as the secret.
    const publicKeyBytes = Buffer.from(w.keys.TH.publicJwk.x!, 'base64url');
    const hs = await rawSign(doc, { alg: 'HS256', kid: 'TH:current', typ: 'mx-notice+jws' }, new Uint8Array(publicKeyBytes));
    expect(await codeOf(() => verify(hs))).toBe('ALG_NOT_ALLOWED');
    const hs512 = await rawSign(doc, { alg: 'HS512', kid: 'TH:current', typ: 'mx-notice+jws' }, await generateSecret('HS512', { extractable: true }));
    expect(await codeOf(() => verify(hs512))).toBe('ALG_NOT_ALLOWED');
    expect(await codeOf(() => verify(rawRecord({ kid: 'TH:current', typ: 'mx-notice+jws' }, doc)))).toBe('ALG_NOT_ALLOWED');
    expect(await codeOf(async () => verify(await rawSign(doc, { alg: 'Ed25519', kid: 'TH:current', typ: 'mx-notice+jws' }, w.keys.TH.privateKey)))).toBe('ALG_NOT_ALLOWED');
  });

  test('a receipt or an audit event where a notice is expected is TYP_MISMATCH (and the other way round)', async () => {
    const receipt = await signNotice(buildDocument('delivery-receipt', { from: 'TH', issuedAt: NOW }), w.signers.TH);
    const audit = await signNotice(buildDocument('audit-event', { from: 'TH', issuedAt: NOW }), w.signers.TH);
    const n = await signNotice(notice(), w.signers.TH);
    expect(await codeOf(() => verify(receipt))).toBe('TYP_MISMATCH');
    expect(await codeOf(() => verify(audit))).toBe('TYP_MISMATCH');
    expect(await codeOf(() => verify(n, { typ: 'mx-receipt+jws' }))).toBe('TYP_MISMATCH');
    expect(await codeOf(() => verify(audit, { typ: 'mx-receipt+jws' }))).toBe('TYP_MISMATCH');
    await expect(verify(receipt, { typ: 'mx-receipt+jws' })).resolves.toBeDefined();
    await expect(verify(audit, { typ: 'mx-audit+jws' })).resolves.toBeDefined();
    for (const typ of [undefined, 'JWT', 'MX-NOTICE+JWS', 'application/mx-notice+jws']) {
      const h: Record<string, unknown> = { alg: 'EdDSA', kid: 'TH:current' };
      if (typ !== undefined) h.typ = typ;
      expect(await codeOf(() => verify(rawRecord(h, notice())))).toBe('TYP_MISMATCH');
    }
  });

  test('a correctly signed record whose typ does not fit its type is TYP_MISMATCH, with the verified sender', async () => {
    const receiptAsNotice = await rawSign(buildDocument('delivery-receipt', { from: 'TH', issuedAt: NOW }), header(), w.keys.TH.privateKey);
    const err = await rejection(() => verify(receiptAsNotice));
    expect(err.code).toBe('TYP_MISMATCH');
    expect(err.verifiedSender).toBe('TH');
  });

  test('crit is CRIT_UNSUPPORTED; jwk, jku, x5u, x5c and any other member are HEADER_NOT_ALLOWED', async () => {
    const doc = notice();
    const k = w.keys.TH;
    expect(await codeOf(async () => verify(rawRecord({ ...header(), crit: ['exp'], exp: 1 }, doc, 'AAAA')))).toBe('CRIT_UNSUPPORTED');
    expect(await codeOf(async () => verify(rawRecord({ ...header(), crit: ['b64'], b64: false }, doc)))).toBe('CRIT_UNSUPPORTED');
    // An attacker's own key, embedded: never followed, even though the signature is "valid" under it.
    const embedded = await rawSign(doc, { ...header('TH:stranger'), jwk: w.stranger.publicJwk }, w.stranger.privateKey);
    expect(await codeOf(() => verify(embedded))).toBe('HEADER_NOT_ALLOWED');
    for (const extra of [{ jku: 'https://attacker.example/jwks' }, { x5u: 'https://attacker.example/cert' }, { x5c: ['MIIB'] }, { cty: 'json' }, { x5t: 'abc' }, { nonce: 'n' }]) {
      expect(await codeOf(async () => verify(await rawSign(doc, { ...header(), ...extra }, k.privateKey)))).toBe('HEADER_NOT_ALLOWED');
    }
  });

  test('a header that is not an object or not in JSON.stringify form is rejected', async () => {
    const m = members(await signNotice(notice(), w.signers.TH));
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    expect(await codeOf(() => verify(enc.encode(serializeJws({ ...m, protected: b64('[1]') }))))).toBe('MALFORMED');
    expect(await codeOf(() => verify(enc.encode(serializeJws({ ...m, protected: b64('{"alg":') }))))).toBe('MALFORMED');
    // Duplicate alg: parsers disagree on which one counts; a signed header must have one reading.
    const dupHeader = b64('{"alg":"none","alg":"EdDSA","kid":"TH:current","typ":"mx-notice+jws"}');
    expect(await codeOf(() => verify(enc.encode(serializeJws({ ...m, protected: dupHeader }))))).toBe('NON_CANONICAL');
    expect(await codeOf(() => verify(enc.encode(serializeJws({ ...m, protected: b64('{"alg": "EdDSA","kid":"TH:current","typ":"mx-notice+jws"}') }))))).toBe('NON_CANONICAL');
  });
});

describe('verifyNotice: keys and signature', () => {
  test('an unknown kid, or none, is UNKNOWN_KEY', async () => {
    const doc = notice();
    expect(await codeOf(async () => verify(await rawSign(doc, header('TH:stranger'), w.stranger.privateKey)))).toBe('UNKNOWN_KEY');
    expect(await codeOf(async () => verify(await rawSign(doc, header('KH:current'), w.stranger.privateKey)))).toBe('UNKNOWN_KEY');
    expect(await codeOf(async () => verify(await rawSign(doc, { alg: 'EdDSA', typ: 'mx-notice+jws' }, w.keys.TH.privateKey)))).toBe('UNKNOWN_KEY');
  });

  test("TH's key claiming LA's kid is SIGNATURE_INVALID; from=LA under TH's own kid is SENDER_MISMATCH", async () => {
    const asLa = await rawSign(notice({ from: 'LA', to: ['TH'] }), header('LA:current'), w.keys.TH.privateKey);
    const e1 = await rejection(() => verify(asLa));
    expect(e1.code).toBe('SIGNATURE_INVALID');
    expect(e1.verifiedSender).toBeUndefined();

    const fromLa = await rawSign(notice({ from: 'LA', to: ['TH'] }), header('TH:current'), w.keys.TH.privateKey);
    const e2 = await rejection(() => verify(fromLa));
    expect(e2.code).toBe('SENDER_MISMATCH');
    expect(e2.verifiedSender).toBe('TH');
  });

  test('a revoked key is KEY_REVOKED from its revokedAt on', async () => {
    const bytes = await rawSign(notice(), header('TH:revoked'), w.thRevoked.privateKey);
    expect(await codeOf(() => verify(bytes))).toBe('KEY_REVOKED');
    // Before the revocation took effect (e.g. re-verifying as of an earlier time) it was fine.
    const earlier = new Date(NOW.getTime() - 2 * DAY);
    const old = await rawSign(notice({ issuedAt: earlier }), header('TH:revoked'), w.thRevoked.privateKey);
    await expect(verify(old, { now: earlier })).resolves.toMatchObject({ kid: 'TH:revoked' });
  });

  test('a key not valid at issuedAt is KEY_NOT_VALID_AT_ISSUE_TIME; it verifies for what it signed while valid', async () => {
    expect(await codeOf(async () => verify(await rawSign(notice(), header('TH:expired'), w.thExpired.privateKey)))).toBe('KEY_NOT_VALID_AT_ISSUE_TIME');
    expect(await codeOf(async () => verify(await rawSign(notice(), header('TH:future'), w.thFuture.privateKey)))).toBe('KEY_NOT_VALID_AT_ISSUE_TIME');
    const whileValid = new Date(NOW.getTime() - 21 * DAY);
    const old = await rawSign(notice({ issuedAt: whileValid, expiresAt: new Date(whileValid.getTime() + 60 * DAY) }), header('TH:expired'), w.thExpired.privateKey);
    await expect(verify(old, { maxAgeMs: 30 * DAY })).resolves.toMatchObject({ kid: 'TH:expired', endpoint: 'TH' });
  });
});

describe('verifyNotice: payload', () => {
  test('a schema-invalid document is SCHEMA_INVALID with issues and the verified sender', async () => {
    const doc = notice() as Record<string, unknown>;
    delete doc.sender;
    const err = await rejection(async () => verify(await rawSign(doc, header(), w.keys.TH.privateKey)));
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.verifiedSender).toBe('TH');
    expect(err.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/sender', code: 'required' })]));

    const badBody = notice() as { body: { child: { sex: string } } };
    badBody.body.child.sex = 'unknown-value';
    const e2 = await rejection(async () => verify(await rawSign(badBody, header(), w.keys.TH.privateKey)));
    expect(e2.code).toBe('SCHEMA_INVALID');
    expect(e2.issues!.some((i) => i.path.startsWith('/body/child'))).toBe(true);
  });

  test('the body schema comes from type: a schema member naming another type is SCHEMA_INVALID', async () => {
    const doc = { ...notice(), schema: 'https://schemas.mekong-exchange.example/offender-alert-response.v1.json' };
    const err = await rejection(async () => verify(await rawSign(doc, header(), w.keys.TH.privateKey)));
    expect(err.code).toBe('SCHEMA_INVALID');
    expect(err.issues![0]!.path).toBe('/schema');
  });

  test('a payload that is not JSON, or not in JSON.stringify form, is rejected after the signature', async () => {
    const e1 = await rejection(async () => verify(await rawSign('not json', header(), w.keys.TH.privateKey)));
    expect([e1.code, e1.verifiedSender]).toEqual(['MALFORMED', 'TH']);
    const e2 = await rejection(async () => verify(await rawSign(JSON.stringify(notice(), null, 1), header(), w.keys.TH.privateKey)));
    expect([e2.code, e2.verifiedSender]).toEqual(['NON_CANONICAL', 'TH']);
    const dup = JSON.stringify(notice()).replace('"to":["LA"]', '"to":["CN"],"to":["LA"]');
    expect(await codeOf(async () => verify(await rawSign(dup, header(), w.keys.TH.privateKey)))).toBe('NON_CANONICAL');
  });

  test('expiresAt not after issuedAt is SCHEMA_INVALID', async () => {
    const doc = notice({ expiresAt: NOW });
    expect(await codeOf(async () => verify(await rawSign(doc, header(), w.keys.TH.privateKey)))).toBe('SCHEMA_INVALID');
  });
});

describe('verifyNotice: time', () => {
  const sign = (issuedAt: Date, expiresAt?: Date) => signNotice(notice({ issuedAt, ...(expiresAt ? { expiresAt } : {}) }), w.signers.TH);

  test('issuedAt beyond the clock skew is ISSUED_IN_FUTURE', async () => {
    expect(await codeOf(async () => verify(await sign(new Date(NOW.getTime() + 6 * MIN))))).toBe('ISSUED_IN_FUTURE');
    expect(await codeOf(async () => verify(await sign(new Date(NOW.getTime() + 2 * MIN)), { clockSkewMs: MIN }))).toBe('ISSUED_IN_FUTURE');
  });

  test('issuedAt older than the maximum age is TOO_OLD', async () => {
    const issued = new Date(NOW.getTime() - 8 * DAY);
    expect(await codeOf(async () => verify(await sign(issued, new Date(NOW.getTime() + DAY))))).toBe('TOO_OLD');
    await expect(verify(await sign(issued, new Date(NOW.getTime() + DAY)), { maxAgeMs: 9 * DAY })).resolves.toBeDefined();
  });

  test('a lifetime over the maximum is LIFETIME_TOO_LONG', async () => {
    expect(await codeOf(async () => verify(await sign(NOW, new Date(NOW.getTime() + 91 * DAY))))).toBe('LIFETIME_TOO_LONG');
    await expect(verify(await sign(NOW, new Date(NOW.getTime() + 90 * DAY)))).resolves.toBeDefined();
  });

  test('an expired document is EXPIRED, with the verified sender', async () => {
    const err = await rejection(async () => verify(await sign(new Date(NOW.getTime() - 2 * DAY), new Date(NOW.getTime() - DAY))));
    expect([err.code, err.verifiedSender]).toEqual(['EXPIRED', 'TH']);
  });
});

describe('verifyNotice: order and the policy hook', () => {
  test('the routing policy runs after the sender checks and before expiry', async () => {
    const calls: string[] = [];
    const policy = ({ document, endpoint }: { document: { from: string }; endpoint: string }) => {
      calls.push(`${endpoint}:${document.from}`);
      throw new MxError('ROUTE_FORBIDDEN');
    };
    const expired = await signNotice(notice({ issuedAt: new Date(NOW.getTime() - 2 * DAY), expiresAt: new Date(NOW.getTime() - DAY) }), w.signers.TH);
    const err = await rejection(() => verify(expired, { policy }));
    expect([err.code, err.verifiedSender]).toEqual(['ROUTE_FORBIDDEN', 'TH']);
    expect(calls).toEqual(['TH:TH']);
    // A sender mismatch never reaches the policy.
    const fromLa = await rawSign(notice({ from: 'LA', to: ['TH'] }), header(), w.keys.TH.privateKey);
    expect(await codeOf(() => verify(fromLa, { policy }))).toBe('SENDER_MISMATCH');
    expect(calls).toHaveLength(1);
  });

  test('earlier checks win: bad alg before bad typ, unknown kid before a bad signature, signature before schema', async () => {
    expect(await codeOf(() => verify(rawRecord({ alg: 'none', kid: 'nope', typ: 'x' }, 'x')))).toBe('ALG_NOT_ALLOWED');
    expect(await codeOf(() => verify(rawRecord({ alg: 'EdDSA', kid: 'nope', typ: 'x', jwk: {} }, 'x')))).toBe('TYP_MISMATCH');
    expect(await codeOf(() => verify(rawRecord({ ...header('XX:nope') }, 'x', 'AAAA')))).toBe('UNKNOWN_KEY');
    expect(await codeOf(() => verify(rawRecord(header('TH:revoked'), 'x', 'AAAA')))).toBe('KEY_REVOKED');
    const e = await rejection(() => verify(rawRecord(header(), { not: 'a notice' }, 'AAAA')));
    expect([e.code, e.verifiedSender]).toEqual(['SIGNATURE_INVALID', undefined]);
  });
});
