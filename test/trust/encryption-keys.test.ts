/**
 * Encryption keys (X25519, `use: enc`) beside the signing keys: generated together, published in
 * the trust registry with validity and revocation, chosen newest-active by senders, and read back
 * into a decryption key ring that keeps retired keys.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptBody } from '../../services/core/src/envelope/decrypt.ts';
import { encryptBody } from '../../services/core/src/envelope/encrypt.ts';
import {
  KeyFileError,
  TrustRegistry,
  decryptionKeyRingFromJwks,
  generateEndpointKeys,
  loadDecryptionKeys,
  loadSigningKeys,
} from '../../services/core/src/trust/index.ts';

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2026-03-01T00:00:00Z');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mx-enc-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('encryption keys', () => {
  test('the registry publishes enc keys apart from signing keys: resolve() never returns one', async () => {
    const k = await generateEndpointKeys('LA', dir, { validFrom: T0 });
    const trust = await TrustRegistry.fromDirectory(join(dir, 'trust'));
    expect(trust.keysOf('LA').map((x) => x.kid)).toEqual([k.kid]);
    expect(trust.encryptionKeysOf('LA').map((x) => x.kid)).toEqual([k.encKid]);
    expect(trust.resolve(k.encKid)).toBeUndefined();
    expect(trust.resolveEncryptionKey(k.encKid)).toMatchObject({ endpoint: 'LA', use: 'enc' });
    expect(trust.resolveEncryptionKey(k.kid)).toBeUndefined();
    // The signing key ring ignores the X25519 keys in the same file.
    expect((await loadSigningKeys(k.privateJwksPath)).signers.map((s) => s.kid)).toEqual([k.kid]);
  });

  test('a sender picks the newest active, unrevoked enc key; rotation, expiry and revocation move it', async () => {
    const first = await generateEndpointKeys('TH', dir, { validFrom: T0, validUntil: new Date(T0.getTime() + 60 * DAY) });
    const second = await generateEndpointKeys('TH', dir, { validFrom: new Date(T0.getTime() + 30 * DAY), validUntil: new Date(T0.getTime() + 400 * DAY) });
    let trust = await TrustRegistry.fromDirectory(join(dir, 'trust'));
    expect(trust.currentEncryptionKey('TH', new Date(T0.getTime() + DAY))?.kid).toBe(first.encKid);
    expect(trust.currentEncryptionKey('TH', new Date(T0.getTime() + 31 * DAY))?.kid).toBe(second.encKid);
    expect(trust.currentEncryptionKey('TH', new Date(T0.getTime() - DAY))).toBeUndefined();
    expect(trust.currentEncryptionKey('CN', T0)).toBeUndefined();
    const revokedAt = new Date(T0.getTime() + 40 * DAY);
    await writeFile(join(dir, 'trust', 'revocations.json'), JSON.stringify({ revoked: [{ kid: second.encKid, revokedAt: revokedAt.toISOString(), reason: 'key-compromise' }] }));
    trust = await TrustRegistry.fromDirectory(join(dir, 'trust'));
    expect(trust.currentEncryptionKey('TH', new Date(T0.getTime() + 41 * DAY))?.kid).toBe(first.encKid);
    expect(trust.currentEncryptionKey('TH', new Date(T0.getTime() + 61 * DAY))).toBeUndefined();
  });

  test('the receiver keeps retired keys: what was encrypted to the old key still decrypts after a rotation', async () => {
    const first = await generateEndpointKeys('LA', dir, { validFrom: T0 });
    const trustBefore = await TrustRegistry.fromDirectory(join(dir, 'trust'));
    const oldKey = trustBefore.currentEncryptionKey('LA', T0)!;
    const binding = { id: '01900000-0000-7000-8000-000000000001', from: 'TH', type: 'offender-travel-alert', schema: 's', issuedAt: T0.toISOString() };
    const jwe = await encryptBody({ a: 1 }, binding, [{ endpoint: 'LA', kid: oldKey.kid, key: oldKey.key }]);
    await generateEndpointKeys('LA', dir, { validFrom: new Date(T0.getTime() + DAY) });
    const ring = await loadDecryptionKeys(first.privateJwksPath);
    expect(ring.keys).toHaveLength(2);
    expect(await decryptBody(jwe, binding, ring)).toEqual({ a: 1 });
  });

  test('a private file whose X25519 x does not belong to its d, or with no enc key, is refused', async () => {
    const k = await generateEndpointKeys('CN', dir, { validFrom: T0 });
    const file = JSON.parse(await readFile(k.privateJwksPath, 'utf8')) as { keys: Record<string, unknown>[] };
    const other = JSON.parse(await readFile((await generateEndpointKeys('LA', dir, { validFrom: T0 })).privateJwksPath, 'utf8')) as { keys: Record<string, unknown>[] };
    const swapped = { keys: [file.keys[0], { ...file.keys[1], x: other.keys[1]!['x'] }] };
    await expect(decryptionKeyRingFromJwks(swapped)).rejects.toBeInstanceOf(KeyFileError);
    await expect(decryptionKeyRingFromJwks({ keys: [file.keys[0]] })).rejects.toThrow(/no encryption/);
  });

  test('an X25519 key must say use enc; an Ed25519 key may not', async () => {
    const k = await generateEndpointKeys('CN', dir, { validFrom: T0 });
    const pub = JSON.parse(await readFile(k.publicJwksPath, 'utf8')) as { keys: Record<string, unknown>[] };
    const noUse = { ...pub.keys[1] };
    delete noUse['use'];
    await expect(TrustRegistry.fromObject({ endpoints: { CN: { keys: [pub.keys[0], noUse] } } })).rejects.toThrow(/use enc/);
    await expect(TrustRegistry.fromObject({ endpoints: { CN: { keys: [{ ...pub.keys[0], use: 'enc' }] } } })).rejects.toThrow(/use must be sig/);
  });
});
