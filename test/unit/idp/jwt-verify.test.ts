/**
 * The officer/auditor token verifier (services/core/src/idp/jwt-verify.ts, node:crypto) must give
 * exactly jose's `jwtVerify` outcome with the options OfficerAuth uses: for random tokens issued with
 * jose's SignJWT (random claims, expired, not yet valid, wrong iss/aud, aud arrays, missing
 * sub/exp/iat, extra and `crit` header members, another key, a kid not in the set) and tokens made
 * by hand (alg HS256 and none, b64 false, headers and payloads that are not JSON objects or not
 * UTF-8, base64url oddities, tampered members), both accept with the same payload or both refuse.
 * Keys come from random seeds; both judge against the same pinned `currentDate`, and resolve keys
 * through the same jose key set.
 */
import fc from 'fast-check';
import { SignJWT, createLocalJWKSet, exportJWK, importJWK, jwtVerify, type CryptoKey, type JWK, type JWTHeaderParameters, type JWTVerifyGetKey } from 'jose';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign as edSign, type KeyObject } from 'node:crypto';
import { JwtRefused, verifyEd25519Jwt } from '../../../services/core/src/idp/jwt-verify.ts';

const NOW = new Date('2026-03-02T08:15:00.000Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const ISSUER = 'https://idp.example/dev';
const AUDIENCE = 'mx-gateway-TH';
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const b64u = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');

interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

function keyFromSeed(seed: Uint8Array, kid: string): TestKey {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return { kid, privateKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: x!, kid } };
}

/** Compares both verifiers on one token; returns whether it was accepted. */
async function agree(token: string, keySet: JWTVerifyGetKey, tolerance: number): Promise<boolean> {
  const opts = { issuer: ISSUER, audience: AUDIENCE, clockToleranceSec: tolerance, currentDate: NOW };
  const jose = await jwtVerify(token, keySet, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'], requiredClaims: ['sub', 'exp', 'iat'], clockTolerance: tolerance, currentDate: NOW }).then(
    (r) => ({ ok: true as const, payload: r.payload }),
    (e: unknown) => ({ ok: false as const, error: String(e) }),
  );
  const ours = await verifyEd25519Jwt(token, keySet, opts).then(
    (payload) => ({ ok: true as const, payload }),
    (e: unknown) => ({ ok: false as const, error: String(e) }),
  );
  if (jose.ok !== ours.ok) throw new Error(`disagree on ${token}: jose ${jose.ok ? 'accepts' : `refuses (${jose.error})`}, ours ${ours.ok ? 'accepts' : `refuses (${ours.error})`}`);
  if (jose.ok && ours.ok) expect(ours.payload).toEqual(jose.payload);
  return jose.ok;
}

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const offsetArb = fc.oneof(fc.integer({ min: -40, max: 40 }), fc.integer({ min: -100_000, max: 100_000 }), fc.constantFrom(-31, -30, -29, 29, 30, 31, 0));
/** A claim's value: absent, a time around now, or a value of the wrong type. */
const timeArb = fc.oneof(
  { weight: 6, arbitrary: offsetArb.map((o) => NOW_S + o) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, '1770000000', true, [NOW_S], NOW_S + 0.5, NOW_S - 0.5) },
);
/** Mostly a time that passes (an expiry ahead, a start behind), else any of {@link timeArb}. */
const passingTimeArb = (sign: 1 | -1) => fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 100_000 }).map((o) => NOW_S + sign * o) }, { weight: 2, arbitrary: timeArb });
const claimsArb = fc.record(
  {
    iss: fc.oneof({ weight: 12, arbitrary: fc.constant(ISSUER) }, { weight: 1, arbitrary: fc.constantFrom(undefined, 'https://idp.example/other', `${ISSUER}/`, 7, null, [ISSUER]) }),
    aud: fc.oneof(
      { weight: 10, arbitrary: fc.constant(AUDIENCE) },
      { weight: 2, arbitrary: fc.shuffledSubarray([AUDIENCE, 'mx-audit', 'mx-gateway-LA', 5, null], { minLength: 0 }) },
      { weight: 1, arbitrary: fc.constantFrom(undefined, 'mx-audit', 'MX-GATEWAY-TH', null, 3, { aud: AUDIENCE }) },
    ),
    sub: fc.oneof({ weight: 10, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) }, { weight: 1, arbitrary: fc.constantFrom(null, 12345, '') }),
    exp: passingTimeArb(1),
    iat: passingTimeArb(-1),
    nbf: passingTimeArb(-1),
    mx_endpoint: fc.constantFrom('TH', 'LA'),
    roles: fc.array(fc.constantFrom('liaison-officer', 'auditor', 'x'), { maxLength: 3 }),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['iss', 'aud', 'exp', 'iat', 'mx_endpoint'] },
);
/** Extra protected header members beside alg (and kid). */
const headerExtraArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant({}) },
  { weight: 2, arbitrary: fc.constantFrom({ typ: 'at+jwt' }, { typ: 'JWT', cty: 'x' }, { b64: false }, { b64: true }, { crit: ['b64'], b64: true }, { jku: 'https://x.example/jwks' }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom({ crit: ['exp'], exp: 1 }, { crit: ['exp', 'b64'], exp: 1, b64: true }, { crit: [] }, { crit: 'b64', b64: true }, { crit: ['b64'] }, { crit: ['b64', 'b64'], b64: true }, { crit: [''] }, { crit: null }, { crit: ['b64'], b64: 'true' }),
  },
);

