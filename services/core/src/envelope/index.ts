/** The signed envelope: canonical flattened JWS, signing and the receiver's verification. */
export { TYP_BY_CLASS, CLASS_BY_TYPE, typOfType, isEnvelopeTyp, type EnvelopeClass, type EnvelopeTyp } from './typ.ts';
export { digestOf } from './digest.ts';
export { encodeBase64url, decodeBase64urlStrict, serializeJws, type CanonicalJws } from './canonical.ts';
export { DEFAULT_MAX_ENVELOPE_BYTES, signNotice, type EnvelopeFields, type EnvelopeHeader, type SignOptions } from './sign.ts';
export {
  DEFAULT_CLOCK_SKEW_MS,
  DEFAULT_MAX_AGE_MS,
  DEFAULT_MAX_LIFETIME_MS,
  verifyNotice,
  type DocumentSchemas,
  type PolicyContext,
  type VerifiedNotice,
  type VerifyOptions,
} from './verify.ts';
export {
  ENCRYPTED_TYPES,
  JWE_ALG,
  JWE_CTY,
  JWE_ENC,
  bindingHeader,
  encryptBody,
  requiresEncryption,
  type BodyBinding,
  type EncryptedBodyHeader,
  type EncryptionRecipient,
} from './encrypt.ts';
export { timed, type EnvelopeOperation, type EnvelopeTimer } from './timing.ts';
export { decryptBody, type DecryptionKey, type DecryptionKeyRing, type DecryptOptions } from './decrypt.ts';
