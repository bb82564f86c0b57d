import { createHash } from 'node:crypto';

/**
 * SHA-256 of the exact record bytes, base64url without padding. Since a message has one
 * canonical byte form, this digest identifies it everywhere (receipts, audit events, DLQ).
 */
export function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url');
}
