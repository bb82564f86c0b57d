/**
 * The audit service's RFC 9162 Merkle tree: hashing, proofs and the SQLite-backed log.
 */
export { emptyRoot, HASH_SIZE, hashesEqual, leafHash, nodeHash } from './hash.ts';
export { isMerkleError, MERKLE_ERROR_MEANINGS, MerkleError, type MerkleErrorCode } from './errors.ts';
export { CompactRange, type SubtreeHashSource } from './compact-range.ts';
export {
  consistencyProof,
  inclusionProof,
  leafHashSource,
  rangeRoot,
  rootFromInclusionProof,
  rootFromLeaves,
  verifyConsistency,
  verifyInclusion,
  type HashSource,
  type LeafHashLookup,
} from './proofs.ts';
export {
  type IntegrityOptions,
  type IntegrityProblem,
  type IntegrityReport,
  type NodeLocation,
  type TrustedRoot,
} from './integrity.ts';
export { MerkleLog, type AppendedLeaf, type MerkleLogOptions, type StoredLeaf } from './log.ts';
