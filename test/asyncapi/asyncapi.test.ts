/**
 * asyncapi/asyncapi.yaml against @asyncapi/parser and against the code: its channels are the names
 * `topicNames()` makes, every `$ref` resolves to a file of the repository, and the records real
 * gateways put on the broker (a notice, its receipt, a quarantine entry, audit events) carry only
 * the documented headers, under the documented keys, with payloads the documented schemas accept.
 * Each channel's Kafka binding is the topic as provisioning creates it on the compose cluster, so
 * the documented retention cannot drift from the code's constants.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser } from '@asyncapi/parser';
import { parse as parseYaml } from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { minInsyncReplicas, topicNames } from '../../services/core/src/kafka/transport.ts';
import { provisionPlan } from '../../services/core/src/kafka/provision.ts';
import type { IncomingRecord } from '../../services/core/src/kafka/transport.ts';
import { bodySchemaId, SchemaRegistry, type MessageType } from '../../services/core/src/schemas/registry.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { Wire, type TopicTap } from '../support/wire.ts';

const FILE = fileURLToPath(new URL('../../asyncapi/asyncapi.yaml', import.meta.url));
const TEXT = readFileSync(FILE, 'utf8');

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;
/** The document as written, for resolving local references without the parser. */
const YAML_RAW = parseYaml(TEXT) as Json;

async function parse(text: string): Promise<{ doc: Json; errors: string[] }> {
  const { document, diagnostics } = await new Parser().parse(text, { source: FILE });
  // Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
  const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.code} at ${d.path.join('/')}: ${d.message}`);
  return { doc: document?.json(), errors };
}

/** Every `$ref` string in the document as written (before resolution). */
function refsOf(text: string): string[] {
  return [...text.matchAll(/\$ref:\s*'([^']+)'/g)].map((m) => m[1]!);
}

let doc: Json;

beforeAll(async () => {
  const parsed = await parse(TEXT);
  expect(parsed.errors).toEqual([]);
  doc = parsed.doc;
}, 60_000);

test('@asyncapi/parser accepts the document: AsyncAPI 3.0, no error diagnostics', () => {
  expect(doc.asyncapi).toMatch(/^3\.0\./);
  expect(doc.components.securitySchemes.scram.type).toBe('scramSha512');
  expect(doc.servers.production.protocol).toBe('kafka-secure');
});

test('a broken $ref is an error diagnostic, so the check above can fail', async () => {
  const broken = await parse(TEXT.replace("'../schemas/audit-event.v1.json'", "'../schemas/no-such.v1.json'"));
  expect(broken.errors.join('\n')).toMatch(/invalid-ref/);
});

test('the channels are the topics topicNames() makes, with {endpoint} for the endpoint', () => {
  const t = topicNames();
  const documented = Object.values(doc.channels as Record<string, { address: string }>).map((c) => c.address).sort();
  const code = Object.values(t).map((v) => (typeof v === 'function' ? v('{endpoint}') : v)).sort();
  expect(documented).toEqual(code);
  expect(doc.channels.inbox.address).toBe(t.inbox('{endpoint}'));
  expect(doc.channels.dlq.address).toBe(t.dlq('{endpoint}'));
  expect(doc.channels.audit.address).toBe(t.audit);
});

test('each channel\'s Kafka binding is the topic as provisioning creates it on the compose cluster: partitions, replicas, min ISR, retention and timestamp type', () => {
  const compose = parseYaml(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as Json;
  const args = compose.services['kafka-provision'].command as string[];
  const replicas = Number(args[args.indexOf('--replication-factor') + 1]);
  expect(replicas).toBe(3);
  const plan = provisionPlan({ sendsTo: { LA: ['TH'], TH: ['LA'] }, replicationFactor: replicas });
  const t = topicNames();
  for (const [channel, topic] of [['inbox', t.inbox('LA')], ['dlq', t.dlq('LA')], ['audit', t.audit]] as const) {
    const spec = plan.topics.find((s) => s.topic === topic)!;
    const b = doc.channels[channel].bindings.kafka;
    expect({ channel, topic: b.topic, partitions: b.partitions, replicas: b.replicas, minIsr: b['x-min-insync-replicas'] }).toEqual({
      channel,
      topic: doc.channels[channel].address,
      partitions: spec.numPartitions,
      replicas: spec.replicationFactor,
      minIsr: minInsyncReplicas(replicas),
    });
    // Both ways: every config provisioning sets is documented with its value, and nothing else is.
    const documented = Object.fromEntries(Object.entries(b.topicConfiguration as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    expect({ channel, config: documented }).toEqual({ channel, config: Object.fromEntries((spec.configEntries ?? []).map((c) => [c.name, c.value])) });
  }
  expect(doc.channels.audit.bindings.kafka.topicConfiguration['retention.ms']).toBe(-1);
});

test('every $ref names a schema of schemas/ or a component; the signed documents are schemas/ files', () => {
  const refs = refsOf(TEXT);
  const files = refs.filter((r) => !r.startsWith('#'));
  expect(files.sort()).toEqual(['../schemas/audit-event.v1.json', '../schemas/delivery-receipt.v1.json', '../schemas/envelope.v1.json']);
  const schemas = SchemaRegistry.load();
  for (const f of files) {
    const text = readFileSync(new URL(f, new URL(`file://${dirname(FILE)}/`)), 'utf8');
    expect(schemas.schemaIds()).toContain((JSON.parse(text) as { $id: string }).$id);
  }
  // Local references: resolved by the parser (it would report invalid-ref); each names something.
  for (const r of refs.filter((x) => x.startsWith('#/'))) {
    const target = r.slice(2).split('/').reduce<Json>((o, k) => o?.[k], YAML_RAW);
    expect([r, target !== undefined]).toEqual([r, true]);
  }
  const m = doc.components.messages;
  expect(m.notice['x-signed-document'].$id).toBe('https://schemas.mekong-exchange.example/envelope.v1.json');
  expect(m.deliveryReceipt['x-signed-body'].$id).toBe(bodySchemaId('delivery-receipt'));
  expect(m.auditEvent['x-signed-body'].$id).toBe(bodySchemaId('audit-event'));
});

