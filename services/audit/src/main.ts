/** The audit service program, configured by environment (see config.ts). */
import { ownerOnlyUmask } from '../../core/src/fs/owner-only.ts';
import { answerClientErrors } from '../../core/src/http/api.ts';
import { assertReadableFiles, exitOnConfigurationError } from '../../core/src/config/settings.ts';
import { KeyFileError } from '../../core/src/trust/key-format.ts';
import { auditSettings, loadAuditConfig, type AuditConfig } from './config.ts';
import { createAuditService, type AuditService } from './service.ts';

// The store, its WAL and anything else this process writes: owner-only.
ownerOnlyUmask();
let cfg: AuditConfig;
let service: AuditService;
try {
  cfg = loadAuditConfig();
  assertReadableFiles(auditSettings, cfg, ['signingKey', 'pseudonymKeyFile', 'idpJwks', 'trustDir', 'kafkaSaslPasswordFile', 'kafkaCaFile']);
  service = await createAuditService(cfg);
} catch (err) {
  exitOnConfigurationError('audit service', err, [KeyFileError]);
}
const server = service.app.listen(cfg.port, cfg.host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  service.logger.info({ port }, `audit service listening on http://${cfg.host}:${port}`);
  process.send?.({ ready: true, port });
});
answerClientErrors(server);

// Registered before start(): a signal while it is still setting up (Kafka unreachable, the group
// coordinator loading) is a clean stop, not death by the signal's default action.
let stopping = false;
function shutdown(reason: string): void {
  if (stopping) return;
  stopping = true;
  service.logger.info({ reason }, 'stopping: no more consuming, finishing a checkpoint in progress, closing the store');
  server.close();
  void service.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      service.logger.error({ err }, 'unclean stop');
      process.exit(1);
    },
  );
}
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => shutdown(sig));
// Spawned with an IPC channel by a supervisor (the tests, the demo): when it is gone, do not linger.
if (process.send) process.on('disconnect', () => shutdown('supervisor disconnected'));

try {
  await service.start();
} catch (err) {
  // A stop during start-up closes what start() was still setting up: that is the stop, not a failure.
  if (!stopping) throw err;
}
