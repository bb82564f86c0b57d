/** The audit service program, configured by environment (see config.ts). */
import { ownerOnlyUmask } from '../../core/src/fs/owner-only.ts';
import { serve } from '../../core/src/process/serve.ts';
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
  assertReadableFiles(auditSettings, cfg, ['signingKey', 'pseudonymKeyFile', 'idpJwks', 'trustDir', 'kafkaSaslPasswordFile', 'kafkaCaFile', 'metricsTokenFile']);
  service = await createAuditService(cfg);
} catch (err) {
  exitOnConfigurationError('audit service', err, [KeyFileError]);
}
await serve(service, { name: 'audit service', host: cfg.host, port: cfg.port, stopping: 'no more consuming, finishing a checkpoint in progress, closing the store' });
