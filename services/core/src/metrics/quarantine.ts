/** Records quarantined (dead-lettered) by reason code: the error catalogue's codes, a closed set. */
import { Counter, type Registry } from 'prom-client';
import { ERROR_CATALOGUE, isErrorCode } from '../errors/catalogue.ts';

export function quarantineMetrics(registry: Registry): (reason: string) => void {
  const c = new Counter({ name: 'mx_records_quarantined_total', help: 'Records from Kafka quarantined instead of accepted, by reason code', labelNames: ['reason'] as const, registers: [registry] });
  for (const reason of Object.keys(ERROR_CATALOGUE)) c.inc({ reason }, 0);
  // A code outside the catalogue never becomes a label value.
  return (reason) => c.inc({ reason: isErrorCode(reason) ? reason : 'INTERNAL' });
}
