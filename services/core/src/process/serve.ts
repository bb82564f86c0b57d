/**
 * What both service programs do once built: listen, report `{ ready, port }` to a supervisor over
 * IPC, start, and stop cleanly on SIGTERM/SIGINT or when the supervisor goes away.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { answerClientErrors } from '../http/api.ts';

export interface Service {
  app: { listen(port: number, host: string, callback: () => void): Server };
  logger: Logger;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs `service` until a stop is asked for; `stopping` names what a stop does, for the log. */
export async function serve(service: Service, o: { name: string; host: string; port: number; stopping: string }): Promise<void> {
  const server = service.app.listen(o.port, o.host, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : o.port;
    service.logger.info({ port }, `${o.name} listening on http://${o.host}:${port}`);
    process.send?.({ ready: true, port });
  });
  answerClientErrors(server);

  let stopping = false;
  const shutdown = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    service.logger.info({ reason }, `stopping: ${o.stopping}`);
    server.close();
    void service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        service.logger.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  // Registered before start(): a stop asked for while Kafka is still unreachable (or the group
  // coordinator loading) is a clean stop, not death by the signal's default action.
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => shutdown(sig));
  // Spawned with an IPC channel by a supervisor (the tests, the demo): when it is gone, do not linger.
  if (process.send) process.on('disconnect', () => shutdown('supervisor disconnected'));

  try {
    await service.start();
  } catch (err) {
    // A stop during start-up closes what start() was still setting up: that is the stop, not a failure.
    if (!stopping) throw err;
  }
}
