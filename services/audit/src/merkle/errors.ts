/**
 * The closed set of Merkle errors. Callers branch on `code`, never on the message.
 */

/** What each code means; the audit service's error catalogue maps these to HTTP statuses. */
export const MERKLE_ERROR_MEANINGS = Object.freeze({
  BAD_INDEX: 'leaf index is not an integer in [0, tree size)',
  BAD_SIZE: 'tree size is not a valid integer for this operation (negative, beyond the log, size1 > size2, or size1 = 0)',
  BAD_HASH_LENGTH: 'a leaf hash, root or proof element is not 32 bytes',
  PROOF_INVALID: 'the proof has the wrong number of elements for the given index and sizes',
  ROOT_MISMATCH: 'the root recomputed from the proof differs from the given root',
  STORE_CORRUPT: 'the log store is missing or holds conflicting rows',
} as const);

/** Stable discriminant of a {@link MerkleError}. */
export type MerkleErrorCode = keyof typeof MERKLE_ERROR_MEANINGS;

/** An error raised by Merkle proof generation, verification or the log store. None is retriable. */
export class MerkleError extends Error {
  override readonly name = 'MerkleError';
  /** Stable code; see {@link MERKLE_ERROR_MEANINGS}. */
  readonly code: MerkleErrorCode;
  /** Retrying the same call cannot succeed. */
  readonly retriable = false;

  constructor(code: MerkleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `error` is a {@link MerkleError}, optionally with the given code. */
export function isMerkleError(error: unknown, code?: MerkleErrorCode): error is MerkleError {
  return error instanceof MerkleError && (code === undefined || error.code === code);
}
