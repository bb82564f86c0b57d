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
