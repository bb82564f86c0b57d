/** The audit service program, configured by environment (see config.ts). */
import { answerClientErrors } from '../../core/src/http/api.ts';
import { loadAuditConfig } from './config.ts';
import { createAuditService } from './service.ts';

const cfg = loadAuditConfig();
const service = await createAuditService(cfg);
const server = service.app.listen(cfg.port, cfg.host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  service.logger.info({ port }, `audit service listening on http://${cfg.host}:${port}`);
  process.send?.({ ready: true, port });
});
answerClientErrors(server);
await service.start();

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    service.logger.info({ signal: sig }, 'stopping: no more consuming, finishing a checkpoint in progress, closing the store');
    server.close();
    void service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        service.logger.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  });
}
