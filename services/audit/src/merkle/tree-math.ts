/**
 * Integer helpers for tree sizes and indices. Sizes may exceed 2^31, where JavaScript's bitwise
 * operators silently truncate, so everything here uses plain arithmetic on safe integers.
 */
import { MerkleError } from './errors.ts';

/** A perfect subtree of 2^level leaves starting at leaf `index * 2^level`. */
export interface SubtreeId {
  readonly level: number;
  readonly index: number;
}

/** True for an integer in [0, 2^53). */
export function isNonNegativeSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Throws `BAD_SIZE` unless `size` is a non-negative safe integer. */
export function assertSize(size: unknown, name = 'size'): asserts size is number {
  if (!isNonNegativeSafeInteger(size)) {
    throw new MerkleError('BAD_SIZE', `${name} must be a non-negative safe integer, got ${String(size)}`);
  }
}

/** Throws `BAD_INDEX` unless `index` is an integer in [0, size). */
export function assertIndex(index: unknown, size: number): asserts index is number {
  if (!isNonNegativeSafeInteger(index) || index >= size) {
    throw new MerkleError('BAD_INDEX', `leaf index ${String(index)} is not in [0, ${size})`);
  }
}

/** RFC 9162's k: the largest power of two strictly smaller than `n` (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The exponent of `n` when `n` is a power of two (1, 2, 4, ...), otherwise -1. */
export function exactLog2(n: number): number {
  let level = 0;
  let p = 1;
  while (p < n) {
    p *= 2;
    level += 1;
  }
  return p === n ? level : -1;
}

/** `n >> 1` without the 32-bit truncation. */
export function half(n: number): number {
  return Math.floor(n / 2);
}

/** The least significant bit of `n` is set. */
export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

/** The perfect subtrees that cover leaves [0, size), largest (leftmost) first. */
export function perfectSubtrees(size: number): SubtreeId[] {
  const out: SubtreeId[] = [];
  let start = 0;
  let remaining = size;
  while (remaining > 0) {
    let width = 1;
    let level = 0;
    while (width * 2 <= remaining) {
      width *= 2;
      level += 1;
    }
    out.push({ level, index: start / width });
    start += width;
    remaining -= width;
  }
  return out;
}
