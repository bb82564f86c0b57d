/**
 * Crypto and schema baselines on one thread, with the bench's one message (the signed victim
 * notice): Ed25519 with node:crypto directly, with jose's flattened JWS as the envelope uses it,
 * the project's signNotice/verifyNotice (which add the canonical form, the header and trust checks
 * and, on verify, the schema validation of the whole document), the officer-token check of every
 * POST (OfficerAuth, node:crypto; and jose's jwtVerify of the same token for comparison), and ajv on
 * the body schema. Each operation runs back to back and is awaited one at a time,
 * as a gateway handles one message at a time.
 */
import { createCipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, sign as edSign, verify as edVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compactDecrypt, FlattenedSign, flattenedVerify, generateKeyPair, jwtVerify } from 'jose';
import { decryptBody } from '../../services/core/src/envelope/decrypt.ts';
import { encryptBody, type EncryptionRecipient } from '../../services/core/src/envelope/encrypt.ts';
import { loadDecryptionKeys } from '../../services/core/src/trust/decryption-keys.ts';
import { parseCanonicalJws } from '../../services/core/src/envelope/canonical.ts';
import { signNotice } from '../../services/core/src/envelope/sign.ts';
import { verifyNotice } from '../../services/core/src/envelope/verify.ts';
import { DEV_IDP_ISSUER, gatewayAudience } from '../../services/core/src/idp/dev-idp.ts';
import { idpKeySet, OfficerAuth } from '../../services/core/src/idp/officer-auth.ts';
import { bodySchemaId } from '../../services/core/src/schemas/registry.ts';
import { privateJwksPathOf } from '../../services/core/src/trust/keygen.ts';
import { officerToken } from '../../services/cli/src/commands/officer.ts';
import { pseudonymKeyFile } from '../../services/cli/src/deployment/setup.ts';
import { opsPerSecond } from '../stats.ts';
import { nodeJweDecrypt, nodeJweEncrypt } from './node-jwe.ts';
import { RECIPIENT, SENDER, type BenchDeployment } from '../deployment.ts';

export interface CryptoBaselines {
  /** Bytes of the signed record and of the JWS signing input (`protected.payload`). */
  recordBytes: number;
  signingInputBytes: number;
  nodeSign: number;
  nodeVerify: number;
  joseSign: number;
  joseVerify: number;
  /** The project's functions (the gateway's sending and receiving, emitter.ts and the audit service call these). */
  signNotice: number;
  verifyNotice: number;
  /** OfficerAuth.authenticate of the bearer token, on every POST: the JWT checked with node:crypto (idp/jwt-verify.ts), claims and pseudonym. */
  officerTokenVerify: number;
  /** jose's jwtVerify (WebCrypto) of the same token with the same key set and options, what OfficerAuth ran before (comparison only). */
  joseTokenVerify: number;
  /** ajv, the notice body schema (what POST /v1/notices validates first). */
  ajvBody: number;
  /** ajv, envelope + body (validateDocument: before signing, and inside verifyNotice). */
  ajvDocument: number;
  /** encryptBody (node:crypto, in jose's GeneralEncrypt form: ECDH-ES+A256KW to X25519, A256GCM) of the notice body to 1 recipient. */
  jweEncrypt1: number;
  /** The same to 4 recipients (ops/s of the whole JWE; per recipient cost = 1 / (4 x this)). */
  jweEncrypt4: number;
  /** decryptBody by one recipient (node:crypto, plus the form and binding checks and canonical JSON). */
  jweDecrypt: number;
  /** node:crypto floor of one recipient: X25519 key generation + agreement (what ECDH-ES costs per recipient). */
  nodeX25519PerRecipient: number;
  /** node:crypto AES-256-GCM of the body alone (the content encryption, once per message). */
  nodeAesGcm: number;
  /** The whole JWE to one recipient with node:crypto only (node-jwe.ts: X25519, Concat KDF, AES key wrap, AES-256-GCM). */
  nodeJweEncrypt: number;
  /** Its decryption by the recipient with node:crypto only. */
  nodeJweDecrypt: number;
  /** Bytes of the JWE (`encryptedBody` as JSON) for 1 recipient, and of the clear body. */
  jweBytes: number;
  bodyBytes: number;
}