describe('records of real gateways match the document', () => {
  let c: Cluster;
  let wire: Wire;
  const taps: Record<'inboxTH' | 'inboxLA' | 'dlqTH' | 'audit', TopicTap | undefined> = { inboxTH: undefined, inboxLA: undefined, dlqTH: undefined, audit: undefined };
  const ajv = new Ajv({ strict: true, allErrors: true, keywords: ['x-parser-schema-id'] });
  addFormatsModule.default(ajv);
  const compiled = new Map<string, ValidateFunction>();
  const validatorOf = (schema: Json): ValidateFunction => {
    const key = schema['x-parser-schema-id'] as string;
    let v = compiled.get(key);
    if (!v) compiled.set(key, (v = ajv.compile(schema)));
    return v;
  };

  beforeAll(async () => {
    c = await startCluster(['LA', 'TH']);
    wire = new Wire(c);
    const t = topicNames(c.prefix);
    taps.inboxTH = await wire.tap(t.inbox('TH'));
    taps.inboxLA = await wire.tap(t.inbox('LA'));
    taps.dlqTH = await wire.tap(t.dlq('TH'));
    taps.audit = await wire.tap(t.audit);
  }, 120_000);
  afterAll(async () => {
    await wire?.close();
    await c?.stop();
  });

  /** Checks one record against message `name` of the document; returns its decoded signed document, if any. */
  function check(name: string, rec: IncomingRecord): Json {
    const message = doc.components.messages[name];
    const headers = message.headers;
    const documented = Object.keys(headers.properties as object);
    expect({ name, undocumented: Object.keys(rec.headers).filter((h) => !documented.includes(h)) }).toEqual({ name, undocumented: [] });
    const vh = validatorOf(headers);
    expect({ name, headers: rec.headers, errors: vh(rec.headers) ? [] : vh.errors }).toEqual({ name, headers: rec.headers, errors: [] });
    const payload = JSON.parse(rec.value.toString('utf8')) as Json;
    const vp = validatorOf(message.payload);
    expect({ name, errors: vp(payload) ? [] : vp.errors }).toEqual({ name, errors: [] });
    expect(typeof message.bindings.kafka.key.description).toBe('string');
    if (message['x-jws-typ'] === undefined) return undefined;
    const header = JSON.parse(Buffer.from(payload.protected, 'base64url').toString('utf8')) as { typ: string };
    expect(header.typ).toBe(message['x-jws-typ']);
    const signed = JSON.parse(Buffer.from(payload.payload, 'base64url').toString('utf8')) as Json;
    expect(SchemaRegistry.load().validate(message['x-signed-document'].$id, signed)).toEqual([]);
    if (message['x-signed-body']) expect(bodySchemaId(signed.type as MessageType)).toBe(message['x-signed-body'].$id);
    return signed;
  }

  test('a notice, its receipt, a quarantine entry and audit events', async () => {
    const token = await c.token('LA', ['liaison-officer']);
    const sent = await c.call('LA', 'POST', '/v1/notices', { token, body: { type: 'offender-travel-alert', to: ['TH'], body: loadBody('offender-travel-alert') } });
    expect(sent.status).toBe(202);
    const id = sent.body.id as string;

    const notice = await taps.inboxTH!.waitFor((r) => r.headers['mx-id'] === id, 'the notice', 60_000);
    const doc1 = check('notice', notice);
    expect(doc1.id).toBe(id);
    expect(notice.key).toBe(doc1.caseRef ?? doc1.inReplyTo ?? doc1.id);

    const receipt = await taps.inboxLA!.waitFor((r) => r.headers['mx-type'] === 'delivery-receipt', 'the receipt', 60_000);
    const doc2 = check('deliveryReceipt', receipt);
    expect(doc2.body.messageId).toBe(id);
    expect(receipt.key).toBe(notice.key);

    await wire.write(topicNames(c.prefix).inbox('TH'), 'garbage', Buffer.from('not a signed record'));
    const dead = await taps.dlqTH!.waitFor(() => true, 'a quarantine entry', 60_000);
    check('deadLetter', dead);
    const entry = JSON.parse(dead.value.toString('utf8')) as { digest: string; reasonCode: string };
    expect(dead.key).toBe(entry.digest);
    expect(dead.headers['mx-reason']).toBe(entry.reasonCode);

    for (const gateway of ['LA', 'TH']) {
      const event = await taps.audit!.waitFor((r) => r.headers['mx-from'] === gateway, `an audit event of ${gateway}`, 60_000);
      const doc3 = check('auditEvent', event);
      expect(event.key).toBe(gateway);
      expect(doc3.body.gateway).toBe(gateway);
    }
  }, 180_000);
});
