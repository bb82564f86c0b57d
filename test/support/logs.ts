/** A real pino logger whose JSON lines a test reads back (parsed), as the services write them. */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export interface CapturedLog {
  logger: Logger;
  /** Every line so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Every line so far, as written. */
  text(): string;
}

export function captureLog(level = 'info'): CapturedLog {
  const raw: string[] = [];
  const logger = pino({ level }, new Writable({ write(chunk, _enc, cb) { raw.push(String(chunk)); cb(); } }));
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>), text: () => raw.join('') };
}
