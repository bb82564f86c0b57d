/** Durations of the envelope's sign, verify, encrypt and decrypt operations (label: the operation only). */
import { Histogram, type Registry } from 'prom-client';
import type { EnvelopeTimer } from '../envelope/timing.ts';

export function envelopeMetrics(registry: Registry): EnvelopeTimer {
  const h = new Histogram({
    name: 'mx_envelope_operation_duration_seconds',
    help: 'Duration of envelope cryptography by operation (sign, verify, encrypt, decrypt; verify includes the decryption it does)',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  // Every operation is present from the start, so a dashboard sees zero rather than nothing.
  for (const operation of ['sign', 'verify', 'encrypt', 'decrypt']) h.zero({ operation });
  return (operation, seconds) => h.observe({ operation }, seconds);
}
