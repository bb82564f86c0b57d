/**
 * Four real gateways in this test process, on the shared broker (or a cluster of the test's own),
 * each with its own SQLite store, keys and HTTP server on port 0, under a fresh topic prefix so test
 * files never see each other.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import type { Clock } from '../../services/core/src/clock/clock.ts';
import { mintToken, gatewayAudience, type Role } from '../../services/core/src/idp/dev-idp.ts';
import { SchemaRegistry } from '../../services/core/src/schemas/registry.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayEnv, setupDeployment, type Deployment } from '../../services/cli/src/deployment/setup.ts';
import { provisionDeploymentKafka } from '../../services/cli/src/deployment/kafka.ts';
import { assertConforms } from './contract.ts';
import { answerClientErrors } from '../../services/core/src/http/api.ts';
import { loadGatewayConfig } from '../../services/gateway/src/config.ts';
import { createGateway, type Gateway } from '../../services/gateway/src/gateway.ts';
import { provisionTestKafka, testBrokers, testDeployment, uniqueName } from './kafka.ts';

export interface RunningGateway {
  endpoint: string;
  gateway: Gateway;
  url: string;
  server: Server;
}

export interface Cluster {
  dep: Deployment;
  prefix: string;
  gateways: Record<string, RunningGateway>;
  token(endpoint: string, roles: Role[], subject?: string): Promise<string>;
  call(endpoint: string, method: string, path: string, opts?: { token?: string; body?: unknown; raw?: string; contentType?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

let sharedSchemas: SchemaRegistry | undefined;

/** A Kafka cluster of the test's own instead of the shared broker: its brokers, its secrets directory, the topics' replication factor. */
export interface OwnKafka {
  brokers: string[];
  secretsDir: string;
  replicationFactor?: number;
}

export async function startCluster(endpoints: string[] = ['LA', 'TH', 'CN', 'INTERPOL'], opts: { env?: Record<string, string>; clocks?: Record<string, Clock>; loggers?: Record<string, Logger>; kafka?: OwnKafka } = {}): Promise<Cluster> {
  const own = opts.kafka;
  const dep = own ? await setupDeployment(mkdtempSync(join(tmpdir(), 'mx-dep-')), endpoints, { kafkaSecretsDir: own.secretsDir }) : await testDeployment('mx-dep-', endpoints);
  const prefix = `${uniqueName('t')}.`;
  const brokers = own?.brokers ?? testBrokers();
  const provision = { endpoints, topicPrefix: prefix, ...(opts.env?.MX_ROUTING_POLICY ? { routingPolicyFile: opts.env.MX_ROUTING_POLICY } : {}) };
  if (own) await provisionDeploymentKafka({ ...provision, brokers, secretsDir: own.secretsDir, ...(own.replicationFactor !== undefined ? { replicationFactor: own.replicationFactor } : {}) });
  else await provisionTestKafka(provision);
  sharedSchemas ??= SchemaRegistry.load();
  const gateways: Record<string, RunningGateway> = {};
  for (const e of endpoints) {
    const cfg = loadGatewayConfig({ ...gatewayEnv(dep, e, brokers, { topicPrefix: prefix }), MX_OVERDUE_AFTER_SECONDS: '30', ...opts.env });
    const clock = opts.clocks?.[e];
    const gateway = await createGateway(cfg, { logger: opts.loggers?.[e] ?? pino({ level: 'silent' }), schemas: sharedSchemas, retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 300 }, ...(clock ? { clock } : {}) });
    const server = await new Promise<Server>((resolve) => {
      const s = gateway.app.listen(0, '127.0.0.1', () => resolve(s));
      answerClientErrors(s);
    });
    gateways[e] = { endpoint: e, gateway, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }
  await Promise.all(Object.values(gateways).map((g) => g.gateway.start()));
  return {
    dep,
    prefix,
    gateways,
    token: (endpoint, roles, subject = `officer-${roles.join('+')}@${endpoint}`) =>
      mintToken(dep.idpPrivateJwks, { subject, endpoint, agency: `${endpoint} test agency`, roles, audience: gatewayAudience(endpoint) }),
    async call(endpoint, method, path, o = {}) {
      const headers: Record<string, string> = {};
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | undefined;
      if (o.raw !== undefined) body = o.raw;
      else if (o.body !== undefined) body = JSON.stringify(o.body);
      if (body !== undefined) headers['content-type'] = o.contentType ?? 'application/json';
      const res = await fetch(`${gateways[endpoint]!.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      // Every response a test sees is checked against the contract.
      assertConforms('gateway', method, path, res, parsed);
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async stop() {
      for (const g of Object.values(gateways)) {
        g.server.closeAllConnections();
        await new Promise<void>((r) => g.server.close(() => r()));
        await g.gateway.stop();
      }
    },
  };
}
