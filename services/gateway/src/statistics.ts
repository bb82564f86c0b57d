/**
 * `GET /v1/statistics`: aggregate figures from the gateway's own store, for auditors and analysts
 * (A/HRC/40/51/Add.1 para 45: repatriation data disaggregated by age and sex). Every figure is a
 * count of messages, or a median or 90th percentile of durations, per calendar month of the message's
 * `issuedAt` (UTC). The README's "Statistics" section is the definition of each figure.
 *
 * Disclosure control, applied here and nowhere else:
 * - a count under {@link SUPPRESSION_THRESHOLD} (zero included) is shown as {@link SUPPRESSED_COUNT};
 * - a median or percentile of fewer than that many durations is {@link SUPPRESSED_FIGURE};
 * - every table is complete over its classes (each month x class combination is listed), so a
 *   suppressed zero cannot be told from a suppressed 1 to 4 by its absence;
 * - every figure belongs to one month and never to the requested range, so two overlapping
 *   requests cannot be subtracted to recover a suppressed cell; and no margin totals are given;
 * - only classes from closed enumerations appear: no id, case reference, name, date, document
 *   number, pseudonym or free text, ever.
 */
import type { components } from '../../../openapi/generated/gateway.ts';
import { alertTimeliness } from './lifecycle.ts';
import type { GatewayStore, NoticeFactsRow } from './store.ts';

export const SUPPRESSION_THRESHOLD = 5 as const;
export const SUPPRESSED_COUNT = '<5';
export const SUPPRESSED_FIGURE = 'suppressed';

export const AGE_BANDS = ['0-5', '6-11', '12-14', '15-17', 'unknown'] as const;
export const SEXES = ['female', 'male', 'unknown'] as const;
export const EXPLOITATION_FORMS = ['sexual', 'labour', 'forced-marriage', 'domestic-servitude', 'other'] as const;
export const CROSSINGS = ['nong-khai-vientiane', 'chong-mek-vang-tao', 'mukdahan-savannakhet', 'chiang-khong-huay-xai', 'boten-mohan', 'other', 'unknown'] as const;
export const REPATRIATION_STEPS = [
  'acknowledged',
  'identity-verified',
  'family-assessed',
  'handover-scheduled',
  'handover-completed',
  'placed-in-care',
  'reintegration-follow-up',
  'case-closed',
] as const;
export const TIMELINESS_CLASSES = ['timely', 'short-notice', 'after-arrival', 'after-departure', 'pending'] as const;
export const DIRECTIONS = ['sent', 'received'] as const;
/** Most months one request may cover: bounds the size of the complete tables. */
export const MAX_MONTHS = 12;

export type AgeBand = (typeof AGE_BANDS)[number];
export type Count = number | typeof SUPPRESSED_COUNT;
export type Figure = number | typeof SUPPRESSED_FIGURE;
type Direction = (typeof DIRECTIONS)[number];

const HOUR_MS = 3_600_000;

/** Whole years from `from` to `on` (both `YYYY-MM-DD`); a 29 February is reached on 1 March in other years. */
export function wholeYears(from: string, on: string): number {
  const years = Number(on.slice(0, 4)) - Number(from.slice(0, 4));
  return on.slice(5) < from.slice(5) ? years - 1 : years;
}

/** The band of an age in whole years; `unknown` for none, a negative age or 18 and over. */
export function ageBand(age: number | undefined): AgeBand {
  if (age === undefined || !Number.isInteger(age) || age < 0) return 'unknown';
  if (age <= 5) return '0-5';
  if (age <= 11) return '6-11';
  if (age <= 14) return '12-14';
  if (age <= 17) return '15-17';
  return 'unknown';
}

interface VictimChild {
  sex?: string;
  dateOfBirth?: string;
  estimatedAge?: { years: number; assessedOn: string };
}

/**
 * The child's age on the notice date (the UTC date of `issuedAt`): from the date of birth when
 * given; else the estimated years plus the whole years from the assessment to the notice date (an
 * assessment dated after the notice counts as made on it).
 */
export function ageAtNotice(child: VictimChild, noticeDate: string): number | undefined {
  if (child.dateOfBirth !== undefined) return wholeYears(child.dateOfBirth, noticeDate);
  if (child.estimatedAge !== undefined) return child.estimatedAge.years + Math.max(0, wholeYears(child.estimatedAge.assessedOn, noticeDate));
  return undefined;
}

/**
 * The statistical facts of a message, from its plaintext body (at submission, or after
 * decryption on receipt); undefined for a type statistics do not classify. Only classes leave
 * this function: the date of birth becomes an age band, a crossing its code.
 */
