/**
 * pino, used directly. Redaction is a second line of defence: message bodies and documents are
 * never passed to a logger in the first place.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

/** Paths that could hold personal data or secrets if someone ever logged an object carrying them. */
export const REDACT_PATHS = [
  'body',
  '*.body',
  'document',
  '*.document',
  'encryptedBody',
  '*.encryptedBody',
  'record',
  '*.record',
  'value',
  '*.value',
  'req.headers.authorization',
  'headers.authorization',
  'token',
  '*.token',
  'privateKey',
  '*.privateKey',
  'd',
  '*.d',
];

export function createLogger(bindings: Record<string, string>, opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.MX_LOG_LEVEL ?? 'info',
      base: bindings,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}

export type { Logger };
