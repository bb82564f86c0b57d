/**
 * A healthy start says nothing at warn level or above: four gateways and the audit service,
 * started together on a fresh topic prefix (so they race to create the same topics and join new
 * consumer groups), log no warning and no error until every one of them is ready. A warning on a
 * healthy start teaches operators to ignore warnings.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { auditEnv, gatewayEnv, setupAudit } from '../../services/cli/src/deployment/setup.ts';
import { loadAuditConfig } from '../../services/audit/src/config.ts';
import { createAuditService, type AuditService } from '../../services/audit/src/service.ts';
import { loadGatewayConfig } from '../../services/gateway/src/config.ts';
import { createGateway, type Gateway } from '../../services/gateway/src/gateway.ts';
import { SchemaRegistry } from '../../services/core/src/schemas/registry.ts';
import { eventually, provisionTestKafka, testBrokers, testDeployment, uniqueName } from '../support/kafka.ts';

interface Line {
  level: number;
  msg?: string;
  name: string;
  [k: string]: unknown;
}

const lines: Line[] = [];
function capturingLogger(name: string): Logger {
  return pino({ level: 'debug', base: { name } }, { write: (l: string) => void lines.push(JSON.parse(l) as Line) });
}

const running: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const r of running.reverse()) await r.stop();
});

test('four gateways and the audit service start on a fresh prefix without a warning or an error until ready', async () => {
  const endpoints = ['LA', 'TH', 'CN', 'INTERPOL'];
  const dep = await testDeployment('mx-quiet-', endpoints);
  const auditDep = await setupAudit(dep);
  const prefix = `${uniqueName('q')}.`;
  // As in a deployment: the admin provisions topics and ACLs before any service starts.
  await provisionTestKafka({ endpoints, topicPrefix: prefix });
  const schemas = SchemaRegistry.load();
  const services: { name: string; app: Gateway['app'] | AuditService['app']; start(): Promise<void>; stop(): Promise<void> }[] = [];
  for (const e of endpoints) {
    const cfg = loadGatewayConfig(gatewayEnv(dep, e, testBrokers(), { topicPrefix: prefix }));
    const g = await createGateway(cfg, { logger: capturingLogger(`gateway-${e}`), schemas });
    services.push({ name: e, app: g.app, start: () => g.start(), stop: () => g.stop() });
  }
  const acfg = loadAuditConfig(auditEnv(dep, testBrokers(), { topicPrefix: prefix, dataDir: auditDep.dataDir }));
  const a = await createAuditService(acfg, { logger: capturingLogger('audit'), schemas });
  services.push({ name: 'audit', app: a.app, start: () => a.start(), stop: () => a.stop() });

  const urls: string[] = [];
  for (const s of services) {
    const server = await new Promise<Server>((resolve) => {
      const srv = s.app.listen(0, '127.0.0.1', () => resolve(srv));
    });
    running.push({ stop: async () => void (await new Promise<void>((r) => server.close(() => r()))) }, { stop: () => s.stop() });
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  await Promise.all(services.map((s) => s.start()));
  await eventually(async () => {
    const statuses = await Promise.all(urls.map(async (u) => (await fetch(`${u}/v1/ready`)).status));
    return statuses.every((s) => s === 200) ? true : undefined;
  }, 60_000, 'every service ready');

  const loud = lines.filter((l) => l.level >= 40).map((l) => `${l.name} ${l.level} ${l.msg ?? ''} ${JSON.stringify(l.error ?? l.err ?? '')}`);
  expect(loud).toEqual([]);
  // The capture works: the start did log, below warn.
  expect(lines.some((l) => l.msg === 'consumer group joined')).toBe(true);
});
