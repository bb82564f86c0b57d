/**
 * A deliberately naive reference, written straight from RFC 9162 section 2.1's recursive
 * definitions of MTH, PATH and PROOF over lists of leaf inputs. It shares nothing with the code
 * under test except node:crypto.
 */
import { createHash } from 'node:crypto';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest();
};

/** Largest power of two smaller than n (n > 1). */
const k = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);

/**
 * Memo of MTH by (first element object, length): a slice of one list keeps its element objects, so
 * this identifies D[start:end] of that list. Only a speed-up for the 3000-leaf properties.
 */
const memo = new WeakMap<Uint8Array, Map<number, Buffer>>();

/** MTH(D[n]). */
export function mth(d: readonly Uint8Array[]): Buffer {
  const first = d[0];
  if (first === undefined) return sha256();
  let byLength = memo.get(first);
  if (byLength === undefined) memo.set(first, (byLength = new Map()));
  let hash = byLength.get(d.length);
  if (hash === undefined) byLength.set(d.length, (hash = computeMth(d)));
  return hash;
}

function computeMth(d: readonly Uint8Array[]): Buffer {
  if (d.length === 1) return sha256(Uint8Array.of(0), d[0] as Uint8Array);
  const split = k(d.length);
  return sha256(Uint8Array.of(1), mth(d.slice(0, split)), mth(d.slice(split)));
}

/** PATH(m, D[n]). */
export function path(m: number, d: readonly Uint8Array[]): Buffer[] {
  if (d.length <= 1) return [];
  const split = k(d.length);
  return m < split
    ? [...path(m, d.slice(0, split)), mth(d.slice(split))]
    : [...path(m - split, d.slice(split)), mth(d.slice(0, split))];
}

function subproof(m: number, d: readonly Uint8Array[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const split = k(d.length);
  return m <= split
    ? [...subproof(m, d.slice(0, split), b), mth(d.slice(split))]
    : [...subproof(m - split, d.slice(split), false), mth(d.slice(0, split))];
}

/** PROOF(m, D[n]) for 0 < m <= n. */
export function proof(m: number, d: readonly Uint8Array[]): Buffer[] {
  return subproof(m, d, true);
}
