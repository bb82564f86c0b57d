/**
 * RFC 9162 section 2.1.1 hashing with SHA-256: domain-separated leaf and interior-node hashes, so a
 * leaf can never be passed off as an interior node (second-preimage resistance).
 */
import { hash } from 'node:crypto';

/** Size in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** `SHA-256(0x00 || data)`: the hash of one log entry. */
export function leafHash(data: Uint8Array): Buffer {
  // One-shot hash of a concatenation is measurably cheaper than a streaming Hash object.
  return hash('sha256', Buffer.concat([LEAF_PREFIX, data]), 'buffer');
}

/** `SHA-256(0x01 || left || right)`: the hash of an interior node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

/** `SHA-256("")`: the root of the empty tree. */
export function emptyRoot(): Buffer {
  return hash('sha256', Buffer.alloc(0), 'buffer');
}

/** Byte-wise equality of two hashes (they are public values, so a timing-safe compare is not needed). */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** The same bytes as a Buffer, without copying when it already is one. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
