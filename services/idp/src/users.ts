/**
 * The provider's accounts: a JSON file of users, each with a scrypt password hash, the endpoint
 * and agency it belongs to and its roles. Passwords are never stored or logged; the hash format
 * carries its own parameters so they can be raised later without breaking existing entries.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isEndpoint } from '../../core/src/ids/patterns.ts';
import { ROLES, type Role } from '../../core/src/idp/dev-idp.ts';

export interface User {
  username: string;
  passwordHash: string;
  endpoint: string;
  agency: string;
  roles: Role[];
}

export class UsersFileError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'UsersFileError';
  }
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
// N = 2^15 keeps a sign-in under ~100 ms while making each guess costly; maxmem must allow 128*N*r.
const SCRYPT = { N: 32768, r: 8, p: 1 } as const;
const KEY_LEN = 32;

function scrypt(password: string, salt: Buffer, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFC'), salt, KEY_LEN, { ...o, maxmem: 256 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>` of `password`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

const HASH = /^scrypt\$(\d{1,7})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{43})$/;

/** Whether `password` matches `hash`; compares in constant time. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = HASH.exec(hash);
  if (!m) return false;
  const key = await scrypt(password, Buffer.from(m[4]!, 'base64url'), { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) });
  return timingSafeEqual(key, Buffer.from(m[5]!, 'base64url'));
}

/** Checks one parsed entry; returns the problem, or the user. */
function checkUser(raw: unknown, i: number): User | string {
  if (typeof raw !== 'object' || raw === null) return `users[${i}] is not an object`;
  const u = raw as Record<string, unknown>;
  if (typeof u.username !== 'string' || !USERNAME.test(u.username)) return `users[${i}].username must be 1 to 64 lower-case letters, digits, dot, dash or underscore`;
  if (typeof u.passwordHash !== 'string' || !HASH.test(u.passwordHash)) return `users[${i}].passwordHash is not a scrypt hash`;
  if (typeof u.endpoint !== 'string' || !isEndpoint(u.endpoint)) return `users[${i}].endpoint is not an endpoint`;
  if (typeof u.agency !== 'string' || u.agency.length === 0 || u.agency.length > 200) return `users[${i}].agency must be 1 to 200 characters`;
  if (!Array.isArray(u.roles) || u.roles.length === 0 || u.roles.some((r) => !(ROLES as readonly unknown[]).includes(r))) return `users[${i}].roles must be a non-empty list of ${ROLES.join(', ')}`;
  return { username: u.username, passwordHash: u.passwordHash, endpoint: u.endpoint, agency: u.agency, roles: [...(u.roles as Role[])] };
}

/** Reads and checks a users file (`{ "users": [...] }`); throws {@link UsersFileError} naming the first problem. */
export function loadUsers(file: string): Map<string, User> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsersFileError(file, e instanceof SyntaxError ? 'is not JSON' : 'cannot be read');
  }
  const list = (doc as { users?: unknown } | null)?.users;
  if (!Array.isArray(list)) throw new UsersFileError(file, 'has no "users" list');
  const users = new Map<string, User>();
  list.forEach((raw, i) => {
    const u = checkUser(raw, i);
    if (typeof u === 'string') throw new UsersFileError(file, u);
    if (users.has(u.username)) throw new UsersFileError(file, `users[${i}].username repeats an earlier entry`);
    users.set(u.username, u);
  });
  return users;
}
