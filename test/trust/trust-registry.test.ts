import { exportJWK } from 'jose';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keysInit, keysRotate } from '../../services/cli/src/commands/keys.ts';
import { signNotice } from '../../services/core/src/envelope/sign.ts';
import { verifyNotice } from '../../services/core/src/envelope/verify.ts';
import { SchemaRegistry } from '../../services/core/src/schemas/registry.ts';
import { buildDocument } from '../fixtures/documents/index.ts';
import {
  KeyFileError,
  TrustRegistry,
  generateEndpointKeys,
  isRevokedAt,
  isValidAt,
  loadSigner,
  loadSigningKeys,
} from '../../services/core/src/trust/index.ts';

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2026-03-01T00:00:00Z');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mx-trust-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('generateEndpointKeys', () => {
  test('writes the private JWKS 0600 in a 0700 directory and the public JWKS without d', async () => {
    const key = await generateEndpointKeys('TH', dir, { validFrom: T0 });
    expect(key.kid).toMatch(/^TH:20260301-[A-Za-z0-9_-]{12}$/);
    expect(key.privateJwksPath).toBe(join(dir, 'private', 'TH.jwks.json'));
    expect(key.publicJwksPath).toBe(join(dir, 'trust', 'TH.jwks.json'));
    expect(await modeOf(key.privateJwksPath)).toBe(0o600);
    expect(await modeOf(join(dir, 'private'))).toBe(0o700);
    expect(await modeOf(key.publicJwksPath)).toBe(0o644);
    expect(key.validUntil.getTime() - key.validFrom.getTime()).toBe(365 * DAY);

    const priv = JSON.parse(await readFile(key.privateJwksPath, 'utf8')) as { keys: Record<string, unknown>[] };
    const pub = JSON.parse(await readFile(key.publicJwksPath, 'utf8')) as { keys: Record<string, unknown>[] };
    expect(priv.keys).toHaveLength(2);
    expect(typeof priv.keys[0]!.d).toBe('string');
    expect(typeof priv.keys[1]!.d).toBe('string');
    expect(pub.keys).toHaveLength(2);
    for (const k of pub.keys) expect(k).not.toHaveProperty('d');
    expect(pub.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: key.kid, alg: 'EdDSA', use: 'sig', x: priv.keys[0]!.x, nbf: T0.getTime() / 1000 });
    // The encryption key beside it: X25519, use enc, the same validity window.
    expect(key.encKid).toMatch(/^TH:20260301-[A-Za-z0-9_-]{12}$/);
    expect(pub.keys[1]).toMatchObject({ kty: 'OKP', crv: 'X25519', kid: key.encKid, alg: 'ECDH-ES+A256KW', use: 'enc', x: priv.keys[1]!.x, nbf: pub.keys[0]!.nbf, exp: pub.keys[0]!.exp });
    expect(JSON.parse(await readFile(key.revocationsPath, 'utf8'))).toEqual({ revoked: [] });
  });

  test('a private file left at 0644 is tightened by nobody: generation and loading refuse it', async () => {
    const key = await generateEndpointKeys('LA', dir, { validFrom: T0 });
    await chmod(key.privateJwksPath, 0o644);
    await expect(loadSigner(key.privateJwksPath, { now: T0 })).rejects.toThrow(/mode is 644/);
    await expect(generateEndpointKeys('LA', dir)).rejects.toBeInstanceOf(KeyFileError);
  });

  test('an existing private directory with a loose mode is tightened to 0700', async () => {
    await generateEndpointKeys('CN', dir, { validFrom: T0 });
    await chmod(join(dir, 'private'), 0o755);
    await generateEndpointKeys('CN', dir, { validFrom: new Date(T0.getTime() + DAY) });
    expect(await modeOf(join(dir, 'private'))).toBe(0o700);
  });

  test('refuses a malformed endpoint and an empty validity window', async () => {
    await expect(generateEndpointKeys('th', dir)).rejects.toBeInstanceOf(KeyFileError);
    await expect(generateEndpointKeys('../x', dir)).rejects.toBeInstanceOf(KeyFileError);
    await expect(generateEndpointKeys('TH', dir, { validFrom: T0, validUntil: T0 })).rejects.toBeInstanceOf(KeyFileError);
  });
});

