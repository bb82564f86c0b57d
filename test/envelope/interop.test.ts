/**
 * Interop with independent JWE implementations, both ways (they encrypt, decryptBody reads; encryptBody
 * encrypts, they read):
 * - jwcrypto 1.6.1, a JOSE library from PyPI (interop/jwcrypto_x25519.py), installed on first use
 *   into a virtual environment in the project's cache (`MX_CACHE_DIR`, like the Kafka jars);
 * - interop/jwe_x25519.py, a JWE written directly on Python's `cryptography` primitives (X25519,
 *   Concat KDF, AES key wrap, AES-GCM), no JOSE code at all.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../../services/core/src/kafka/local-broker.ts';
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

/** A virtual environment with jwcrypto, made once under the project's cache. */
function jwcryptoPython(): string {
  const venv = join(cacheRoot(), 'python-jwcrypto-1.6.1');
  const py = join(venv, 'bin', 'python');
  if (!existsSync(py)) {
    for (const args of [['-m', 'venv', venv], [join(venv, 'bin', 'python'), '-m', 'pip', 'install', '-q', '--disable-pip-version-check', 'jwcrypto==1.6.1']]) {
      const [cmd, ...rest] = args[0] === '-m' ? ['python3', ...args] : args;
      const r = spawnSync(cmd!, rest, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`setting up jwcrypto failed: ${cmd} ${rest.join(' ')}: ${r.stderr}`);
    }
  }
  return py;
}

const JWCRYPTO = fileURLToPath(new URL('./interop/jwcrypto_x25519.py', import.meta.url));
const hasPython = spawnSync('python3', ['--version']).status === 0;

(hasPython ? describe : describe.skip)('JWE interop with jwcrypto, a JOSE library from PyPI (skipped only without python3)', () => {
  let py: string;
  beforeAll(() => {
    py = jwcryptoPython();
  }, 180_000);

  function jwcrypto(req: unknown): Record<string, unknown> {
    const r = spawnSync(py, [JWCRYPTO], { input: JSON.stringify(req), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`jwcrypto_x25519.py failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  test('jwcrypto encrypts (one and two recipients), decryptBody reads; encryptBody encrypts, jwcrypto reads', async () => {
    const la = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519', extractable: true });
    const cn = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519', extractable: true });
    const laJwk = await exportJWK(la.privateKey);
    const cnJwk = await exportJWK(cn.privateKey);
    const ring: DecryptionKeyRing = { endpoint: 'LA', keys: [{ kid: 'LA:interop', validFrom: new Date('2026-01-01T00:00:00Z'), validUntil: new Date('2027-01-01T00:00:00Z'), privateKey: la.privateKey }] };
    for (const recipients of [[{ kid: 'LA:interop', x: laJwk.x }], [{ kid: 'CN:other', x: cnJwk.x }, { kid: 'LA:interop', x: laJwk.x }]]) {
      const jwe = jwcrypto({ mode: 'encrypt', protected: bindingHeader(binding), recipients, plaintext: JSON.stringify(body) }) as unknown as EncryptedBody;
      expect(await decryptBody(jwe, binding, ring)).toEqual(body);
      await expect(decryptBody(jwe, { ...binding, from: 'CN' }, ring)).rejects.toBeInstanceOf(MxError);
    }
    for (const recipients of [
      [{ endpoint: 'LA', kid: 'LA:interop', key: la.publicKey }],
      [{ endpoint: 'CN', kid: 'CN:other', key: cn.publicKey }, { endpoint: 'LA', kid: 'LA:interop', key: la.publicKey }],
    ]) {
      const jwe = await encryptBody(body, binding, recipients);
      const out = jwcrypto({ mode: 'decrypt', jwe, kid: 'LA:interop', x: laJwk.x, d: laJwk.d });
      expect(JSON.parse(out.plaintext as string)).toEqual(body);
      expect(out.protected).toMatchObject(bindingHeader(binding));
    }
  });
});
