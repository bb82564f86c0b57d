import type { MessageType } from '../schemas/registry.ts';

/**
 * The JWS `typ` of each message class. Verification pins the expected class, so a receipt or an
 * audit event can never be replayed as a notice (or the other way round).
 */
export const TYP_BY_CLASS = {
  notice: 'mx-notice+jws',
  receipt: 'mx-receipt+jws',
  audit: 'mx-audit+jws',
} as const;

/** A message class: notices (the four business types), receipts, audit events. */
export type EnvelopeClass = keyof typeof TYP_BY_CLASS;
/** One of the three `typ` values. */
export type EnvelopeTyp = (typeof TYP_BY_CLASS)[EnvelopeClass];

/** The class of every message type. */
export const CLASS_BY_TYPE = {
  'victim-repatriation-notice': 'notice',
  'repatriation-status-update': 'notice',
  'offender-travel-alert': 'notice',
  'offender-alert-response': 'notice',
  'offender-alert-withdrawal': 'notice',
  'delivery-receipt': 'receipt',
  'audit-event': 'audit',
} as const satisfies Record<MessageType, EnvelopeClass>;

/** The `typ` a document of `type` is signed with; undefined for a type outside the catalogue. */
export function typOfType(type: string): EnvelopeTyp | undefined {
  if (!Object.prototype.hasOwnProperty.call(CLASS_BY_TYPE, type)) return undefined;
  return TYP_BY_CLASS[CLASS_BY_TYPE[type as MessageType]];
}

/** Whether `value` is one of the three `typ` values. */
export function isEnvelopeTyp(value: unknown): value is EnvelopeTyp {
  return value === TYP_BY_CLASS.notice || value === TYP_BY_CLASS.receipt || value === TYP_BY_CLASS.audit;
}
