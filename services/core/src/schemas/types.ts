/**
 * TypeScript types of the notice documents. The shapes are generated from the JSON Schemas
 * (`types.generated.ts`); this module only ties each message type to its body type.
 * Conditional rules (exactly one of body/encryptedBody, reasonCode when rejected, ...) live in the
 * schemas only: a value of these types is not proven valid until `SchemaRegistry` says so.
 */
import type { MessageType } from './registry.ts';
import type {
  AuditEvent,
  DeliveryReceipt,
  NoticeEnvelope,
  OffenderAlertResponse,
  OffenderTravelAlert,
  RepatriationStatusUpdate,
  OffenderAlertWithdrawal,
  VictimRepatriationNotice,
} from './types.generated.ts';

export type * from './types.generated.ts';
export type { MessageType } from './registry.ts';

/** The body type of each message type. */
export interface BodyByType {
  'victim-repatriation-notice': VictimRepatriationNotice;
  'repatriation-status-update': RepatriationStatusUpdate;
  'offender-travel-alert': OffenderTravelAlert;
  'offender-alert-response': OffenderAlertResponse;
  'offender-alert-withdrawal': OffenderAlertWithdrawal;
  'delivery-receipt': DeliveryReceipt;
  'audit-event': AuditEvent;
}

/** Any message body. */
export type NoticeBody = BodyByType[MessageType];

/**
 * A notice document (the JWS payload) whose body has the type of its `type`.
 * Without a type argument it is the union over every message type, discriminated by `type`.
 */
export type NoticeDocument<T extends MessageType = MessageType> = T extends MessageType
  ? Omit<NoticeEnvelope, 'type' | 'body'> & { type: T; body?: BodyByType[T] }
  : never;