describe('verifyEd25519Jwt agrees with jose jwtVerify', () => {
  test('on random tokens issued with SignJWT: claims, times, headers, keys in and out of the set', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        seedArb,
        seedArb,
        seedArb,
        claimsArb,
        headerExtraArb,
        fc.constantFrom('a', 'b', 'outside', 'none'),
        fc.oneof({ weight: 8, arbitrary: fc.constant('own') }, { weight: 1, arbitrary: fc.constantFrom('other-in-set', 'outside') }),
        fc.constantFrom(0, 5, 30),
        async (seedA, seedB, seedC, claims, headerExtra, kidChoice, signWith, tolerance) => {
          const a = keyFromSeed(seedA, 'idp:a');
          const b = keyFromSeed(seedB, 'idp:b');
          const c = keyFromSeed(seedC, 'idp:c');
          const keySet = createLocalJWKSet({ keys: [a.publicJwk, b.publicJwk] });
          const named = kidChoice === 'a' ? a : kidChoice === 'b' ? b : kidChoice === 'outside' ? c : undefined;
          const signer = signWith === 'outside' ? c : signWith === 'other-in-set' ? (named === a ? b : a) : (named ?? a);
          const header = { ...headerExtra, alg: 'EdDSA', ...(named ? { kid: named.kid } : {}) };
          const payload = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
          let token: string;
          try {
            // Some headers are deliberately not what the type allows (a crit that is not an array...).
            token = await new SignJWT(payload).setProtectedHeader(header as unknown as JWTHeaderParameters).sign(signer.privateKey);
          } catch {
            // jose will not issue this one (e.g. a crit it does not know); sign the same by hand.
            const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
            token = `${input}.${b64u(edSign(null, Buffer.from(input), signer.privateKey))}`;
          }
          if (await agree(token, keySet, tolerance)) accepted++;
          else refused++;
        },
      ),
      { numRuns: 400 },
    );
    // Both outcomes must have been exercised, or the agreement says little.
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  }, 120_000);

  test('on tampered tokens: a flipped character in any member, swapped members, extra or missing dots', async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'.split('')), async (seed, at, ch) => {
        const a = keyFromSeed(seed, 'idp:a');
        const keySet = createLocalJWKSet({ keys: [a.publicJwk] });
        const token = await new SignJWT({ sub: 's', mx_endpoint: 'TH' }).setProtectedHeader({ alg: 'EdDSA', kid: a.kid }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(NOW_S).setExpirationTime(NOW_S + 600).sign(a.privateKey);
        expect(await agree(token, keySet, 30)).toBe(true);
        const i = at % token.length;
        const tampered = token.slice(0, i) + ch + token.slice(i + 1);
        await agree(tampered, keySet, 30);
        await agree(token.slice(0, i) + token.slice(i + 1), keySet, 30);
        const [h, p, s] = token.split('.') as [string, string, string];
        for (const t of [`${p}.${h}.${s}`, `${h}.${p}`, `${h}.${p}.${s}.`, `${h}..${s}`, `${h}.${p}.`, `${h}.${p}.${s}==`, `${h}=.${p}.${s}`]) await agree(t, keySet, 30);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  test('on hand-made tokens: other algorithms, b64 false, members that are not JSON objects, odd base64url', async () => {
    const a = keyFromSeed(new Uint8Array(32).fill(7), 'idp:a');
    const keySet = createLocalJWKSet({ keys: [a.publicJwk] });
    const good = { iss: ISSUER, aud: AUDIENCE, sub: 's', iat: NOW_S, exp: NOW_S + 600, mx_endpoint: 'TH' };
    const edToken = (h: string, p: string) => `${h}.${p}.${b64u(edSign(null, Buffer.from(`${h}.${p}`, 'latin1'), a.privateKey))}`;
    const hdr = (o: unknown) => b64u(JSON.stringify(o));
    const pl = (o: unknown) => b64u(JSON.stringify(o));
    const hs = (h: string, p: string) => `${h}.${p}.${createHmac('sha256', 'secret').update(`${h}.${p}`).digest('base64url')}`;
    const cases: [string, boolean][] = [
      [edToken(hdr({ alg: 'EdDSA', kid: a.kid }), pl(good)), true],
      [edToken(hdr({ alg: 'EdDSA' }), pl(good)), true],
      [hs(hdr({ alg: 'HS256', kid: a.kid }), pl(good)), false],
      [`${hdr({ alg: 'none' })}.${pl(good)}.`, false],
      [edToken(hdr({ alg: 'Ed25519', kid: a.kid }), pl(good)), false],
      [edToken(hdr({ alg: 'eddsa', kid: a.kid }), pl(good)), false],
      [edToken(hdr({ kid: a.kid }), pl(good)), false],
      [edToken(hdr({ alg: '', kid: a.kid }), pl(good)), false],
      [edToken(hdr({ alg: ['EdDSA'], kid: a.kid }), pl(good)), false],
      [edToken(hdr({ alg: 'EdDSA', crit: ['b64'], b64: false }), JSON.stringify(good).replace(/[^A-Za-z0-9_-]/g, '')), false],
      [edToken(hdr({ alg: 'EdDSA', crit: ['b64'], b64: false }), pl(good)), false],
      [edToken(hdr({ alg: 'EdDSA', b64: false }), pl(good)), true],
      [edToken(hdr({ alg: 'EdDSA', crit: ['b64'], b64: true }), pl(good)), true],
      [edToken(hdr({ alg: 'EdDSA', crit: ['zip'], zip: 'DEF', b64: true }), pl(good)), false],
      [edToken(hdr({ alg: 'EdDSA', crit: ['b64', 'b64'], b64: true }), pl(good)), true],
      [edToken(hdr(['EdDSA']), pl(good)), false],
      [edToken(hdr('EdDSA'), pl(good)), false],
      [edToken(b64u('{"alg":"EdDSA",'), pl(good)), false],
      [edToken(b64u(Buffer.from([0x7b, 0xff, 0x7d])), pl(good)), false],
      [edToken(b64u(`\ufeff${JSON.stringify({ alg: 'EdDSA' })}`), pl(good)), true],
      [edToken(hdr({ alg: 'EdDSA', __proto__: { x: 1 } }), pl(good)), true],
      [edToken(hdr({ alg: 'EdDSA' }), pl([good])), false],
      [edToken(hdr({ alg: 'EdDSA' }), pl('x')), false],
      [edToken(hdr({ alg: 'EdDSA' }), pl(null)), false],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(Buffer.from([0x7b, 0xc3, 0x7d]))), false],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(`\ufeff${JSON.stringify(good)}`)), true],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify(good).replace(`"exp":${NOW_S + 600}`, '"exp":1e400'))), true],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify(good).replace(`"iat":${NOW_S}`, '"iat":-1e400'))), true],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify(good).replace(`"exp":${NOW_S + 600}`, '"exp":"1e400"'))), false],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify(good).replace('"sub":"s"', '"sub":null'))), true],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify(good).replace('"sub":"s"', '"__proto__":{"sub":"s"}'))), false],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify({ ...good, exp: undefined }))), false],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify({ ...good, iat: undefined }))), false],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify({ ...good, iat: NOW_S + 10 * 365 * 86400 }))), true],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify({ ...good, nbf: NOW_S + 31 }))), false],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify({ ...good, nbf: NOW_S + 30 }))), true],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify({ ...good, exp: NOW_S - 30 }))), false],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify({ ...good, exp: NOW_S - 29 }))), true],
      [edToken(hdr({ alg: 'EdDSA' }), b64u(JSON.stringify({ ...good, aud: [5, AUDIENCE] }))), true],
      [edToken(`${hdr({ alg: 'EdDSA' })}=`, pl(good)), false],
      [edToken(hdr({ alg: 'EdDSA' }), `${pl(good)}A`), false],
      // Standard base64 with a '/' in it ("???" encodes as Pz8/).
      [edToken(hdr({ alg: 'EdDSA' }), Buffer.from(JSON.stringify({ ...good, sub: '???' })).toString('base64').replace(/=+$/, '')), false],
      // Correct padding is accepted by both (atob); the bearer header's pattern has no '=' anyway.
      [edToken(hdr({ alg: 'EdDSA' }), `${pl(good)}==`), true],
      [edToken(hdr({ alg: 'EdDSA' }), `${pl(good)}=`), false],
    ];
    for (const [token, expected] of cases) expect([token, await agree(token, keySet, 30)]).toEqual([token, expected]);
    // A signature with a non-canonical final character (its low bits set) decodes to the same bytes for both.
    const t = edToken(hdr({ alg: 'EdDSA' }), pl(good));
    const last = t.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = `${t.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
    await agree(twin, keySet, 30);
    expect(await agree(`${t.slice(0, -1)}`, keySet, 30)).toBe(false);
  });

  test('on keys in every form a key set may hand out: CryptoKey, KeyObject, JWK, private, of another curve', async () => {
    const a = keyFromSeed(new Uint8Array(32).fill(9), 'idp:a');
    const token = await new SignJWT({ sub: 's' }).setProtectedHeader({ alg: 'EdDSA', kid: a.kid }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(NOW_S).setExpirationTime(NOW_S + 600).sign(a.privateKey);
    const publicCrypto = (await importJWK(a.publicJwk, 'EdDSA')) as CryptoKey;
    const privateJwk = { ...(await exportJWK(a.privateKey)), kid: a.kid };
    const privateCrypto = (await importJWK(privateJwk, 'EdDSA')) as CryptoKey;
    const x25519 = generateKeyPairSync('x25519').publicKey;
    const otherEd = generateKeyPairSync('ed25519').publicKey;
    const forms: [string, unknown, boolean][] = [
      ['CryptoKey', publicCrypto, true],
      ['KeyObject', createPublicKey(a.privateKey), true],
      ['public JWK', a.publicJwk, true],
      ['public JWK with use enc', { ...a.publicJwk, use: 'enc' }, false],
      ['public JWK with alg Ed25519', { ...a.publicJwk, alg: 'Ed25519' }, false],
      ['private JWK', privateJwk, false],
      ['private CryptoKey', privateCrypto, false],
      ['private KeyObject', a.privateKey, false],
      ['X25519 KeyObject', x25519, false],
      ['another Ed25519 KeyObject', otherEd, false],
      ['a string', 'key', false],
    ];
    for (const [name, key, expected] of forms) {
      const keySet = (async () => key) as unknown as JWTVerifyGetKey;
      expect([name, await agree(token, keySet, 30)]).toEqual([name, expected]);
    }
    const throwing: JWTVerifyGetKey = async () => {
      throw new Error('no such key');
    };
    expect(await agree(token, throwing, 30)).toBe(false);
  });

  test('a refusal is a JwtRefused with a reason, whatever failed', async () => {
    const a = keyFromSeed(new Uint8Array(32).fill(3), 'idp:a');
    const keySet = createLocalJWKSet({ keys: [a.publicJwk] });
    const opts = { issuer: ISSUER, audience: AUDIENCE, clockToleranceSec: 30, currentDate: NOW };
    const sign = (exp: number) => new SignJWT({ sub: 's' }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(NOW_S).setExpirationTime(exp).sign(a.privateKey);
    await expect(verifyEd25519Jwt(await sign(NOW_S - 60), keySet, opts)).rejects.toMatchObject({ name: 'JwtRefused', reason: 'expired' });
    const t = await sign(NOW_S + 60);
    await expect(verifyEd25519Jwt(`${t.slice(0, -2)}AA`, keySet, opts)).rejects.toBeInstanceOf(JwtRefused);
    await expect(verifyEd25519Jwt(t, keySet, opts)).resolves.toMatchObject({ sub: 's', exp: NOW_S + 60 });
  });
});
