/**
 * Issue 10, Kafka acceptance: on a real SASL_SSL broker with ACLs, who may connect, read, write
 * and create. Each refusal is asserted on kafkajs' error type (the broker's code), not wording,
 * and beside it the same client doing what it is allowed to, so a refusal cannot pass by accident.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer, type LogEntry } from 'kafkajs';
import { startLocalBroker, type LocalBroker } from '../../services/core/src/kafka/local-broker.ts';
import { provisionKafka, provisionPlan } from '../../services/core/src/kafka/provision.ts';
import { ADMIN_PRINCIPAL, AUDIT_PRINCIPAL, ensureKafkaPasswords, gatewayPrincipal, kafkajsSecurity, type KafkaClientSecurity } from '../../services/core/src/kafka/security.ts';
import { createKafka, RecordPublisher, topicNames } from '../../services/core/src/kafka/transport.ts';
import { eventually, uniqueName } from '../support/kafka.ts';



let dir: string;
let broker: LocalBroker;
let passwords: Record<string, string>;
const prefix = `${uniqueName('sec')}.`;
const t = topicNames(prefix);

function as(principal: string, password = passwords[principal]!): KafkaClientSecurity {
  return { caPem: broker.admin!.caPem, username: principal, password };
}

/**
 * kafkajs turns some broker answers into a generic error and keeps the broker's code only in the
 * error object it logs (FindCoordinator's GROUP_AUTHORIZATION_FAILED becomes "coordinator not
 * found"): `seen` collects the kinds of every error object kafkajs logs, the code included.
 */
function client(security: KafkaClientSecurity | undefined, extra: { ssl?: boolean; seen?: Set<string> } = {}): Kafka {
  const seen = extra.seen;
  const base = {
    clientId: uniqueName('sec-client'),
    brokers: broker.brokers,
    logLevel: seen ? logLevel.DEBUG : logLevel.NOTHING,
    ...(seen ? { logCreator: () => (entry: LogEntry) => void errorKinds(entry.log.error, seen) } : {}),
    connectionTimeout: 3000,
    retry: { retries: 1, initialRetryTime: 100 },
  };
  if (security === undefined) return new Kafka({ ...base, ...(extra.ssl ? { ssl: { ca: [broker.admin!.caPem] } } : {}) });
  return new Kafka({ ...base, ...kafkajsSecurity(security) });
}

/** Every kafkajs error type and name in an error and what it wraps. */
function errorKinds(e: unknown, out = new Set<string>(), depth = 0): Set<string> {
  if (e === null || typeof e !== 'object' || depth > 6) return out;
  const x = e as { type?: unknown; name?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown; topicErrors?: unknown };
  if (typeof x.type === 'string') out.add(x.type);
  if (typeof x.name === 'string') out.add(x.name);
  for (const inner of [x.cause, x.originalError]) errorKinds(inner, out, depth + 1);
  for (const list of [x.errors, x.topicErrors]) if (Array.isArray(list)) for (const i of list) errorKinds(i, out, depth + 1);
  return out;
}

async function failure(p: Promise<unknown>): Promise<Set<string>> {
  try {
    await p;
  } catch (e) {
    return errorKinds(e);
  }
  throw new Error('expected the broker to refuse');
}

