/**
 * `mx setup --distribute OUT`: each service's bundle holds exactly the secrets its configuration
 * names, nothing of another endpoint's, never the identity provider's private key; owner-only.
 * Each service has a metrics token of its own; the scraper's bundle holds every one of them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { MIN_METRICS_TOKEN_LENGTH } from '../../services/core/src/metrics/endpoint.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mx-dist-'));
const dep = join(dir, 'deployment');
const out = join(dir, 'out');
const endpoints = ['LA', 'TH', 'CN', 'INTERPOL'];

function filesUnder(d: string): string[] {
  return readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(d, f)).isFile());
}

beforeAll(() => {
  const r = spawnSync(process.execPath, ['bin/mx.js', 'setup', '--dir', dep, '--endpoints', endpoints.join(','), '--distribute', out], { cwd: root, encoding: 'utf8' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
}, 120_000);

test.each(endpoints)('gateway-%s holds its own keys, pseudonym key, Kafka password and metrics token only', (e) => {
  const bundle = join(out, `gateway-${e.toLowerCase()}`);
  const files = filesUnder(bundle).sort();
  expect(files).toEqual(expect.arrayContaining([`${e}.jwks.json`, `${e}.pseudonym.key`, `gw-${e}.password`, `${e}.metrics.token`]));
  for (const f of files) expect(f).toContain(e);
  // Byte for byte: no other endpoint's private file is in it under another name.
  const others = endpoints.filter((o) => o !== e).flatMap((o) => readdirSync(join(dep, 'private')).filter((f) => f.startsWith(`${o}.`)).map((f) => readFileSync(join(dep, 'private', f))));
  for (const f of files) for (const o of others) expect(readFileSync(join(bundle, f)).equals(o)).toBe(false);
  expect(statSync(bundle).mode & 0o777).toBe(0o700);
  for (const f of files) expect(statSync(join(bundle, f)).mode & 0o077).toBe(0);
});

test('no bundle holds the identity provider\'s private key; public holds trust, the provider\'s public JWKS and the Kafka CA', () => {
  const idpPrivate = readFileSync(join(dep, 'private', 'dev-idp.jwks.json'));
  for (const f of filesUnder(out)) expect({ f, idp: readFileSync(join(out, f)).equals(idpPrivate) }).toEqual({ f, idp: false });
  const pub = filesUnder(join(out, 'public'));
  expect(pub).toEqual(expect.arrayContaining(['idp.jwks.json', 'kafka-ca.pem', ...endpoints.map((e) => join('trust', `${e}.jwks.json`))]));
  for (const f of pub) expect(readFileSync(join(out, 'public', f), 'utf8')).not.toMatch(/"d"\s*:|PRIVATE KEY/);
});

test('the broker\'s bundle holds its keystore, truststore, their password and the admin password; the audit service its own', () => {
  expect(filesUnder(join(out, 'kafka')).sort()).toEqual(['admin.password', join('tls', 'broker.p12'), join('tls', 'store.password'), join('tls', 'truststore.p12')].sort());
  expect(filesUnder(join(out, 'audit')).sort()).toEqual(expect.arrayContaining(['audit.pseudonym.key', 'mx-audit.password', 'audit.metrics.token']));
});

test('each service has a random metrics token of its own, owner-only; the scraper\'s bundle holds every one and nothing else', () => {
  const owners = [...endpoints.map((e) => [`gateway-${e.toLowerCase()}`, e] as const), ['audit', 'audit'] as const];
  const tokens = owners.map(([bundle, name]) => {
    const file = `${name}.metrics.token`;
    expect(statSync(join(dep, 'private', file)).mode & 0o777).toBe(0o600);
    const token = readFileSync(join(out, bundle, file), 'utf8').trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token.length).toBeGreaterThanOrEqual(MIN_METRICS_TOKEN_LENGTH);
    expect(readFileSync(join(dep, 'private', file), 'utf8').trim()).toBe(token);
    expect(readFileSync(join(out, 'prometheus', file), 'utf8').trim()).toBe(token);
    return token;
  });
  expect(new Set(tokens).size).toBe(owners.length);
  expect(filesUnder(join(out, 'prometheus')).sort()).toEqual(owners.map(([, name]) => `${name}.metrics.token`).sort());
  expect(statSync(join(out, 'prometheus')).mode & 0o777).toBe(0o700);
  for (const f of filesUnder(join(out, 'prometheus'))) expect(statSync(join(out, 'prometheus', f)).mode & 0o077).toBe(0);
});

test('a second set-up keeps every metrics token (a scraper configured once keeps working)', () => {
  const before = readFileSync(join(dep, 'private', 'LA.metrics.token'), 'utf8');
  const r = spawnSync(process.execPath, ['bin/mx.js', 'setup', '--dir', dep, '--endpoints', endpoints.join(','), '--distribute', join(dir, 'out2')], { cwd: root, encoding: 'utf8' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(readFileSync(join(dir, 'out2', 'gateway-la', 'LA.metrics.token'), 'utf8')).toBe(before);
}, 120_000);

test('every file under /secrets that docker-compose.yml gives a gateway or the audit service is in that service\'s bundle', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { environment?: Record<string, string> }> };
  const named = Object.entries(compose.services).filter(([n]) => n === 'audit' || n.startsWith('gateway-'));
  expect(named).toHaveLength(endpoints.length + 1);
  for (const [name, svc] of named) {
    const files = Object.values(svc.environment ?? {}).filter((v) => v.startsWith('/secrets/')).map((v) => v.slice('/secrets/'.length));
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect({ name, missing: files.filter((f) => !filesUnder(join(out, name)).includes(f)) }).toEqual({ name, missing: [] });
  }
});
