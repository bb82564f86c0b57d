/**
 * The crypto bound the bench reports (bench/crypto-count.ts) and the node:crypto JWE it prices a
 * body encryption with (bench/baselines/node-jwe.ts): the JWE must be the envelope's JWE, so jose
 * reads what node:crypto makes and the other way round, with real keys.
 */
import { generateKeyPairSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { nodeJweDecrypt, nodeJweEncrypt } from '../../../bench/baselines/node-jwe.ts';
import { cryptoLimit, cryptoPerLifecycle } from '../../../bench/crypto-count.ts';

const body = Buffer.from(JSON.stringify({ victim: { name: 'x'.repeat(1500) } }));

test('jose decrypts the JWE node:crypto makes (ECDH-ES+A256KW to X25519, A256GCM)', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const jwe = nodeJweEncrypt(body, publicKey);
  const { plaintext, protectedHeader } = await compactDecrypt(jwe, privateKey);
  expect(Buffer.from(plaintext).equals(body)).toBe(true);
  expect(protectedHeader).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', epk: { kty: 'OKP', crv: 'X25519' } });
  expect(nodeJweDecrypt(jwe, privateKey).equals(body)).toBe(true);
});

test('node:crypto decrypts the JWE jose makes, and refuses a wrong key or a changed tag', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const jwe = await new CompactEncrypt(body).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }).encrypt(publicKey);
  expect(nodeJweDecrypt(jwe, privateKey).equals(body)).toBe(true);
  expect(() => nodeJweDecrypt(jwe, generateKeyPairSync('x25519').privateKey)).toThrow();
  const parts = jwe.split('.');
  const tag = Buffer.from(parts[4]!, 'base64url');
  tag[0] = tag[0]! ^ 1;
  parts[4] = tag.toString('base64url');
  expect(() => nodeJweDecrypt(parts.join('.'), privateKey)).toThrow();
});

test('the bound charges one lifecycle: 6 signatures + the checkpoint share, 7 verifications, 1 encryption, 1 decryption', () => {
  const count = cryptoPerLifecycle({ withAuditService: true });
  expect(count.signatures + count.checkpointSignatures).toBeCloseTo(6.04, 10);
  expect(count.envelopeVerifications + count.tokenVerifications).toBe(7);
  expect([count.encryptions, count.decryptions]).toEqual([1, 1]);
  const rates = { nodeSign: 10_000, nodeVerify: 5_000, nodeJweEncrypt: 4_000, nodeJweDecrypt: 8_000, signNotice: 3_000, verifyNotice: 1_500, officerTokenVerify: 2_500, jweEncrypt1: 250, jweDecrypt: 800 };
  const limit = cryptoLimit(count, rates);
  const seconds = 6.04 / 10_000 + 7 / 5_000 + 1 / 4_000 + 1 / 8_000;
  expect(limit.bound).toBeCloseTo(1 / seconds, 6);
  expect(limit.ed25519OneCore).toBeCloseTo(1 / (6.04 / 10_000 + 7 / 5_000), 6);
  expect(limit.boundFormula).toBe(`1 / (6.04 / 10,000 + 7 / 5,000 + 1 / 4,000 + 1 / 8,000) = ${Math.round(1 / seconds).toLocaleString('en-US')} lifecycles/s`);
  // Without the audit service its verifications and the checkpoint share drop out of the bound.
  const gatewaysOnly = cryptoLimit(cryptoPerLifecycle({ withAuditService: false }), rates);
  expect(gatewaysOnly.bound).toBeCloseTo(1 / (6 / 10_000 + 3 / 5_000 + 1 / 4_000 + 1 / 8_000), 6);
});
