/**
 * On a secured cluster a gateway creates no topic (its principal may not): it waits for the ones it
 * uses, saying so, and starts consuming once `mx kafka provision` made them.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { gatewayEnv } from '../../services/cli/src/deployment/setup.ts';
import { loadGatewayConfig } from '../../services/gateway/src/config.ts';
import { createGateway, type Gateway } from '../../services/gateway/src/gateway.ts';
import { SchemaRegistry } from '../../services/core/src/schemas/registry.ts';
import { topicNames } from '../../services/core/src/kafka/transport.ts';
import { eventually, provisionTestKafka, testBrokers, testDeployment, testKafka, uniqueName } from '../support/kafka.ts';

interface Line {
  level: number;
  msg?: string;
  missing?: string[];
}

let gateway: Gateway | undefined;
let server: Server | undefined;
afterAll(async () => {
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  await gateway?.stop();
});

test('a gateway waits for its unprovisioned topics with a warn line naming them, creates none, and becomes ready once provisioned', async () => {
  const dep = await testDeployment('mx-topics-', ['LA', 'TH']);
  const prefix = `${uniqueName('w')}.`;
  const t = topicNames(prefix);
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as Line) });
  gateway = await createGateway(loadGatewayConfig(gatewayEnv(dep, 'LA', testBrokers(), { topicPrefix: prefix })), { logger, schemas: SchemaRegistry.load() });
  server = await new Promise<Server>((resolve) => {
    const s = gateway!.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const started = gateway.start();

  const waiting = await eventually(() => lines.find((l) => l.level === 40 && l.missing !== undefined), 20_000, 'the waiting line');
  expect(waiting.missing!.sort()).toEqual([t.audit, t.dlq('LA'), t.inbox('LA')].sort());
  expect((await fetch(`${url}/v1/ready`)).status).toBe(503);
  const admin = testKafka(uniqueName('topics-check')).admin();
  await admin.connect();
  try {
    expect((await admin.listTopics()).filter((n) => n.startsWith(prefix))).toEqual([]);
  } finally {
    await admin.disconnect();
  }

  await provisionTestKafka({ endpoints: ['LA', 'TH'], topicPrefix: prefix });
  await started;
  await eventually(async () => ((await fetch(`${url}/v1/ready`)).status === 200 ? true : undefined), 30_000, 'the gateway ready');
}, 90_000);

test('a gateway configured for more replicas than its provisioned topics have says so once, naming them, and starts all the same', async () => {
  const dep = await testDeployment('mx-topics-rf-', ['LA', 'TH']);
  const prefix = `${uniqueName('rf')}.`;
  const t = topicNames(prefix);
  await provisionTestKafka({ endpoints: ['LA', 'TH'], topicPrefix: prefix });
  const lines: (Line & { fewer?: { topic: string; replicas: number }[]; want?: number })[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as Line) });
  const g = await createGateway(loadGatewayConfig({ ...gatewayEnv(dep, 'LA', testBrokers(), { topicPrefix: prefix }), MX_TOPIC_REPLICATION_FACTOR: '3' }), { logger, schemas: SchemaRegistry.load() });
  try {
    await g.start();
    const warned = lines.filter((l) => l.level === 40 && l.fewer !== undefined);
    expect(warned).toHaveLength(1);
    expect(warned[0]!.want).toBe(3);
    expect(warned[0]!.fewer!.map((f) => `${f.topic} ${f.replicas}`).sort()).toEqual([`${t.audit} 1`, `${t.dlq('LA')} 1`, `${t.inbox('LA')} 1`].sort());
  } finally {
    await g.stop();
  }
}, 90_000);