export function statisticalFacts(
  m: { from: string; id: string; direction: Direction; type: string; issuedAt: string; inReplyTo?: string | null | undefined },
  body: unknown,
): NoticeFactsRow | undefined {
  const base = {
    from_ep: m.from,
    message_id: m.id,
    direction: m.direction,
    type: m.type,
    month: m.issuedAt.slice(0, 7),
    issued_at: Date.parse(m.issuedAt),
    in_reply_to: m.inReplyTo ?? null,
    age_band: null,
    sex: null,
    forms_json: null,
    crossing: null,
    step: null,
    effective_at: null,
  };
  // Read defensively: this runs inside the commit that stores the message, so a body of a later
  // schema version with another shape must yield `unknown` classes, never fail the whole receipt.
  if (m.type === 'victim-repatriation-notice') {
    const b = body as { child?: VictimChild; exploitation?: { forms?: unknown }; handover?: { crossingPoint?: { code?: unknown } } } | undefined;
    const child = b?.child ?? {};
    const forms = Array.isArray(b?.exploitation?.forms) ? (b.exploitation.forms as unknown[]) : [];
    const crossing = b?.handover?.crossingPoint?.code;
    let age: number | undefined;
    try {
      age = ageAtNotice(child, m.issuedAt.slice(0, 10));
    } catch {
      age = undefined;
    }
    return {
      ...base,
      age_band: ageBand(age),
      sex: typeof child.sex === 'string' && (SEXES as readonly string[]).includes(child.sex) ? child.sex : 'unknown',
      forms_json: JSON.stringify(forms.filter((f): f is string => typeof f === 'string' && (EXPLOITATION_FORMS as readonly string[]).includes(f))),
      crossing: typeof crossing === 'string' && (CROSSINGS as readonly string[]).includes(crossing) ? crossing : 'unknown',
    };
  }
  if (m.type === 'repatriation-status-update') {
    const b = body as { status?: unknown; effectiveAt?: unknown } | undefined;
    const at = typeof b?.effectiveAt === 'string' ? Date.parse(b.effectiveAt) : NaN;
    if (typeof b?.status !== 'string' || !(REPATRIATION_STEPS as readonly string[]).includes(b.status) || Number.isNaN(at)) return undefined;
    return { ...base, step: b.status, effective_at: at };
  }
  return undefined;
}

/** A count as shown: itself from the threshold on, else the suppression marker. */
export function shownCount(n: number): Count {
  return n >= SUPPRESSION_THRESHOLD ? n : SUPPRESSED_COUNT;
}

/**
 * The nearest-rank `p`-quantile (0 < p <= 1) of `values`: the value at rank ceil(p x n) in
 * ascending order, so always one of the values (the median of 6 values is the 3rd).
 */
export function nearestRank(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
}

/** A quantile of durations (ms) in hours to one decimal, or suppressed when fewer than the threshold. */
export function shownQuantileHours(durationsMs: readonly number[], p: number): Figure {
  if (durationsMs.length < SUPPRESSION_THRESHOLD) return SUPPRESSED_FIGURE;
  return Math.round(nearestRank(durationsMs, p) / (HOUR_MS / 10)) / 10;
}

/** `YYYY-MM` of a valid month, or undefined. */
export function parseMonth(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || !/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(raw)) return undefined;
  return raw;
}

/** The month `n` months after `month` (before, for negative `n`). */
export function addMonths(month: string, n: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + n;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Every month from `from` to `to`, both included. */
export function monthsFrom(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to; m = addMonths(m, 1)) out.push(m);
  return out;
}

/** The JSON answer, as openapi/gateway.yaml defines it. */
export type Statistics = components['schemas']['Statistics'];
type DurationCell = Pick<NonNullable<Statistics['repatriationSteps']>[number], 'count' | 'medianHours' | 'p90Hours'>;

export interface StatisticsQuery {
  endpoint: string;
  from: string;
  to: string;
  now: Date;
  /** Whether this endpoint may hold victim data at all (never at the INTERPOL desk). */
  victimData: boolean;
  /** Every other endpoint the trust registry knows: the alert table lists each, with or without alerts. */
  counterparts: readonly string[];
  alertLeadMs: number;
}

function durationCell(durations: readonly number[]): DurationCell {
  return { count: shownCount(durations.length), medianHours: shownQuantileHours(durations, 0.5), p90Hours: shownQuantileHours(durations, 0.9) };
}