export async function measureCrypto(b: BenchDeployment, durationMs: number, log: (line: string) => void): Promise<CryptoBaselines> {
  const record = b.sampleRecord;
  const jws = parseCanonicalJws(record);
  const signingInput = Buffer.from(`${jws.protected}.${jws.payload}`, 'ascii');
  const payloadBytes = Buffer.from(jws.payloadBytes);
  const signer = b.keys[SENDER]!.current();
  const jwk = (JSON.parse(readFileSync(privateJwksPathOf(b.dep.dir, SENDER), 'utf8')) as { keys: { kid: string; x: string; d: string }[] }).keys.find((k) => k.kid === signer.kid);
  if (!jwk) throw new Error(`no private key ${signer.kid}`);
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }, format: 'jwk' });
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  const signature = edSign(null, signingInput, privateKey);
  const trusted = b.trust.resolve(signer.kid);
  if (!trusted) throw new Error(`the trust registry does not know ${signer.kid}`);
  const header = { alg: 'EdDSA' as const, kid: signer.kid, typ: 'mx-notice+jws' as const };
  const flat = { protected: jws.protected, payload: jws.payload, signature: jws.signature };

  const auth = new OfficerAuth({
    jwksFile: b.dep.idpPublicJwks,
    issuer: DEV_IDP_ISSUER,
    audience: gatewayAudience(SENDER),
    endpoint: SENDER,
    pseudonymKey: readFileSync(pseudonymKeyFile(b.dep.dir, SENDER)),
  });
  const token = await officerToken(b.dep.dir, SENDER, 'liaison-officer', 'bench-officer@th');
  const bearer = `Bearer ${token}`;
  const idpKeys = idpKeySet({ jwksFile: b.dep.idpPublicJwks });
  const joseTokenOptions = { issuer: DEV_IDP_ISSUER, audience: gatewayAudience(SENDER), algorithms: ['EdDSA'], requiredClaims: ['sub', 'exp', 'iat'], clockTolerance: 30 };

  const bodyId = bodySchemaId('victim-repatriation-notice');
  const doc = b.sampleDocument;
  // Each measured path must succeed, or the figure would time a failure.
  if (!edVerify(null, signingInput, publicKey, signature)) throw new Error('node:crypto verify failed');
  await verifyNotice(record, b.trust, b.schemas);
  await auth.authenticate(bearer);
  await jwtVerify(token, idpKeys, joseTokenOptions);
  if (b.schemas.validate(bodyId, b.noticeBody).length > 0 || b.schemas.validateDocument(doc).length > 0) throw new Error('the sample does not validate');

  const run = async (name: string, op: () => unknown, batch = 1): Promise<number> => {
    const r = await opsPerSecond(op, durationMs, { batch });
    log(`  ${name.padEnd(34)} ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(9)} ops/s`);
    return r.opsPerSec;
  };
  // Encrypted bodies: the deployment's real enc keys (TH sends to LA), plus three throw-away
  // recipients for the 4-recipient figure.
  const laEnc = b.trust.currentEncryptionKey(RECIPIENT);
  if (!laEnc) throw new Error(`the trust registry has no encryption key of ${RECIPIENT}`);
  const ring = await loadDecryptionKeys(privateJwksPathOf(b.dep.dir, RECIPIENT));
  const one: EncryptionRecipient[] = [{ endpoint: RECIPIENT, kid: laEnc.kid, key: laEnc.key }];
  const four: EncryptionRecipient[] = [...one];
  for (const e of ['CN', 'VN', 'INTERPOL']) four.push({ endpoint: e, kid: `${e}:bench`, key: (await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519' })).publicKey });
  const binding = { id: doc.id, from: SENDER, type: 'victim-repatriation-notice', schema: bodyId, issuedAt: doc.issuedAt };
  const jwe = await encryptBody(b.noticeBody, binding, one);
  if (JSON.stringify(await decryptBody(jwe, binding, ring)) !== JSON.stringify(b.noticeBody)) throw new Error('the JWE round trip failed');
  const bodyBytes = Buffer.from(JSON.stringify(b.noticeBody));
  const x = generateKeyPairSync('x25519');
  const aesKey = randomBytes(32);
  // The same JWE with node:crypto alone, to LA's real key; jose must read it, or it would time something else.
  const laEncJwk = (JSON.parse(readFileSync(privateJwksPathOf(b.dep.dir, RECIPIENT), 'utf8')) as { keys: { kid: string; x: string; d: string }[] }).keys.find((k) => k.kid === laEnc.kid);
  if (!laEncJwk) throw new Error(`no private key ${laEnc.kid}`);
  const laEncPrivate = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x: laEncJwk.x, d: laEncJwk.d }, format: 'jwk' });
  const laEncPublic = createPublicKey(laEncPrivate);
  const nodeJwe = nodeJweEncrypt(bodyBytes, laEncPublic);
  if (!Buffer.from((await compactDecrypt(nodeJwe, laEncPrivate)).plaintext).equals(bodyBytes) || !nodeJweDecrypt(nodeJwe, laEncPrivate).equals(bodyBytes)) throw new Error('the node:crypto JWE round trip failed');

  log(`crypto and schema baselines (one thread, ${record.byteLength}-byte record, ${signingInput.byteLength}-byte signing input):`);
  return {
    recordBytes: record.byteLength,
    signingInputBytes: signingInput.byteLength,
    nodeSign: await run('Ed25519 sign (node:crypto)', () => edSign(null, signingInput, privateKey), 8),
    nodeVerify: await run('Ed25519 verify (node:crypto)', () => edVerify(null, signingInput, publicKey, signature), 8),
    joseSign: await run('Ed25519 sign (jose FlattenedSign)', () => new FlattenedSign(payloadBytes).setProtectedHeader(header).sign(signer.privateKey)),
    joseVerify: await run('Ed25519 verify (jose flattenedVerify)', () => flattenedVerify(flat, trusted.key, { algorithms: ['EdDSA'] })),
    signNotice: await run('signNotice (project)', () => signNotice(doc, signer)),
    verifyNotice: await run('verifyNotice (project, incl. ajv)', () => verifyNotice(record, b.trust, b.schemas)),
    officerTokenVerify: await run('officer token (OfficerAuth)', () => auth.authenticate(bearer)),
    joseTokenVerify: await run('officer token (jose jwtVerify)', () => jwtVerify(token, idpKeys, joseTokenOptions)),
    ajvBody: await run('ajv: notice body schema', () => b.schemas.validate(bodyId, b.noticeBody), 32),
    ajvDocument: await run('ajv: envelope + body', () => b.schemas.validateDocument(doc), 32),
    jweEncrypt1: await run('JWE encrypt, 1 recipient (encryptBody)', () => encryptBody(b.noticeBody, binding, one)),
    jweEncrypt4: await run('JWE encrypt, 4 recipients (encryptBody)', () => encryptBody(b.noticeBody, binding, four)),
    jweDecrypt: await run('JWE decrypt, 1 recipient (decryptBody)', () => decryptBody(jwe, binding, ring)),
    nodeX25519PerRecipient: await run('X25519 keygen+ECDH (node:crypto)', () => diffieHellman({ privateKey: generateKeyPairSync('x25519').privateKey, publicKey: x.publicKey }), 8),
    nodeAesGcm: await run('AES-256-GCM body (node:crypto)', () => {
      const c = createCipheriv('aes-256-gcm', aesKey, randomBytes(12));
      c.update(bodyBytes);
      c.final();
      return c.getAuthTag();
    }, 8),
    nodeJweEncrypt: await run('JWE encrypt, 1 recipient (node:crypto)', () => nodeJweEncrypt(bodyBytes, laEncPublic), 4),
    nodeJweDecrypt: await run('JWE decrypt (node:crypto)', () => nodeJweDecrypt(nodeJwe, laEncPrivate), 4),
    jweBytes: Buffer.byteLength(JSON.stringify(jwe)),
    bodyBytes: bodyBytes.byteLength,
  };
}
