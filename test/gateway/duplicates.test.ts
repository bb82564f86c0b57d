/**
 * Possible duplicates on the real broker: TH and CN each send LA an offender alert about the same
 * passport, spelled differently, with overlapping stays; LA links those two, both ways, and no
 * other (a later trip, another issuing country, a second alert from the same sender). The link is
 * shown in the inbox and message views (to the INTERPOL desk too), pushed on LA's event stream,
 * kept across a restart, and LA's SQLite file holds no passport number outside the (encrypted)
 * records themselves.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { gatewayEnv } from '../../services/cli/src/deployment/setup.ts';
import { loadGatewayConfig } from '../../services/gateway/src/config.ts';
import { normaliseDocumentNumber } from '../../services/gateway/src/duplicates.ts';
import { createGateway } from '../../services/gateway/src/gateway.ts';
import { loadBody } from '../fixtures/documents/index.ts';
import { componentProblems } from '../support/contract.ts';
import { startCluster, type Cluster } from '../support/gateways.ts';
import { eventually, testBrokers } from '../support/kafka.ts';
import { SseClient } from '../support/sse.ts';

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const dateOf = (days: number): string => new Date(today + days * DAY).toISOString().slice(0, 10);

/** One invented passport (fixtures use TEST numbers and country ZZ), in the spellings officers type. */
const SPELLINGS = { th: 'test-123 4567', cn: 'TEST1234567', later: 'TEST 123 4567', sameSender: 'Test.1234567' };
const NUMBER = normaliseDocumentNumber(SPELLINGS.cn);

let c: Cluster;
let stopped = false;
let laStream: SseClient;
const tokens: Record<string, string> = {};
const ids: Record<'a' | 'b' | 'later' | 'otherCountry' | 'sameSender', string> = { a: '', b: '', later: '', otherCountry: '', sameSender: '' };

beforeAll(async () => {
  c = await startCluster(['LA', 'TH', 'CN']);
  for (const e of ['LA', 'TH', 'CN']) tokens[e] = await c.token(e, ['liaison-officer']);
  tokens.desk = await c.token('LA', ['interpol-desk']);
});
afterAll(async () => {
  laStream?.close();
  if (!stopped) await c?.stop();
});

async function sendAlert(from: string, passports: { number: string; issuingCountry: string }[], arrival: number, departure: number): Promise<string> {
  const body = loadBody('offender-travel-alert');
  body.subject.passports = passports;
  body.travel = { ...body.travel, arrivalDate: dateOf(arrival), expectedDepartureDate: dateOf(departure) };
  body.validUntil = new Date(today + 90 * DAY).toISOString();
  const r = await c.call(from, 'POST', '/v1/notices', { token: tokens[from]!, body: { type: 'offender-travel-alert', to: ['LA'], body } });
  expect({ status: r.status, code: r.body.code }).toEqual({ status: 202, code: undefined });
  return r.body.id as string;
}

async function laInbox(token = tokens.LA!): Promise<Map<string, any>> {
  const r = await c.call('LA', 'GET', '/v1/inbox?type=offender-travel-alert&limit=200', { token });
  expect(r.status).toBe(200);
  return new Map((r.body.items as { id: string }[]).map((i) => [i.id, i]));
}

const linked = (item: { possibleDuplicates?: { messageId: string; from: string }[] }) => item.possibleDuplicates?.map((d) => `${d.from}:${d.messageId}`);

test('two senders, one passport spelled two ways, overlapping stays: linked both ways at LA, nothing else is', async () => {
  laStream = await SseClient.open(c.gateways.LA!.url, '/v1/inbox/events', { token: tokens.LA! });
  ids.a = await sendAlert('TH', [{ number: SPELLINGS.th, issuingCountry: 'ZZ' }], 10, 15);
  // B carries a second passport too: one shared document is enough.
  ids.b = await sendAlert('CN', [{ number: 'TEST7654321', issuingCountry: 'YY' }, { number: SPELLINGS.cn, issuingCountry: 'ZZ' }], 12, 20);
  // The same passport on a later trip (no overlap with A; B is the same sender anyway).
  ids.later = await sendAlert('CN', [{ number: SPELLINGS.later, issuingCountry: 'ZZ' }], 40, 42);
  // The same number issued by another country, on A's dates: another document.
  ids.otherCountry = await sendAlert('TH', [{ number: SPELLINGS.cn, issuingCountry: 'YY' }], 10, 15);
  // The same passport from the same sender as `later`, overlapping it: one sender does not duplicate itself.
  ids.sameSender = await sendAlert('CN', [{ number: SPELLINGS.sameSender, issuingCountry: 'ZZ' }], 41, 43);

  const inbox = await eventually(async () => {
    const m = await laInbox();
    return Object.values(ids).every((id) => m.has(id)) ? m : undefined;
  }, 30_000, 'all five alerts stored at LA');

  const a = inbox.get(ids.a)!;
  const b = inbox.get(ids.b)!;
  expect(a.possibleDuplicates).toEqual([{ messageId: ids.b, from: 'CN', receivedAt: b.receivedAt, linkedAt: expect.any(String) }]);
  expect(b.possibleDuplicates).toEqual([{ messageId: ids.a, from: 'TH', receivedAt: a.receivedAt, linkedAt: a.possibleDuplicates[0].linkedAt }]);
  for (const id of [ids.later, ids.otherCountry, ids.sameSender]) expect([id, inbox.get(id)!.possibleDuplicates]).toEqual([id, []]);

  // The item and message views show the same links, never merged: each alert keeps its own document.
  const itemA = await c.call('LA', 'GET', `/v1/inbox/${ids.a}`, { token: tokens.LA! });
  expect(linked(itemA.body)).toEqual([`CN:${ids.b}`]);
  expect(itemA.body.document.body.subject.passports).toEqual([{ number: SPELLINGS.th, issuingCountry: 'ZZ' }]);
  const messageB = await c.call('LA', 'GET', `/v1/messages/${ids.b}`, { token: tokens.LA! });
  expect(linked(messageB.body)).toEqual([`TH:${ids.a}`]);

  // The INTERPOL desk sees alerts, so it sees the links among them.
  const desk = await laInbox(tokens.desk);
  expect(linked(desk.get(ids.a)!)).toEqual([`CN:${ids.b}`]);
  expect(linked(desk.get(ids.b)!)).toEqual([`TH:${ids.a}`]);
  expect(linked((await c.call('LA', 'GET', `/v1/messages/${ids.a}`, { token: tokens.desk! })).body)).toEqual([`CN:${ids.b}`]);

  // Links are the receiver's: the senders' views of what they sent carry none.
  const sentView = await c.call('TH', 'GET', `/v1/messages/${ids.a}`, { token: tokens.TH! });
  expect(sentView.body.possibleDuplicates).toBeUndefined();
});

