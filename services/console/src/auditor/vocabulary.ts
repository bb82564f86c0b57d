/**
 * The audit API's closed vocabularies as the auditor's filters offer them. Kept free of imports so
 * a unit test can hold them equal to the services' own lists (services/core: AUDIT_ACTIONS,
 * MESSAGE_TYPES): a new action or type on the server is then a failing test, not a missing filter.
 */
export const GATEWAYS = ['LA', 'TH', 'CN', 'INTERPOL'] as const;
/** The business message types (receipts and audit events are never an event's `messageType`). */
export const MESSAGE_TYPES = ['victim-repatriation-notice', 'repatriation-status-update', 'offender-travel-alert', 'offender-alert-response', 'offender-alert-withdrawal'] as const;
export const ACTIONS = ['submitted', 'rejected', 'published', 'delivered', 'receipt-received', 'read', 'accessed', 'responded', 'dead-lettered', 'key-rotated', 'heartbeat', 'escalated', 'withdrawn', 'corrected'] as const;
export const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
