/** The API shapes the desk reads, from the generated OpenAPI and JSON Schema types (never restated by hand). */
import type { components } from '../../../../openapi/generated/gateway.ts';

export type { OffenderTravelAlert, OffenderAlertResponse, MultilingualName } from '../../../core/src/schemas/types.generated.ts';

type Schemas = components['schemas'];
export type InboxSummary = Schemas['InboxSummary'] & Schemas['InboxFields'];
export type InboxPage = { items: InboxSummary[]; nextCursor: string | null };
export type InboxItem = InboxSummary & { document: Schemas['NoticeDocument'] };
export type MessageLifecycle = Schemas['MessageLifecycle'];
export type RecipientLifecycle = Schemas['RecipientLifecycle'];
export type AlertTimeliness = Schemas['AlertTravel'] & { timeliness: 'timely' | 'short-notice' | 'after-arrival' | 'after-departure' | 'pending'; predicted?: string; respondedBeforeArrival: boolean };
export type InboxEvent = Schemas['InboxEvent'];
export type SubmitAccepted = Schemas['SubmitAccepted'];

/** The only message types the desk ever renders; anything else is treated as not found. */
export const DESK_TYPES: readonly string[] = ['offender-travel-alert', 'offender-alert-response'];
export type GatewayStatus = components['schemas']['GatewayStatus'];
