/** docker-compose.yml is the production shape: its gateway entries use the gateway's real settings. */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { gatewaySettings } from '../../services/gateway/src/config.ts';
import { auditSettings } from '../../services/audit/src/config.ts';

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; environment?: Record<string, string>; healthcheck?: unknown; volumes?: string[] }>;
};
const known = new Set<string>(Object.values(gatewaySettings).map((s) => s.env));
const required = Object.values(gatewaySettings).filter((s) => !('default' in s)).map((s) => s.env);
const gateways = Object.entries(compose.services).filter(([name]) => name.startsWith('gateway-'));

test('there is a gateway entry per endpoint and a pinned Kafka with a health check and a volume', () => {
  expect(gateways.map(([n]) => n).sort()).toEqual(['gateway-cn', 'gateway-interpol', 'gateway-la', 'gateway-th']);
  const kafka = compose.services.kafka!;
  expect(kafka.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
  expect(kafka.healthcheck).toBeDefined();
  expect(kafka.volumes?.length).toBeGreaterThan(0);
});

test.each(gateways)('%s sets every required gateway variable and no unknown one', (_name, svc) => {
  const env = Object.keys(svc.environment ?? {});
  expect(env.filter((k) => !known.has(k))).toEqual([]);
  expect(required.filter((k) => !env.includes(k))).toEqual([]);
});

test('the audit service entry sets every required audit variable and no unknown one', () => {
  const env = Object.keys(compose.services.audit?.environment ?? {});
  const knownAudit = new Set<string>(Object.values(auditSettings).map((s) => s.env));
  expect(env.filter((k) => !knownAudit.has(k))).toEqual([]);
  expect(Object.values(auditSettings).filter((s) => !('default' in s)).map((s) => s.env).filter((k) => !env.includes(k))).toEqual([]);
});

const dc = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
(dc.status === 0 ? test : test.skip)('docker-compose config accepts the file', () => {
  const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});
