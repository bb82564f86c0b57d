/** The provider's users file and its scrypt hashes. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword, loadUsers, UsersFileError, verifyPassword } from './users.ts';

test('a password verifies against its hash; another, or a malformed hash, does not', async () => {
  const hash = await hashPassword('ລະຫັດຜ່ານ secret');
  expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  await expect(verifyPassword('ລະຫັດຜ່ານ secret', hash)).resolves.toBe(true);
  await expect(verifyPassword('ລະຫັດຜ່ານ Secret', hash)).resolves.toBe(false);
  await expect(verifyPassword('x', 'plain')).resolves.toBe(false);
  // Two hashes of one password differ (random salt).
  expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
});

test('a users file is checked entry by entry; a problem names the entry, not the person', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mx-idp-users-'));
  const hash = await hashPassword('pw');
  const ok = { username: 'th.officer', passwordHash: hash, endpoint: 'TH', agency: 'TH police', roles: ['liaison-officer'] };
  const file = (doc: unknown): string => {
    const f = join(dir, `${Math.random()}.json`);
    writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return f;
  };
  expect([...loadUsers(file({ users: [ok] })).keys()]).toEqual(['th.officer']);
  const cases: [unknown, RegExp][] = [
    ['{', /is not JSON/],
    [{ people: [] }, /has no "users" list/],
    [{ users: [ok, ok] }, /users\[1\]\.username repeats an earlier entry/],
    [{ users: [{ ...ok, username: 'Somchai Jaidee' }] }, /users\[0\]\.username must be/],
    [{ users: [{ ...ok, roles: ['admin'] }] }, /users\[0\]\.roles must be/],
    [{ users: [{ ...ok, endpoint: 'th' }] }, /users\[0\]\.endpoint is not an endpoint/],
    [{ users: [{ ...ok, passwordHash: 'pw' }] }, /users\[0\]\.passwordHash is not a scrypt hash/],
  ];
  for (const [doc, problem] of cases) {
    let err: unknown;
    try {
      loadUsers(file(doc));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsersFileError);
    expect((err as Error).message).toMatch(problem);
    expect((err as Error).message).not.toContain('Somchai');
  }
});
