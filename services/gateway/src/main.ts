/** The gateway program: one process per endpoint, configured by environment (see config.ts). */
import { ownerOnlyUmask } from '../../core/src/fs/owner-only.ts';
import { answerClientErrors } from '../../core/src/http/api.ts';
import { assertReadableFiles, exitOnConfigurationError } from '../../core/src/config/settings.ts';
import { KeyFileError } from '../../core/src/trust/key-format.ts';
import { gatewaySettings, loadGatewayConfig, type GatewayConfig } from './config.ts';
import { createGateway, type Gateway } from './gateway.ts';
import { PolicyError } from './policy.ts';

// The store, its WAL and anything else this process writes: owner-only.
ownerOnlyUmask();
let cfg: GatewayConfig;
let gw: Gateway;
try {
  cfg = loadGatewayConfig();
  assertReadableFiles(gatewaySettings, cfg, ['privateKeys', 'pseudonymKeyFile', 'idpJwks', 'routingPolicy', 'trustDir', 'kafkaSaslPasswordFile', 'kafkaCaFile']);
  gw = await createGateway(cfg);
} catch (err) {
  exitOnConfigurationError('gateway', err, [PolicyError, KeyFileError]);
}
const server = gw.app.listen(cfg.port, cfg.host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  gw.logger.info({ port }, `gateway ${cfg.endpoint} listening on http://${cfg.host}:${port}`);
  process.send?.({ ready: true, port });
});
answerClientErrors(server);

let stopping = false;
function shutdown(reason: string): void {
  if (stopping) return;
  stopping = true;
  gw.logger.info({ reason }, 'stopping: no more consuming, draining the outbox, closing the store');
  server.close();
  void gw.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      gw.logger.error({ err }, 'unclean stop');
      process.exit(1);
    },
  );
}
// Registered before start(): a stop asked for while Kafka is still unreachable is a clean stop too.
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => shutdown(sig));
// Spawned with an IPC channel by a supervisor (the tests, the demo): when it is gone, do not linger.
if (process.send) process.on('disconnect', () => shutdown('supervisor disconnected'));

try {
  await gw.start();
} catch (err) {
  // A stop during start-up closes what start() was still setting up: that is the stop, not a failure.
  if (!stopping) throw err;
}
