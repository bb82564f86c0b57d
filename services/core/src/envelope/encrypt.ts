/**
 * End-to-end encrypted bodies (issue 10): a JWE in General JSON serialization (RFC 7516 7.2.1),
 * one recipient entry per endpoint in `to`, `ECDH-ES+A256KW` to each recipient's X25519 key,
 * `A256GCM` content encryption. The envelope's `id`, `from`, `type` and `schema` are bound in the
 * JWE protected header, so a ciphertext moved into another envelope no longer matches it
 * ({@link decryptBody} compares them after decryption). Encrypt, then sign: the JWE goes into the
 * document as `encryptedBody` and the signature covers it.
 */
import { GeneralEncrypt, type CryptoKey, type GeneralJWE } from 'jose';
import type { KeyObject } from 'node:crypto';
import type { EncryptedBody } from '../schemas/types.generated.ts';
import { timed, type EnvelopeTimer } from './timing.ts';

/** Key management algorithm of every recipient entry. */
export const JWE_ALG = 'ECDH-ES+A256KW';
/** Content encryption algorithm. */
export const JWE_ENC = 'A256GCM';
/** Content type of the plaintext: the body as `JSON.stringify` text. */
export const JWE_CTY = 'application/json';

/** The message types whose body is only ever sent encrypted (every business type). */
export const ENCRYPTED_TYPES: ReadonlySet<string> = new Set([
  'victim-repatriation-notice',
  'repatriation-status-update',
  'offender-travel-alert',
  'offender-alert-response',
  'offender-alert-withdrawal',
]);

/** Whether a document of `type` must carry `encryptedBody` rather than `body`. */
export function requiresEncryption(type: string): boolean {
  return ENCRYPTED_TYPES.has(type);
}

/** The envelope members a ciphertext is bound to. */
export interface BodyBinding {
  id: string;
  from: string;
  type: string;
  schema: string;
}

/** The JWE protected header this module writes (and {@link decryptBody} requires). */
export interface EncryptedBodyHeader {
  enc: typeof JWE_ENC;
  cty: typeof JWE_CTY;
  'mx-id': string;
  'mx-from': string;
  'mx-type': string;
  'mx-schema': string;
}

/** One recipient: the public X25519 key it is encrypted to. */
export interface EncryptionRecipient {
  /** The recipient endpoint. */
  endpoint: string;
  /** `<ENDPOINT>:<key-id>` of the X25519 key, written to the recipient entry's header. */
  kid: string;
  key: CryptoKey | KeyObject;
}

const encoder = new TextEncoder();

/** The protected header binding `binding`, in the member order every sender writes. */
export function bindingHeader(binding: BodyBinding): EncryptedBodyHeader {
  return { enc: JWE_ENC, cty: JWE_CTY, 'mx-id': binding.id, 'mx-from': binding.from, 'mx-type': binding.type, 'mx-schema': binding.schema };
}

/**
 * Encrypts `body` (its `JSON.stringify` text) to every recipient, bound to `binding`. Refuses an
 * empty recipient list or two entries for one endpoint. The result is the document's
 * `encryptedBody`; its member set is the one schemas/common/defs.v1.json allows.
 */
export function encryptBody(body: unknown, binding: BodyBinding, recipients: readonly EncryptionRecipient[], options: { timer?: EnvelopeTimer } = {}): Promise<EncryptedBody> {
  return timed(options.timer, 'encrypt', () => encrypt(body, binding, recipients));
}

async function encrypt(body: unknown, binding: BodyBinding, recipients: readonly EncryptionRecipient[]): Promise<EncryptedBody> {
  if (recipients.length === 0) throw new Error('a body cannot be encrypted to no recipient');
  const endpoints = new Set(recipients.map((r) => r.endpoint));
  if (endpoints.size !== recipients.length) throw new Error('one recipient entry per endpoint');
  const enc = new GeneralEncrypt(encoder.encode(JSON.stringify(body))).setProtectedHeader({ ...bindingHeader(binding) });
  for (const r of recipients) enc.addRecipient(r.key).setUnprotectedHeader({ alg: JWE_ALG, kid: r.kid });
  const jwe: GeneralJWE = await enc.encrypt();
  if (jwe.protected === undefined || jwe.iv === undefined || jwe.tag === undefined) throw new Error('jose returned a JWE without protected header, iv or tag');
  return {
    protected: jwe.protected,
    recipients: jwe.recipients.map((r) => {
      if (r.header === undefined || r.encrypted_key === undefined) throw new Error('jose returned a recipient without header or encrypted_key');
      return { header: r.header, encrypted_key: r.encrypted_key };
    }),
    iv: jwe.iv,
    ciphertext: jwe.ciphertext,
    tag: jwe.tag,
  } as EncryptedBody;
}
