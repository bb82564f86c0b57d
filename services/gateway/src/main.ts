/** The gateway program: one process per endpoint, configured by environment (see config.ts). */
import { loadGatewayConfig } from './config.ts';
import { createGateway } from './gateway.ts';

const cfg = loadGatewayConfig();
const gw = await createGateway(cfg);
const server = gw.app.listen(cfg.port, cfg.host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  gw.logger.info({ port }, `gateway ${cfg.endpoint} listening on http://${cfg.host}:${port}`);
  process.send?.({ ready: true, port });
});
await gw.start();

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    gw.logger.info({ signal: sig }, 'stopping: no more consuming, draining the outbox, closing the store');
    server.close();
    void gw.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        gw.logger.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  });
}
