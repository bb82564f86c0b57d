/** Test helpers for the shared broker: its address and a unique name per test. */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

export function testBrokers(): string[] {
  const list = process.env.KAFKA_BROKERS;
  if (!list) throw new Error('KAFKA_BROKERS is not set: the jest global set-up starts a broker and sets it');
  return list.split(',');
}

/** A fresh topic or group name, so tests never see each other's records. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves once nothing accepts connections on `address` (host:port) any more. */
export async function portClosed(address: string): Promise<void> {
  const [host, port] = address.split(':');
  await eventually(
    () =>
      new Promise<true | undefined>((resolve) => {
        const s = connect(Number(port), host!);
        s.once('connect', () => (s.destroy(), resolve(undefined)));
        s.once('error', () => resolve(true));
      }),
    20_000,
    'the broker port to close',
  );
}
