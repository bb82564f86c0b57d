/**
 * The pure rules of GET /v1/statistics (services/gateway/src/statistics.ts): age on the notice
 * date and its band, nearest-rank quantiles, suppression, months; and the tables computed from a
 * real SQLite gateway store filled through the store API the send and receive paths use.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../services/core/src/store/sqlite.ts';
import {
  addMonths,
  ageAtNotice,
  ageBand,
  computeStatistics,
  CSV_COLUMNS,
  monthsFrom,
  nearestRank,
  parseMonth,
  shownCount,
  shownQuantileHours,
  statisticalFacts,
  statisticsCsv,
  wholeYears,
} from '../../../services/gateway/src/statistics.ts';
import { GatewayStore } from '../../../services/gateway/src/store.ts';
import { loadBody } from '../../fixtures/documents/index.ts';

const HOUR = 3_600_000;

test('whole years: a birthday not yet reached this year does not count; 29 February is reached on 1 March', () => {
  expect(wholeYears('2013-06-15', '2026-06-14')).toBe(12);
  expect(wholeYears('2013-06-15', '2026-06-15')).toBe(13);
  expect(wholeYears('2012-02-29', '2025-02-28')).toBe(12);
  expect(wholeYears('2012-02-29', '2025-03-01')).toBe(13);
  expect(wholeYears('2012-02-29', '2024-02-29')).toBe(12);
  expect(wholeYears('2027-01-01', '2026-12-01')).toBe(-1);
});

test('age bands at their edges, and unknown for no age, a birth after the notice, or 18 and over', () => {
  expect([0, 5, 6, 11, 12, 14, 15, 17].map(ageBand)).toEqual(['0-5', '0-5', '6-11', '6-11', '12-14', '12-14', '15-17', '15-17']);
  expect([undefined, -1, 18, 40].map(ageBand)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
});

test('age on the notice date: from the date of birth, else the estimate plus the whole years since it was made', () => {
  expect(ageAtNotice({ dateOfBirth: '2014-03-01' }, '2026-02-28')).toBe(11);
  expect(ageAtNotice({ estimatedAge: { years: 11, assessedOn: '2024-12-01' } }, '2026-12-01')).toBe(13);
  expect(ageAtNotice({ estimatedAge: { years: 11, assessedOn: '2025-12-02' } }, '2026-12-01')).toBe(11);
  // An assessment dated after the notice counts as made on the notice date.
  expect(ageAtNotice({ estimatedAge: { years: 9, assessedOn: '2028-01-01' } }, '2026-12-01')).toBe(9);
  expect(ageAtNotice({}, '2026-12-01')).toBeUndefined();
});

test('nearest-rank quantiles are always one of the values; fewer than 5 values are suppressed', () => {
  const six = [6, 1, 5, 2, 4, 3].map((h) => h * HOUR);
  expect(nearestRank(six, 0.5)).toBe(3 * HOUR);
  expect(nearestRank(six, 0.9)).toBe(6 * HOUR);
  expect(nearestRank([HOUR], 0.9)).toBe(HOUR);
  expect(shownQuantileHours(six, 0.5)).toBe(3);
  expect(shownQuantileHours([1.25 * HOUR, 2, 3, 4, 5].map((x) => x), 0.9)).toBe(1.3);
  expect(shownQuantileHours([1, 2, 3, 4].map((h) => h * HOUR), 0.5)).toBe('suppressed');
  expect(shownQuantileHours([], 0.5)).toBe('suppressed');
});

test('counts under 5, zero included, are "<5"', () => {
  expect([0, 1, 4, 5, 12].map(shownCount)).toEqual(['<5', '<5', '<5', 5, 12]);
});

test('months: parsed strictly, added across years, listed inclusively', () => {
  expect(['2026-12', '2026-00', '2026-13', '2026-1', '2026-12-01', 202612, undefined].map(parseMonth)).toEqual(['2026-12', undefined, undefined, undefined, undefined, undefined, undefined]);
  expect(addMonths('2026-12', 1)).toBe('2027-01');
  expect(addMonths('2026-01', -1)).toBe('2025-12');
  expect(addMonths('2026-12', -11)).toBe('2026-01');
  expect(monthsFrom('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
});

test('statistical facts keep classes only: no name, date of birth, document number, crossing name or free text', () => {
  const body = loadBody('victim-repatriation-notice');
  body.exploitation = { forms: ['forced-marriage', 'other'], otherDescription: 'Statsecret other means' };
  const facts = statisticalFacts({ from: 'TH', id: '01950c2a-6b3e-7c1d-8e2f-0123456789ab', direction: 'sent', type: 'victim-repatriation-notice', issuedAt: '2026-12-01T05:00:00.000Z' }, body)!;
  expect(facts).toMatchObject({ month: '2026-12', age_band: '15-17', sex: 'female', forms_json: '["forced-marriage","other"]', crossing: 'nong-khai-vientiane', step: null });
  const text = JSON.stringify(facts);
  for (const s of ['Testchild', 'TEST0000001', 'Friendship', 'Statsecret', '2026-02-22', 'Exampleic']) expect(text).not.toContain(s);
  const update = statisticalFacts({ from: 'LA', id: '01950c2a-6b3e-7c1d-8e2f-0123456789ac', direction: 'received', type: 'repatriation-status-update', issuedAt: '2026-12-02T05:00:00.000Z', inReplyTo: facts.message_id }, loadBody('repatriation-status-update'))!;
  expect(update).toMatchObject({ step: 'handover-scheduled', effective_at: Date.parse('2026-03-05T03:00:00.000Z'), in_reply_to: facts.message_id, age_band: null });
  expect(statisticalFacts({ from: 'LA', id: 'x', direction: 'sent', type: 'offender-travel-alert', issuedAt: '2026-12-01T00:00:00Z' }, loadBody('offender-travel-alert'))).toBeUndefined();
});

test('a body of another shape (a later schema version) gives unknown classes, never an error that would fail its receipt', () => {
  const m = { from: 'TH', id: '01950c2a-6b3e-7c1d-8e2f-0123456789ad', direction: 'received' as const, type: 'victim-repatriation-notice', issuedAt: '2026-12-01T05:00:00.000Z' };
  for (const body of [undefined, {}, { child: { dateOfBirth: 20130101, sex: 3 }, exploitation: { forms: 'sexual' }, handover: null }, { child: { estimatedAge: { years: 'ten' } } }]) {
    expect(statisticalFacts(m, body)).toMatchObject({ age_band: 'unknown', sex: 'unknown', forms_json: '[]', crossing: 'unknown' });
  }
  const update = { ...m, type: 'repatriation-status-update' };
  expect(statisticalFacts(update, { status: 'teleported', effectiveAt: '2026-12-01T00:00:00Z' })).toBeUndefined();
  expect(statisticalFacts(update, { status: 'acknowledged', effectiveAt: 'soon' })).toBeUndefined();
});

describe('tables from a store', () => {
  const store = new GatewayStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'mx-stats-')), 'gateway.sqlite')));
  let n = 0;
  const notice = (month: string, forms: string[], extra: Partial<{ sex: string; age_band: string; crossing: string; direction: 'sent' | 'received' }> = {}): string => {
    const id = `01950c2a-6b3e-7c1d-8e2f-${String(++n).padStart(12, '0')}`;
    store.insertNoticeFacts({ from_ep: 'TH', message_id: id, direction: 'received', type: 'victim-repatriation-notice', month, issued_at: Date.parse(`${month}-10T00:00:00Z`), in_reply_to: null, age_band: '12-14', sex: 'female', forms_json: JSON.stringify(forms), crossing: 'boten-mohan', step: null, effective_at: null, ...extra });
    return id;
  };
  const update = (noticeId: string, month: string, step: string, hours: number): void => {
    const id = `01950c2a-6b3e-7c1d-9e2f-${String(++n).padStart(12, '0')}`;
    store.insertNoticeFacts({ from_ep: 'LA', message_id: id, direction: 'sent', type: 'repatriation-status-update', month, issued_at: 0, in_reply_to: noticeId, age_band: null, sex: null, forms_json: null, crossing: null, step, effective_at: Date.parse(`${month}-10T00:00:00Z`) + hours * HOUR });
  };
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(notice('2026-11', ['sexual', 'labour']));
  ids.push(notice('2026-11', ['sexual'], { sex: 'male' }));
  for (const [i, id] of ids.entries()) {
    update(id, '2026-11', 'handover-completed', 10 * (i + 1));
    // A later report of the same step does not move it: the earliest effectiveAt counts.
    update(id, '2026-11', 'handover-completed', 1000);
  }
  update(ids[0]!, '2026-11', 'acknowledged', -5);
  const q = { endpoint: 'LA', from: '2026-10', to: '2026-11', now: new Date('2026-12-01T00:00:00Z'), victimData: true, counterparts: ['TH', 'INTERPOL', 'LA'], alertLeadMs: 48 * HOUR };

  test('a notice with several forms counts under each; tables are complete; only cells of 5 and over show a number', () => {
    const s = computeStatistics(store, q);
    expect(s.victimNotices).toHaveLength(2 * 2 * 5 * 3 * 5 * 7);
    const shown = s.victimNotices!.filter((c) => c.count !== '<5');
    expect(shown).toEqual([
      { month: '2026-11', direction: 'received', ageBand: '12-14', sex: 'female', exploitation: 'sexual', crossing: 'boten-mohan', count: 5 },
      { month: '2026-11', direction: 'received', ageBand: '12-14', sex: 'female', exploitation: 'labour', crossing: 'boten-mohan', count: 5 },
    ]);
    expect(s.repatriationSteps).toHaveLength(2 * 2 * 8);
    expect(s.repatriationSteps!.filter((c) => c.count !== '<5')).toEqual([{ month: '2026-11', direction: 'received', step: 'handover-completed', count: 6, medianHours: 30, p90Hours: 60 }]);
    expect(s.repatriationSteps!.find((c) => c.month === '2026-11' && c.direction === 'received' && c.step === 'acknowledged')).toEqual({ month: '2026-11', direction: 'received', step: 'acknowledged', count: '<5', medianHours: 'suppressed', p90Hours: 'suppressed' });
    // Counterparts are the others, listed whether or not they sent anything; nothing received is pending.
    expect([...new Set(s.alertTimeliness.map((c) => c.counterpart))]).toEqual(['INTERPOL', 'TH']);
    expect(s.alertTimeliness.filter((c) => c.direction === 'received' && c.timeliness === 'pending')).toEqual([]);
    expect(s.alertTimeliness).toHaveLength(2 * 2 * 5 + 2 * 2 * 4);
  });

  test('a figure belongs to its month, whatever range is asked for', () => {
    const one = computeStatistics(store, { ...q, from: '2026-11', to: '2026-11' });
    const two = computeStatistics(store, q);
    expect(one.victimNotices).toEqual(two.victimNotices!.filter((c) => c.month === '2026-11'));
    expect(one.repatriationSteps).toEqual(two.repatriationSteps!.filter((c) => c.month === '2026-11'));
  });

  test('without victim data (the INTERPOL desk) only the alert tables are present', () => {
    const s = computeStatistics(store, { ...q, victimData: false });
    expect(s.victimNotices).toBeUndefined();
    expect(s.repatriationSteps).toBeUndefined();
    expect(new Set(s.responseTimes.map((r) => r.type))).toEqual(new Set(['offender-travel-alert']));
  });

  test('CSV: the header, one row per cell, the same figures', () => {
    const s = computeStatistics(store, q);
    const lines = statisticsCsv(s).split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(1 + s.victimNotices!.length + s.repatriationSteps!.length + s.alertTimeliness.length + s.responseTimes.length);
    for (const l of lines) expect(l.split(',')).toHaveLength(CSV_COLUMNS.length);
    expect(lines).toContain('victim-notices,2026-11,received,,,12-14,female,labour,boten-mohan,,,5,,');
    expect(lines).toContain('repatriation-steps,2026-11,received,,,,,,,handover-completed,,6,30,60');
    expect(lines).toContain('repatriation-steps,2026-11,received,,,,,,,acknowledged,,<5,suppressed,suppressed');
  });
});
