/**
 * Loads the third-party Merkle vectors from ../shared/vectors/merkle (or MX_VECTORS_DIR) as they
 * are: never copied into the repository, never edited.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The vectors directory. */
export const vectorsDir = resolve(process.env.MX_VECTORS_DIR ?? join(repoRoot, '..', 'shared', 'vectors', 'merkle'));

export interface InclusionProbe {
  readonly file: string;
  readonly leafIdx: number;
  readonly treeSize: number;
  readonly root: Buffer;
  readonly leafHash: Buffer;
  readonly proof: Buffer[];
  readonly wantErr: boolean;
  readonly desc: string;
}

export interface ConsistencyProbe {
  readonly file: string;
  readonly size1: number;
  readonly size2: number;
  readonly root1: Buffer;
  readonly root2: Buffer;
  readonly proof: Buffer[];
  readonly wantErr: boolean;
  readonly desc: string;
}

/** Every `.json` file under `sub`, relative to the vectors directory, sorted. */
export function probeFiles(sub: 'inclusion' | 'consistency'): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.isFile() && entry.name.endsWith('.json') ? [path] : [];
    });
  return walk(join(vectorsDir, sub))
    .map((path) => relative(vectorsDir, path))
    .sort();
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(vectorsDir, file), 'utf8')) as Record<string, unknown>;
}

function int(json: Record<string, unknown>, key: string): number {
  // 2^64 - 1 (a "sub @1" probe) parses to an unsafe float; the verifier must reject it anyway.
  const value = json[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${key} is not an integer: ${String(value)}`);
  return value;
}

function b64(json: Record<string, unknown>, key: string): Buffer {
  const value = json[key];
  if (typeof value !== 'string') throw new Error(`${key} is not a base64 string`);
  return Buffer.from(value, 'base64');
}

function proof(json: Record<string, unknown>): Buffer[] {
  const value = json.proof;
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error('proof is not a list of strings');
  return value.map((v: string) => Buffer.from(v, 'base64'));
}

function flag(json: Record<string, unknown>): boolean {
  if (typeof json.wantErr !== 'boolean') throw new Error('wantErr is not a boolean');
  return json.wantErr;
}

export function loadInclusion(file: string): InclusionProbe {
  const json = readJson(file);
  return {
    file,
    leafIdx: int(json, 'leafIdx'),
    treeSize: int(json, 'treeSize'),
    root: b64(json, 'root'),
    leafHash: b64(json, 'leafHash'),
    proof: proof(json),
    wantErr: flag(json),
    desc: String(json.desc),
  };
}

export function loadConsistency(file: string): ConsistencyProbe {
  const json = readJson(file);
  return {
    file,
    size1: int(json, 'size1'),
    size2: int(json, 'size2'),
    root1: b64(json, 'root1'),
    root2: b64(json, 'root2'),
    proof: proof(json),
    wantErr: flag(json),
    desc: String(json.desc),
  };
}

/** `rfc6962-roots.json`: leaf inputs and the roots of their first N, N = 0..8. */
export function loadRoots(): { leaves: Buffer[]; roots: Buffer[] } {
  const json = readJson('rfc6962-roots.json') as { leafInputsHex?: unknown; rootsHex?: unknown };
  const hexList = (value: unknown): Buffer[] => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error('not a list of hex strings');
    return value.map((v: string) => Buffer.from(v, 'hex'));
  };
  return { leaves: hexList(json.leafInputsHex), roots: hexList(json.rootsHex) };
}
