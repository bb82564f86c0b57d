/**
 * Interop with a second, independent JWE implementation: interop/jwe_x25519.py, written on Python's
 * `cryptography` primitives (X25519, Concat KDF, AES key wrap, AES-GCM), no jose code. Python
 * encrypts, decryptBody reads it; encryptBody encrypts, Python reads it. No independent JOSE
 * library is in the shared node_modules; this is the registry-free stand-in.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { decryptBody, type DecryptionKeyRing } from '../../services/core/src/envelope/decrypt.ts';
import { bindingHeader, encryptBody } from '../../services/core/src/envelope/encrypt.ts';
import { MxError } from '../../services/core/src/errors/mx-error.ts';
import type { EncryptedBody } from '../../services/core/src/schemas/types.generated.ts';

const SCRIPT = fileURLToPath(new URL('./interop/jwe_x25519.py', import.meta.url));
const probe = spawnSync('python3', ['-c', 'import cryptography.hazmat.primitives.keywrap'], { encoding: 'utf8' });
// Said out loud in the test name: a machine without python3-cryptography skips, it does not pass silently.
const withPython = probe.status === 0 ? describe : describe.skip;

function python(req: unknown): Record<string, unknown> {
  const r = spawnSync('python3', [SCRIPT], { input: JSON.stringify(req), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`jwe_x25519.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const binding = {
  id: '01900000-0000-7000-8000-0000000000aa',
  from: 'TH',
  type: 'offender-travel-alert',
  schema: 'https://schemas.mekong-exchange.example/offender-travel-alert.v1.json',
  issuedAt: '2026-06-01T00:00:00.000Z',
};
const body = { subject: { name: 'Interop Fakename' }, n: 1 };

withPython('JWE interop with an independent implementation (python3 cryptography; skipped without it)', () => {
  let ring: DecryptionKeyRing;
  let x: string;
  let d: string;
  let publicKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519', extractable: true });
    const jwk = await exportJWK(pair.privateKey);
    x = jwk.x!;
    d = jwk.d!;
    publicKey = pair.publicKey;
    ring = { endpoint: 'LA', keys: [{ kid: 'LA:interop', validFrom: new Date('2026-01-01T00:00:00Z'), validUntil: new Date('2027-01-01T00:00:00Z'), privateKey: pair.privateKey }] };
  });

  test('a JWE made by the Python implementation decrypts with decryptBody', async () => {
    const jwe = python({ mode: 'encrypt', protected: bindingHeader(binding), recipients: [{ kid: 'LA:interop', x }], plaintext: JSON.stringify(body) }) as unknown as EncryptedBody;
    expect(await decryptBody(jwe, binding, ring)).toEqual(body);
    // Bound to its envelope in the other direction too.
    await expect(decryptBody(jwe, { ...binding, id: '01900000-0000-7000-8000-0000000000ab' }, ring)).rejects.toBeInstanceOf(MxError);
  });

  test('a JWE made by encryptBody (one and two recipients) decrypts with the Python implementation', async () => {
    const other = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519' });
    for (const recipients of [
      [{ endpoint: 'LA', kid: 'LA:interop', key: publicKey }],
      [{ endpoint: 'CN', kid: 'CN:other', key: other.publicKey }, { endpoint: 'LA', kid: 'LA:interop', key: publicKey }],
    ]) {
      const jwe = await encryptBody(body, binding, recipients);
      const out = python({ mode: 'decrypt', jwe, kid: 'LA:interop', d });
      expect(JSON.parse(out.plaintext as string)).toEqual(body);
      expect(out.protected).toMatchObject(bindingHeader(binding));
    }
  });
});
