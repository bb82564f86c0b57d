/** Trust registry (counterparts' public keys, revocations), signers and key generation. */
export {
  ENDPOINT_PATTERN,
  KEY_ID_PATTERN,
  KeyFileError,
  keyUseOf,
  parseKid,
  type KeyUse,
  type KeyFile,
  type PrivateKeyJwk,
  type PublicKeyJwk,
} from './key-format.ts';
export {
  JWKS_FILE_SUFFIX,
  REVOCATIONS_FILE,
  TrustRegistry,
  isRevokedAt,
  isValidAt,
  type Revocation,
  type RevocationList,
  type TrustRegistryInput,
  type TrustedKey,
} from './trust-registry.ts';
export { loadSigner, loadSigningKeys, signingKeyRingFromJwks, type Signer, type SigningKeyRing } from './signer.ts';
export {
  DEFAULT_KEY_VALIDITY_MS,
  generateEndpointKeys,
  privateJwksPathOf,
  publicJwksPathOf,
  type GenerateKeysOptions,
  type GeneratedKey,
} from './keygen.ts';
export { decryptionKeyRingFromJwks, loadDecryptionKeys } from './decryption-keys.ts';
export { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './files.ts';