/** Groups values under a key, counting or collecting. */
class Tally<V> {
  private readonly map = new Map<string, V[]>();
  add(key: string, v: V): void {
    const list = this.map.get(key);
    if (list) list.push(v);
    else this.map.set(key, [v]);
  }
  get(key: string): V[] {
    return this.map.get(key) ?? [];
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
}

const key = (...parts: string[]): string => parts.join('\u0000');

/** The statistics of months `q.from`..`q.to` from the store, suppressed as the module says. */
export function computeStatistics(store: GatewayStore, q: StatisticsQuery): Statistics {
  const months = monthsFrom(q.from, q.to);
  const out: Statistics = {
    endpoint: q.endpoint,
    from: q.from,
    to: q.to,
    generatedAt: q.now.toISOString(),
    suppression: { threshold: SUPPRESSION_THRESHOLD, count: SUPPRESSED_COUNT, figure: SUPPRESSED_FIGURE },
    alertTimeliness: [],
    responseTimes: [],
  };

  if (q.victimData) {
    const notices = new Tally<1>();
    for (const r of store.victimNoticeClasses(q.from, q.to)) {
      // A notice with several forms counts once under each of them.
      for (const form of JSON.parse(r.forms_json) as string[]) notices.add(key(r.month, r.direction, r.age_band, r.sex, form, r.crossing), 1);
    }
    out.victimNotices = [];
    for (const month of months)
      for (const direction of DIRECTIONS)
        for (const ageBand of AGE_BANDS)
          for (const sex of SEXES)
            for (const exploitation of EXPLOITATION_FORMS)
              for (const crossing of CROSSINGS)
                out.victimNotices.push({ month, direction, ageBand, sex, exploitation, crossing, count: shownCount(notices.get(key(month, direction, ageBand, sex, exploitation, crossing)).length) });

    const steps = new Tally<number>();
    // An update effective before its notice was issued counts as 0: a step cannot precede the notice.
    for (const r of store.repatriationStepTimes(q.from, q.to)) steps.add(key(r.month, r.direction, r.step), Math.max(0, r.effective_at - r.issued_at));
    out.repatriationSteps = [];
    for (const month of months)
      for (const direction of DIRECTIONS)
        for (const step of REPATRIATION_STEPS) out.repatriationSteps.push({ month, direction, step, ...durationCell(steps.get(key(month, direction, step))) });
  }

  const alerts = new Tally<1>();
  for (const r of store.receivedAlertDeliveries(q.from, q.to)) {
    alerts.add(key(r.month, 'received', r.counterpart, alertTimeliness({ arrivalAt: r.arrival_at, departureAt: r.departure_at }, r.delivered_at, q.alertLeadMs)), 1);
  }
  for (const r of store.sentAlertDeliveries(q.from, q.to)) {
    // A rejected delivery has no class (as in the lifecycle): it is not counted.
    if (r.rejected_reason !== null) continue;
    const cls = r.delivered_at === null ? 'pending' : alertTimeliness({ arrivalAt: r.arrival_at, departureAt: r.departure_at }, r.delivered_at, q.alertLeadMs);
    alerts.add(key(r.month, 'sent', r.counterpart, cls), 1);
  }
  // Counterparts no longer in the trust registry still have their history listed.
  const seen = alerts.keys().map((k) => k.split('\u0000')[2]!);
  const counterparts = [...new Set([...q.counterparts, ...seen])].filter((e) => e !== q.endpoint).sort();
  for (const month of months)
    for (const direction of DIRECTIONS)
      for (const counterpart of counterparts)
        for (const timeliness of TIMELINESS_CLASSES) {
          // Nothing received is ever pending: that class exists only for what this endpoint sent.
          if (direction === 'received' && timeliness === 'pending') continue;
          out.alertTimeliness.push({ month, direction, counterpart, timeliness, count: shownCount(alerts.get(key(month, direction, counterpart, timeliness)).length) });
        }

  const types = q.victimData ? (['victim-repatriation-notice', 'offender-travel-alert'] as const) : (['offender-travel-alert'] as const);
  const responses = new Tally<number>();
  for (const r of store.answeredMessages(types, q.from, q.to)) responses.add(key(r.month, r.direction, r.type), Math.max(0, r.responded_at - r.received_at));
  for (const month of months)
    for (const direction of DIRECTIONS)
      for (const type of types) out.responseTimes.push({ month, direction, type, ...durationCell(responses.get(key(month, direction, type))) });
  return out;
}

/** The CSV columns, in order: one long table, each row of one `section`, columns that do not apply empty. */
export const CSV_COLUMNS = ['section', 'month', 'direction', 'counterpart', 'type', 'age_band', 'sex', 'exploitation', 'crossing', 'step', 'timeliness', 'count', 'median_hours', 'p90_hours'] as const;

/** RFC 4180 text (CRLF line ends, a header row); every value comes from a closed set or is a number. */
export function statisticsCsv(s: Statistics): string {
  type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string | number>>;
  const rows: Row[] = [];
  for (const c of s.victimNotices ?? []) rows.push({ section: 'victim-notices', month: c.month, direction: c.direction, age_band: c.ageBand, sex: c.sex, exploitation: c.exploitation, crossing: c.crossing, count: c.count });
  for (const c of s.repatriationSteps ?? []) rows.push({ section: 'repatriation-steps', month: c.month, direction: c.direction, step: c.step, count: c.count, median_hours: c.medianHours, p90_hours: c.p90Hours });
  for (const c of s.alertTimeliness) rows.push({ section: 'alert-timeliness', month: c.month, direction: c.direction, counterpart: c.counterpart, timeliness: c.timeliness, count: c.count });
  for (const c of s.responseTimes) rows.push({ section: 'response-times', month: c.month, direction: c.direction, type: c.type, count: c.count, median_hours: c.medianHours, p90_hours: c.p90Hours });
  const cell = (v: string | number | undefined): string => {
    const t = v === undefined ? '' : String(v);
    return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
  };
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
