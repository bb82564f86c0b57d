import type { ValidationIssue } from '../schemas/registry.ts';
import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.ts';

/** Extra facts an {@link MxError} may carry. */
export interface MxErrorOptions {
  /** Field-level problems (schema validation); become problem+json `errors`. */
  issues?: readonly ValidationIssue[];
  /**
   * Set by envelope verification once a signature has verified: the endpoint that owns the key.
   * Only such a sender may be sent a rejection receipt.
   */
  verifiedSender?: string;
  /** The underlying error, kept for logs; never exposed in a problem document. */
  cause?: unknown;
}

/**
 * The one error type of the exchange: a catalogue {@link ErrorCode} with its HTTP status and
 * retriable flag. `message` is a short, data-free detail (it may reach a problem document);
 * never put personal data or message content in it.
 */
export class MxError extends Error {
  override readonly name = 'MxError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;
  readonly issues?: readonly ValidationIssue[];
  readonly verifiedSender?: string;

  constructor(code: ErrorCode, detail?: string, options: MxErrorOptions = {}) {
    const spec = ERROR_CATALOGUE[code];
    super(detail ?? spec.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = spec.status;
    this.retriable = spec.retriable;
    if (options.issues !== undefined) this.issues = options.issues;
    if (options.verifiedSender !== undefined) this.verifiedSender = options.verifiedSender;
  }
}

/** True when `err` is an {@link MxError}, optionally with the given code. */
export function isMxError(err: unknown, code?: ErrorCode): err is MxError {
  return err instanceof MxError && (code === undefined || err.code === code);
}
