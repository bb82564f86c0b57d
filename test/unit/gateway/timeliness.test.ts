/** Offender alert timeliness and escalation as pure functions: each class and its boundaries. */
import { alertTimeliness, escalationDue, predictedTimeliness, respondedBeforeArrival, travelColumns, travelWindow } from '../../../services/gateway/src/lifecycle.ts';

const H = 3_600_000;
const LEAD = 48 * H;
const ARRIVAL = Date.parse('2026-03-10T00:00:00Z');
const DEPARTURE_END = Date.parse('2026-03-15T00:00:00Z');

describe('travelWindow', () => {
  test('arrival at the start of its day UTC, departure at the end of its day', () => {
    expect(travelWindow('2026-03-10', '2026-03-14')).toEqual({ arrivalAt: ARRIVAL, departureAt: DEPARTURE_END });
    expect(travelWindow('2026-03-10')).toEqual({ arrivalAt: ARRIVAL, departureAt: null });
    expect(travelWindow('2026-03-10', null)).toEqual({ arrivalAt: ARRIVAL, departureAt: null });
  });

  test('travelColumns: only an offender alert carries them, from its plaintext travel', () => {
    expect(travelColumns('offender-travel-alert', { travel: { arrivalDate: '2026-03-10', expectedDepartureDate: '2026-03-14' } })).toEqual({ arrival_at: ARRIVAL, departure_at: DEPARTURE_END });
    expect(travelColumns('offender-travel-alert', { travel: { arrivalDate: '2026-03-10' } })).toEqual({ arrival_at: ARRIVAL, departure_at: null });
    expect(travelColumns('victim-repatriation-notice', { travel: { arrivalDate: '2026-03-10' } })).toEqual({ arrival_at: null, departure_at: null });
    expect(travelColumns('offender-travel-alert', undefined)).toEqual({ arrival_at: null, departure_at: null });
  });
});

describe('alertTimeliness', () => {
  const w = travelWindow('2026-03-10', '2026-03-14');

  test('timely: exactly the lead or more before arrival', () => {
    expect(alertTimeliness(w, ARRIVAL - 72 * H, LEAD)).toBe('timely');
    expect(alertTimeliness(w, ARRIVAL - LEAD, LEAD)).toBe('timely');
  });

  test('short-notice: one millisecond less than the lead, up to the last millisecond before arrival', () => {
    expect(alertTimeliness(w, ARRIVAL - LEAD + 1, LEAD)).toBe('short-notice');
    expect(alertTimeliness(w, ARRIVAL - 10 * H, LEAD)).toBe('short-notice');
    expect(alertTimeliness(w, ARRIVAL - 1, LEAD)).toBe('short-notice');
  });

  test('after-arrival: from the arrival instant until the end of the departure day', () => {
    expect(alertTimeliness(w, ARRIVAL, LEAD)).toBe('after-arrival');
    expect(alertTimeliness(w, DEPARTURE_END - 1, LEAD)).toBe('after-arrival');
  });

  test('after-departure: from the end of the departure day on', () => {
    expect(alertTimeliness(w, DEPARTURE_END, LEAD)).toBe('after-departure');
    expect(alertTimeliness(w, DEPARTURE_END + 30 * 24 * H, LEAD)).toBe('after-departure');
  });

  test('no departure date: after-arrival for good', () => {
    expect(alertTimeliness(travelWindow('2026-03-10'), ARRIVAL + 365 * 24 * H, LEAD)).toBe('after-arrival');
  });

  test('the lead is configurable', () => {
    expect(alertTimeliness(w, ARRIVAL - 10 * H, 6 * H)).toBe('timely');
  });

  test('an undelivered recipient is predicted as if delivered now', () => {
    expect(predictedTimeliness(w, ARRIVAL - 72 * H, LEAD)).toBe('timely');
    expect(predictedTimeliness(w, ARRIVAL + H, LEAD)).toBe('after-arrival');
  });
});

describe('respondedBeforeArrival', () => {
  const w = travelWindow('2026-03-10');
  test('strictly before the arrival instant', () => {
    expect(respondedBeforeArrival(w, ARRIVAL - 1)).toBe(true);
    expect(respondedBeforeArrival(w, ARRIVAL)).toBe(false);
    expect(respondedBeforeArrival(w, null)).toBe(false);
  });
});

describe('escalationDue', () => {
  const w = travelWindow('2026-03-10', '2026-03-14');
  const ESC = 24 * H;
  const open = { answered: false, escalated: false };

  test('due from arrival - 24 h on, not a millisecond before', () => {
    expect(escalationDue(w, ARRIVAL - ESC - 1, ESC, open)).toBe(false);
    expect(escalationDue(w, ARRIVAL - ESC, ESC, open)).toBe(true);
    expect(escalationDue(w, ARRIVAL + H, ESC, open)).toBe(true);
  });

  test('never once answered or already escalated', () => {
    expect(escalationDue(w, ARRIVAL, ESC, { answered: true, escalated: false })).toBe(false);
    expect(escalationDue(w, ARRIVAL, ESC, { answered: false, escalated: true })).toBe(false);
  });

  test('not after departure: nothing is left to act on', () => {
    expect(escalationDue(w, DEPARTURE_END - 1, ESC, open)).toBe(true);
    expect(escalationDue(w, DEPARTURE_END, ESC, open)).toBe(false);
    expect(escalationDue(travelWindow('2026-03-10'), ARRIVAL + 365 * 24 * H, ESC, open)).toBe(true);
  });
});