async function adminConnect(k: Kafka): Promise<void> {
  const admin = k.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function send(security: KafkaClientSecurity, topic: string): Promise<void> {
  const publisher = new RecordPublisher(createKafka({ brokers: broker.brokers, clientId: uniqueName('sec-pub'), security, retry: { retries: 1, initialRetryTime: 100 } }));
  try {
    await publisher.publish([{ topic, records: [{ key: 'k', value: 'v' }] }]);
  } finally {
    await publisher.close();
  }
}

/** Joins `group` on `topic` and resolves with the first crash's error kinds, or 'JOINED' and a record. */
async function consume(security: KafkaClientSecurity, group: string, topic: string, seen?: Set<string>): Promise<Set<string>> {
  const c: Consumer = client(security, seen ? { seen } : {}).consumer({ groupId: group, sessionTimeout: 6000, retry: { retries: 0 } });
  const outcome = new Promise<Set<string>>((resolve) => {
    c.on(c.events.CRASH, (ev) => resolve(errorKinds(ev.payload.error)));
    void c
      .connect()
      .then(() => c.subscribe({ topic, fromBeginning: true }))
      .then(() => c.run({ eachMessage: async () => resolve(new Set(['RECORD'])) }))
      .catch((e: unknown) => resolve(errorKinds(e)));
  });
  try {
    return await outcome;
  } finally {
    await c.disconnect().catch(() => {});
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mx-kafka-sec-'));
  passwords = ensureKafkaPasswords(dir, [ADMIN_PRINCIPAL, AUDIT_PRINCIPAL, ...['LA', 'TH', 'CN'].map(gatewayPrincipal)]);
  broker = await startLocalBroker({ security: { secretsDir: dir, users: passwords } });
  const plan = provisionPlan({ prefix, partitions: 1, sendsTo: { LA: ['TH', 'CN'], TH: ['LA', 'CN'], CN: ['LA', 'TH'] } });
  await provisionKafka(createKafka({ brokers: broker.brokers, clientId: 'sec-admin', security: broker.admin! }), plan);
  // A record in LA's inbox, so a reader that got through would see it.
  await send(as(gatewayPrincipal('TH')), t.inbox('LA'));
}, 180_000);

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the client listener is SASL_SSL: a client with no credentials, a wrong password, or no TLS cannot talk to it', async () => {
  await expect(adminConnect(client(as(gatewayPrincipal('LA'))))).resolves.toBeUndefined();
  expect(await failure(adminConnect(client(as(gatewayPrincipal('LA'), 'not-the-password'))))).toContain('KafkaJSSASLAuthenticationError');
  // TLS but no SASL: the broker expects a SASL handshake first and closes the connection.
  const unauthenticated = await failure(adminConnect(client(undefined, { ssl: true })));
  expect(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSNonRetriableError', 'KafkaJSNumberOfRetriesExceeded'].some((k) => unauthenticated.has(k))).toBe(true);
  // Plaintext on the TLS port: no Kafka answer ever comes back.
  const plaintext = await failure(adminConnect(client(undefined)));
  expect(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSNonRetriableError', 'KafkaJSNumberOfRetriesExceeded', 'KafkaJSRequestTimeoutError'].some((k) => plaintext.has(k))).toBe(true);
});

/** The broker's group coordinator may still be loading on a fresh broker: those answers are not the verdict, so ask again. */
const SETTLING = ['GROUP_LOAD_IN_PROGRESS', 'GROUP_COORDINATOR_NOT_AVAILABLE'];
function settled(attempt: () => Promise<Set<string>>): Promise<Set<string>> {
  return eventually(async () => {
    const kinds = await attempt();
    return SETTLING.some((k) => kinds.has(k)) ? undefined : kinds;
  }, 60_000, 'an answer from a settled group coordinator');
}

test("a gateway reads its own inbox with its own group; CN cannot read LA's inbox nor join LA's group", async () => {
  expect(await settled(() => consume(as(gatewayPrincipal('LA')), `${prefix}mx-gateway-LA`, t.inbox('LA')))).toEqual(new Set(['RECORD']));
  const seen = new Set<string>();
  expect(await settled(() => consume(as(gatewayPrincipal('CN')), `${prefix}mx-gateway-LA`, t.inbox('CN'), seen))).toContain('KafkaJSGroupCoordinatorNotFound');
  expect(seen).toContain('GROUP_AUTHORIZATION_FAILED');
  expect(await settled(() => consume(as(gatewayPrincipal('CN')), `${prefix}mx-gateway-CN`, t.inbox('LA')))).toContain('TOPIC_AUTHORIZATION_FAILED');
});

test("a gateway writes (idempotently) to the inboxes it may send to, its own DLQ and mx.audit, but not another gateway's DLQ", async () => {
  const la = as(gatewayPrincipal('LA'));
  for (const topic of [t.inbox('TH'), t.dlq('LA'), t.audit]) await send(la, topic);
  expect(await failure(send(la, t.dlq('CN')))).toContain('TOPIC_AUTHORIZATION_FAILED');
});

test('a gateway cannot create a topic; the admin can', async () => {
  const topic = `${prefix}mx.inbox.XX`;
  const create = async (k: Kafka) => {
    const admin = k.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false });
    } finally {
      await admin.disconnect();
    }
  };
  const kinds = await failure(create(client(as(gatewayPrincipal('LA')))));
  expect(kinds.has('TOPIC_AUTHORIZATION_FAILED') || kinds.has('CLUSTER_AUTHORIZATION_FAILED')).toBe(true);
  await create(client(broker.admin!));
  await eventually(async () => {
    const admin = client(broker.admin!).admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).includes(topic) ? true : undefined;
    } finally {
      await admin.disconnect();
    }
  }, 20_000, 'the admin-created topic');
});

test('the audit service reads mx.audit with its group but cannot write an inbox', async () => {
  await send(as(gatewayPrincipal('TH')), t.audit);
  expect(await consume(as(AUDIT_PRINCIPAL), `${prefix}mx-audit`, t.audit)).toEqual(new Set(['RECORD']));
  // The audit principal may WRITE no topic at all, so even its idempotent producer's session is refused.
  expect(await failure(send(as(AUDIT_PRINCIPAL), t.inbox('LA')))).toContain('CLUSTER_AUTHORIZATION_FAILED');
  const plain = client(as(AUDIT_PRINCIPAL)).producer({ idempotent: false, allowAutoTopicCreation: false });
  await plain.connect();
  try {
    expect(await failure(plain.send({ topic: t.inbox('LA'), acks: -1, messages: [{ key: 'k', value: 'v' }] }))).toContain('TOPIC_AUTHORIZATION_FAILED');
  } finally {
    await plain.disconnect();
  }
});