describe('rotation', () => {
  test('the signer picks the newest key active now; older keys stay trusted for what they signed', async () => {
    const old = await generateEndpointKeys('TH', dir, { validFrom: new Date(T0.getTime() - 60 * DAY), validUntil: new Date(T0.getTime() + 30 * DAY) });
    const current = await generateEndpointKeys('TH', dir, { validFrom: new Date(T0.getTime() - DAY) });
    const future = await generateEndpointKeys('TH', dir, { validFrom: new Date(T0.getTime() + 10 * DAY) });
    expect(future.keyCount).toBe(3);

    expect((await loadSigner(current.privateJwksPath, { now: T0 })).kid).toBe(current.kid);
    expect((await loadSigner(current.privateJwksPath, { now: new Date(T0.getTime() - 10 * DAY) })).kid).toBe(old.kid);
    expect((await loadSigner(current.privateJwksPath, { now: new Date(T0.getTime() + 11 * DAY) })).kid).toBe(future.kid);
    await expect(loadSigner(current.privateJwksPath, { now: new Date(T0.getTime() - 61 * DAY) })).rejects.toThrow(/no key of TH is active/);

    const ring = await loadSigningKeys(current.privateJwksPath);
    expect(ring.signers.map((s) => s.kid)).toEqual([old.kid, current.kid, future.kid]);

    const trust = await TrustRegistry.fromDirectory(join(dir, 'trust'));
    expect(trust.keysOf('TH').map((k) => k.kid).sort()).toEqual([old.kid, current.kid, future.kid].sort());
    const oldKey = trust.resolve(old.kid)!;
    expect(isValidAt(oldKey, new Date(T0.getTime() - 10 * DAY))).toBe(true);
    expect(isValidAt(oldKey, new Date(T0.getTime() + 30 * DAY))).toBe(false);
  });

  test('after a rotation the verifier accepts the old key for a document issued while it was valid, not after', async () => {
    const oldFrom = new Date(T0.getTime() - 60 * DAY);
    const old = await generateEndpointKeys('TH', dir, { validFrom: oldFrom, validUntil: new Date(T0.getTime() - DAY) });
    const issuedOld = new Date(T0.getTime() - 3 * DAY);
    const oldSigner = await loadSigner(old.privateJwksPath, { now: issuedOld });
    const before = await signNotice(buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], issuedAt: issuedOld }), oldSigner);

    const fresh = await generateEndpointKeys('TH', dir, { validFrom: new Date(T0.getTime() - 2 * DAY) });
    const newSigner = await loadSigner(fresh.privateJwksPath, { now: T0 });
    expect(newSigner.kid).toBe(fresh.kid);
    const after = await signNotice(buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], issuedAt: T0 }), newSigner);

    const trust = await TrustRegistry.fromDirectory(join(dir, 'trust'));
    const schemas = SchemaRegistry.load();
    await expect(verifyNotice(before, trust, schemas, { now: T0 })).resolves.toMatchObject({ kid: old.kid, endpoint: 'TH' });
    await expect(verifyNotice(after, trust, schemas, { now: T0 })).resolves.toMatchObject({ kid: fresh.kid, endpoint: 'TH' });
    // The old key after its exp: a document "issued" today under it is refused (signNotice refuses too).
    await expect(signNotice(buildDocument('victim-repatriation-notice', { from: 'TH', to: ['LA'], issuedAt: T0 }), oldSigner)).rejects.toMatchObject({ code: 'KEY_NOT_VALID_AT_ISSUE_TIME' });
  });

  test('equal validFrom: the key added later wins', async () => {
    await generateEndpointKeys('LA', dir, { validFrom: T0 });
    const second = await generateEndpointKeys('LA', dir, { validFrom: T0 });
    expect((await loadSigner(second.privateJwksPath, { now: T0 })).kid).toBe(second.kid);
  });

  test('the signer key cannot be exported', async () => {
    const key = await generateEndpointKeys('LA', dir, { validFrom: T0 });
    const signer = await loadSigner(key.privateJwksPath, { now: T0 });
    expect(signer.privateKey.extractable).toBe(false);
    await expect(exportJWK(signer.privateKey)).rejects.toThrow();
    expect(JSON.stringify(signer)).not.toMatch(/"d"/);
  });

  test('a private file whose x does not match d is refused', async () => {
    const a = await generateEndpointKeys('LA', dir, { validFrom: T0 });
    const other = await mkdtemp(join(tmpdir(), 'mx-trust-other-'));
    try {
      const b = await generateEndpointKeys('LA', other, { validFrom: T0 });
      const fa = JSON.parse(await readFile(a.privateJwksPath, 'utf8')) as { keys: { x: string }[] };
      const fb = JSON.parse(await readFile(b.privateJwksPath, 'utf8')) as { keys: { x: string }[] };
      fa.keys[0]!.x = fb.keys[0]!.x;
      await writeFile(a.privateJwksPath, JSON.stringify(fa), { mode: 0o600 });
      await expect(loadSigner(a.privateJwksPath, { now: T0 })).rejects.toThrow(/does not match/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('TrustRegistry', () => {
  test('resolves a kid to its endpoint, imported key and validity; unknown kids resolve to nothing', async () => {
    const th = await generateEndpointKeys('TH', dir, { validFrom: T0 });
    await generateEndpointKeys('LA', dir, { validFrom: T0 });
    const trust = await TrustRegistry.fromDirectory(join(dir, 'trust'));
    const k = trust.resolve(th.kid)!;
    expect(k.endpoint).toBe('TH');
    expect(k.key.type).toBe('public');
    expect(k.key.algorithm.name).toBe('Ed25519');
    expect(k.validFrom).toEqual(T0);
    expect(k.revokedAt).toBeUndefined();
    expect(trust.resolve(th.kid)!.key).toBe(k.key); // imported once
    expect(trust.resolve('TH:nope')).toBeUndefined();
    expect(trust.endpoints()).toEqual(['LA', 'TH']);
    expect(trust.hasEndpoint('CN')).toBe(false);
  });

  test('the revocation list marks keys revoked from revokedAt', async () => {
    const th = await generateEndpointKeys('TH', dir, { validFrom: T0 });
    const revokedAt = new Date(T0.getTime() + 5 * DAY);
    await writeFile(join(dir, 'trust', 'revocations.json'), JSON.stringify({ revoked: [{ kid: th.kid, revokedAt: revokedAt.toISOString(), reason: 'key-compromise' }] }));
    const k = (await TrustRegistry.fromDirectory(join(dir, 'trust'))).resolve(th.kid)!;
    expect(k.revokedAt).toEqual(revokedAt);
    expect(k.revocationReason).toBe('key-compromise');
    expect(isRevokedAt(k, new Date(T0.getTime() + 4 * DAY))).toBe(false);
    expect(isRevokedAt(k, revokedAt)).toBe(true);
  });

  test('refuses private material, a kid of another endpoint, a missing revocation list, keys without validity', async () => {
    const th = await generateEndpointKeys('TH', dir, { validFrom: T0 });
    const pub = JSON.parse(await readFile(th.publicJwksPath, 'utf8')) as { keys: Record<string, unknown>[] };
    const priv = JSON.parse(await readFile(th.privateJwksPath, 'utf8')) as { keys: Record<string, unknown>[] };
    const base = pub.keys[0]!;

    await expect(TrustRegistry.fromObject({ endpoints: { TH: { keys: [{ ...base, d: priv.keys[0]!.d }] } } })).rejects.toThrow(/private key material/);
    await expect(TrustRegistry.fromObject({ endpoints: { LA: { keys: [base] } } })).rejects.toThrow(/names endpoint TH/);
    const { nbf: _nbf, ...noNbf } = base;
    await expect(TrustRegistry.fromObject({ endpoints: { TH: { keys: [noNbf] } } })).rejects.toThrow(/nbf and exp/);
    await expect(TrustRegistry.fromObject({ endpoints: { TH: { keys: [{ ...base, crv: 'X25519' }] } } })).rejects.toBeInstanceOf(KeyFileError);
    await expect(TrustRegistry.fromObject({ endpoints: { TH: { keys: [base, base] } } })).rejects.toThrow(/twice/);
    await expect(TrustRegistry.fromObject({ endpoints: { TH: { keys: [base] } }, revocations: { revoked: [{ kid: th.kid }] } })).rejects.toBeInstanceOf(KeyFileError);
    await expect(TrustRegistry.fromObject({ endpoints: { TH: { keys: [base] } } })).resolves.toBeInstanceOf(TrustRegistry);

    await rm(join(dir, 'trust', 'revocations.json'));
    await expect(TrustRegistry.fromDirectory(join(dir, 'trust'))).rejects.toThrow(/revocations.json: no such file/);
  });
});

describe('mx keys', () => {
  test('init prints what it wrote, never the private key; a second init is refused; rotate adds a key', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l) };
    const first = await keysInit(['--endpoint', 'TH', '--dir', dir, '--valid-from', T0.toISOString(), '--valid-days', '30'], io);
    expect(first.validUntil.getTime() - first.validFrom.getTime()).toBe(30 * DAY);
    const priv = JSON.parse(await readFile(first.privateJwksPath, 'utf8')) as { keys: { d: string }[] };
    const printed = lines.join('\n');
    expect(printed).toContain(first.kid);
    expect(printed).toContain(first.privateJwksPath);
    expect(printed).toContain(first.publicJwksPath);
    expect(printed).not.toContain(priv.keys[0]!.d);

    await expect(keysInit(['--endpoint', 'TH', '--dir', dir], io)).rejects.toMatchObject({ name: 'MxError', code: 'VALIDATION_FAILED' });
    const second = await keysRotate({ endpoint: 'TH', dir, validFrom: new Date(T0.getTime() + DAY) }, io);
    expect(second.keyCount).toBe(2);
    await expect(keysRotate(['--endpoint', 'LA', '--dir', dir], io)).rejects.toMatchObject({ name: 'MxError', code: 'VALIDATION_FAILED' });
    await expect(keysInit(['--endpoint', 'TH'], io)).rejects.toThrow(/--dir is required/);
    await expect(keysInit(['--endpoint', 'TH', '--dir', dir, '--bogus'], io)).rejects.toMatchObject({ name: 'MxError', code: 'VALIDATION_FAILED' });
  });
});
