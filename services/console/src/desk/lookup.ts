import { api } from '../shared/api.ts';
import type { InboxPage, InboxSummary } from './types.ts';

/** Pages of the inbox searched for an id (200 each): far more than a desk keeps open. */
const MAX_PAGES = 5;
const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Every item of the desk's inbox of `type` (all types the desk may see when absent), oldest first.
 * The gateway lists only what the role may see, so this never contains a victim type.
 */
export async function listInbox(type?: string): Promise<InboxSummary[]> {
  const items: InboxSummary[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({ limit: '200' });
    if (type) q.set('type', type);
    if (cursor) q.set('cursor', cursor);
    const res: InboxPage = await api<InboxPage>(`/v1/inbox?${q}`);
    items.push(...res.items);
    cursor = res.nextCursor;
    if (!cursor) break;
  }
  return items;
}

/**
 * The inbox summary of `id`, or undefined. Pages look an id up here before asking for it, so an id
 * typed into the address bar that the desk may not see (a victim notice's, a random one) is never
 * requested at all: it is simply not found, the same for both.
 */
export async function findReceived(id: string): Promise<InboxSummary | undefined> {
  if (!MESSAGE_ID.test(id)) return undefined;
  return (await listInbox()).find((i) => i.id === id);
}
