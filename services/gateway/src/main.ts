/** The gateway program: one process per endpoint, configured by environment (see config.ts). */
import { ownerOnlyUmask } from '../../core/src/fs/owner-only.ts';
import { serve } from '../../core/src/process/serve.ts';
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
  assertReadableFiles(gatewaySettings, cfg, ['privateKeys', 'pseudonymKeyFile', 'idpJwks', 'routingPolicy', 'trustDir', 'kafkaSaslPasswordFile', 'kafkaCaFile', 'metricsTokenFile']);
  gw = await createGateway(cfg);
} catch (err) {
  exitOnConfigurationError('gateway', err, [PolicyError, KeyFileError]);
}
await serve(gw, { name: `gateway ${cfg.endpoint}`, host: cfg.host, port: cfg.port, stopping: 'no more consuming, draining the outbox, closing the store' });
