/**
 * The gateway's store-derived metrics, on a real SQLite store: receipts overdue follow the
 * lifecycle's `overdue` rule (no receipt, `overdueAfterMs` after publication or, unpublished,
 * after queueing); delivered offender alerts are counted by the lifecycle's timeliness class, sent
 * ones per recipient by an accepted receipt (a rejected one is no delivery), received ones by
 * their arrival here.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../services/core/src/store/sqlite.ts';
import { gatewayMetrics } from '../../../services/gateway/src/metrics.ts';
import { GatewayStore } from '../../../services/gateway/src/store.ts';
import { uuidv7 } from '../../../services/core/src/ids/uuidv7.ts';

const H = 3_600_000;
const LEAD = 48 * H;
const OVERDUE = 300_000;
const ARRIVAL = Date.parse('2026-03-10T00:00:00Z');
const DEPARTURE_END = Date.parse('2026-03-15T00:00:00Z');

function setup() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'mx-gw-metrics-')), 'gateway.sqlite'));
  const store = new GatewayStore(db);
  let now = ARRIVAL - 100 * H;
  const m = gatewayMetrics({ db, now: () => now, overdueAfterMs: OVERDUE, alertLeadMs: LEAD, processMetrics: false });
  const sent = (to: string[], created: number, travel?: { arrival_at: number; departure_at: number | null }): string => {
    const id = uuidv7(created);
    store.insertSent(
      { id, type: travel ? 'offender-travel-alert' : 'victim-repatriation-notice', to_json: JSON.stringify(to), case_ref: null, in_reply_to: null, issued_at: new Date(created).toISOString(), expires_at: new Date(created + 86_400_000).toISOString(), digest: `d-${id}`, record: Buffer.from('x'), officer: 'p', created_at: created, arrival_at: travel?.arrival_at ?? null, departure_at: travel?.departure_at ?? null },
      to,
    );
    return id;
  };
  const received = (at: number, travel: { arrival_at: number; departure_at: number | null }): void => {
    const id = uuidv7(at);
    store.insertInbox({ from_ep: 'TH', id, type: 'offender-travel-alert', to_json: '["LA"]', case_ref: null, in_reply_to: null, issued_at: new Date(at).toISOString(), expires_at: new Date(at + 86_400_000).toISOString(), digest: `r-${id}`, record: Buffer.from('x'), receipt: Buffer.from('y'), received_at: at, topic: 't', partition: 0, offset: '0', ...travel });
  };
  const values = async (name: string) => (await m.registry.getSingleMetric(name)!.get()).values;
  return { store, sent, received, values, setNow: (t: number) => (now = t), db };
}

test('receipts overdue: without a receipt, longer than the setting after publication (or queueing)', async () => {
  const t0 = ARRIVAL - 100 * H;
  const { store, sent, values, setNow, db } = setup();
  sent(['LA'], t0); // never published
  const published = sent(['LA', 'CN'], t0);
  store.markPublished(published, 'LA', t0 + 200_000);
  store.markPublished(published, 'CN', t0 + 200_000);
  store.markDelivered(published, 'CN', t0 + 250_000, 'rd', null);
  const overdue = async () => (await values('mx_receipts_overdue'))[0]!.value;
  setNow(t0 + OVERDUE);
  expect(await overdue()).toBe(0);
  // Queued 300 001 ms ago: the unpublished one is overdue; LA was published only 100 001 ms ago.
  setNow(t0 + OVERDUE + 1);
  expect(await overdue()).toBe(1);
  setNow(t0 + 200_000 + OVERDUE + 1);
  expect(await overdue()).toBe(2);
  // A receipt (even a rejection) ends it.
  store.markDelivered(published, 'LA', t0 + 600_000, 'rd2', 'SCHEMA_INVALID');
  expect(await overdue()).toBe(1);
  db.close();
});

test('alerts delivered by direction and timeliness class', async () => {
  const { store, sent, received, values, db } = setup();
  const travel = { arrival_at: ARRIVAL, departure_at: DEPARTURE_END };
  const alert = sent(['LA', 'CN', 'INTERPOL'], ARRIVAL - 80 * H, travel);
  store.markDelivered(alert, 'LA', ARRIVAL - 72 * H, 'a', null); // timely
  store.markDelivered(alert, 'CN', ARRIVAL - 10 * H, 'b', null); // short-notice
  store.markDelivered(alert, 'INTERPOL', ARRIVAL - 72 * H, 'c', 'ROUTE_FORBIDDEN'); // rejected: no delivery
  sent(['LA'], ARRIVAL - 80 * H); // not an alert
  received(ARRIVAL + H, travel); // after-arrival
  received(DEPARTURE_END, travel); // after-departure
  received(ARRIVAL - LEAD, travel); // timely, exactly the lead
  const byKey = new Map((await values('mx_alerts_delivered')).map((v) => [`${v.labels.direction} ${v.labels.class}`, v.value]));
  expect(Object.fromEntries(byKey)).toEqual({
    'sent timely': 1,
    'sent short-notice': 1,
    'sent after-arrival': 0,
    'sent after-departure': 0,
    'received timely': 1,
    'received short-notice': 0,
    'received after-arrival': 1,
    'received after-departure': 1,
  });
  db.close();
});
