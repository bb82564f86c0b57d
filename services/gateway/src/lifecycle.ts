/**
 * Lifecycle states, as pure functions of the stored facts: the state of a received message in the
 * inbox, and the status of a sent message over its recipients. The API and its filters use these
 * definitions, and unit tests pin them down.
 */

/** A received message is in exactly one state: answered beats opened beats neither. */
export type InboxStatus = 'unread' | 'read' | 'responded';

export function inboxStatus(row: { read_at: number | null; response_ids: string }): InboxStatus {
  return row.response_ids !== '[]' ? 'responded' : row.read_at !== null ? 'read' : 'unread';
}

/** What a sender knows of one recipient. */
export interface RecipientProgress {
  published: boolean;
  delivered: boolean;
  rejected?: boolean;
  read: boolean;
  responded: boolean;
}

const STAGES = ['queued', 'published', 'delivered', 'read', 'responded'] as const;
export type SentStatus = (typeof STAGES)[number] | 'rejected';

function stage(r: RecipientProgress): number {
  return r.responded ? 4 : r.read ? 3 : r.delivered ? 2 : r.published ? 1 : 0;
}

/**
 * A sent message's status: `rejected` when any recipient rejected it, else the stage every
 * recipient has reached (the least advanced one decides).
 */
export function sentStatus(recipients: readonly RecipientProgress[]): SentStatus {
  if (recipients.some((r) => r.rejected)) return 'rejected';
  if (recipients.length === 0) return 'queued';
  return STAGES[Math.min(...recipients.map(stage))]!;
}

/** No receipt yet, `overdueAfterMs` after publication (or after queueing, while unpublished). */
export function isOverdue(r: { delivered_at: number | null; published_at: number | null }, createdAt: number, nowMs: number, overdueAfterMs: number): boolean {
  return r.delivered_at === null && nowMs - (r.published_at ?? createdAt) > overdueAfterMs;
}

/**
 * How timely an offender alert reached one recipient, judged against the travel it warns of.
 * `pending`: not delivered yet (see {@link predictedTimeliness} for what it would be now).
 */
export type AlertTimeliness = 'timely' | 'short-notice' | 'after-arrival' | 'after-departure';

const DAY_MS = 86_400_000;

/** The travel an alert warns of, as instants (epoch ms). */
export interface TravelWindow {
  arrivalAt: number;
  /** Absent when the alert gives no expected departure date. */
  departureAt: number | null;
}

/**
 * An alert's dates as instants. Only a date is known, so arrival is taken at the start of its
 * day (00:00 UTC), the earliest the subject can be there: a border desk must be ready by then.
 * Departure is taken at the end of its day (00:00 UTC of the next day): until the day is over
 * the subject may still be in the country, so an alert delivered that day is still of use.
 */
export function travelWindow(arrivalDate: string, departureDate?: string | null): TravelWindow {
  return { arrivalAt: Date.parse(`${arrivalDate}T00:00:00Z`), departureAt: departureDate ? Date.parse(`${departureDate}T00:00:00Z`) + DAY_MS : null };
}

/**
 * The class of a delivery at `deliveredAt`: `timely` with at least `leadMs` to spare before
 * arrival, `short-notice` before arrival with less, `after-arrival` from arrival on (until
 * departure, or for good when no departure is known), `after-departure` from departure on.
 */
export function alertTimeliness(travel: TravelWindow, deliveredAt: number, leadMs: number): AlertTimeliness {
  if (travel.departureAt !== null && deliveredAt >= travel.departureAt) return 'after-departure';
  if (deliveredAt >= travel.arrivalAt) return 'after-arrival';
  return travel.arrivalAt - deliveredAt >= leadMs ? 'timely' : 'short-notice';
}

/**
 * For a recipient with no delivery receipt yet: the best class it can still get, i.e. the class
 * of a delivery right now (it can only get worse as time passes).
 */
export function predictedTimeliness(travel: TravelWindow, nowMs: number, leadMs: number): AlertTimeliness {
  return alertTimeliness(travel, nowMs, leadMs);
}

/** Whether a response that came at `respondedAt` (null: none yet) came strictly before arrival. */
export function respondedBeforeArrival(travel: TravelWindow, respondedAt: number | null): boolean {
  return respondedAt !== null && respondedAt < travel.arrivalAt;
}

/**
 * An alert unanswered `escalateMs` before arrival is escalated, once. After departure there is
 * nothing left to act on, so an alert still unanswered then is not escalated any more.
 */
export function escalationDue(travel: TravelWindow, nowMs: number, escalateMs: number, state: { answered: boolean; escalated: boolean }): boolean {
  if (state.answered || state.escalated) return false;
  if (travel.departureAt !== null && nowMs >= travel.departureAt) return false;
  return nowMs >= travel.arrivalAt - escalateMs;
}

/**
 * The travel dates of an offender alert as columns (lifecycle.ts travelWindow), taken from the
 * plaintext body: the store keeps only the ciphertext, and these dates are metadata, not identity.
 */
export function travelColumns(type: string, body: unknown): { arrival_at: number | null; departure_at: number | null } {
  const travel = type === 'offender-travel-alert' ? (body as { travel?: { arrivalDate?: string; expectedDepartureDate?: string } } | undefined)?.travel : undefined;
  if (travel?.arrivalDate === undefined) return { arrival_at: null, departure_at: null };
  const w = travelWindow(travel.arrivalDate, travel.expectedDepartureDate);
  return { arrival_at: w.arrivalAt, departure_at: w.departureAt };
}
