/**
 * How long the envelope's cryptography takes, reported to whoever asks (the services' metrics):
 * each operation takes an optional {@link EnvelopeTimer}, so several gateways in one process each
 * count their own work.
 */
export type EnvelopeOperation = 'sign' | 'verify' | 'encrypt' | 'decrypt';

/** Told the duration of one operation, in seconds, whether it succeeded or failed. */
export type EnvelopeTimer = (operation: EnvelopeOperation, seconds: number) => void;

export async function timed<T>(timer: EnvelopeTimer | undefined, operation: EnvelopeOperation, run: () => Promise<T>): Promise<T> {
  if (timer === undefined) return run();
  const start = process.hrtime.bigint();
  try {
    return await run();
  } finally {
    timer(operation, Number(process.hrtime.bigint() - start) / 1e9);
  }
}