test("the link is pushed on LA's stream, once for each of the two alerts, in the commit that made it", async () => {
  const events = await eventually(() => {
    const e = laStream.events.filter((x) => x.event === 'possible-duplicate');
    return e.length >= 2 ? e : undefined;
  }, 20_000, 'possible-duplicate events at LA');
  expect(events.map((e) => ({ messageId: e.data.messageId, counterpart: e.data.counterpart, status: e.data.status, type: e.data.type })).sort((x, y) => x.counterpart.localeCompare(y.counterpart))).toEqual([
    { messageId: ids.a, counterpart: 'CN', status: 'linked', type: 'offender-travel-alert' },
    { messageId: ids.b, counterpart: 'TH', status: 'linked', type: 'offender-travel-alert' },
  ]);
  for (const e of laStream.events) expect(componentProblems('gateway', 'InboxEvent', e.data)).toEqual([]);
  // The link came with the later of the two arrivals, right after its arrival event.
  const arrivalOf = (id: string) => Number(laStream.events.find((e) => e.event === 'arrival' && e.data.messageId === id)!.id);
  const later = Math.max(arrivalOf(ids.a), arrivalOf(ids.b));
  expect(events.map((e) => Number(e.id)).sort((x, y) => x - y)).toEqual([later + 1, later + 2]);
  expect(laStream.events.filter((e) => e.event === 'possible-duplicate')).toHaveLength(2);
  expect(JSON.stringify(laStream.events)).not.toContain(NUMBER);
});

test("LA's SQLite file keeps no passport number in clear: no table holds one, the file's bytes neither", async () => {
  const db = c.gateways.LA!.gateway.db;
  const spellings = [...new Set([NUMBER, ...Object.values(SPELLINGS), 'TEST7654321'])];
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  expect(tables).toEqual(expect.arrayContaining(['inbox', 'alert_documents', 'possible_duplicates']));
  let cells = 0;
  for (const table of tables) {
    for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]) {
      for (const [column, value] of Object.entries(row)) {
        cells++;
        const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
        for (const s of spellings) expect({ table, column, found: text.toUpperCase().includes(s.toUpperCase()) }).toEqual({ table, column, found: false });
      }
    }
  }
  expect(cells).toBeGreaterThan(100);
  // Only the keyed hashes are kept for matching: one per distinct document of the five alerts.
  expect((db.prepare('SELECT count(DISTINCT doc_hash) AS n FROM alert_documents').get() as { n: number }).n).toBe(3);
  // The bodies are encrypted end to end, so not even the records hold a number in clear: the raw file and its WAL neither.
  db.pragma('wal_checkpoint(PASSIVE)');
  for (const file of [db.name, `${db.name}-wal`]) {
    const bytes = readFileSync(file).toString('latin1').toUpperCase();
    for (const s of spellings) expect({ file, s, found: bytes.includes(s.toUpperCase()) }).toEqual({ file, s, found: false });
  }
});

test('the links survive a restart of LA: a new gateway on the same store shows them', async () => {
  await c.stop();
  stopped = true;
  const cfg = loadGatewayConfig(gatewayEnv(c.dep, 'LA', testBrokers(), { topicPrefix: c.prefix }));
  const la = await createGateway(cfg, { logger: pino({ level: 'silent' }) });
  // Reads need the store only: the gateway is not started (nothing is consumed again).
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = la.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/inbox?type=offender-travel-alert&limit=200`, { headers: { authorization: `Bearer ${tokens.LA}` } });
    expect(r.status).toBe(200);
    const items = new Map(((await r.json()) as { items: { id: string; possibleDuplicates?: { messageId: string; from: string }[] }[] }).items.map((i) => [i.id, i]));
    expect(linked(items.get(ids.a)!)).toEqual([`CN:${ids.b}`]);
    expect(linked(items.get(ids.b)!)).toEqual([`TH:${ids.a}`]);
    expect(linked(items.get(ids.later)!)).toEqual([]);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    la.db.close();
  }
});
