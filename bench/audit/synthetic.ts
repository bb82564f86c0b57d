/**
 * A synthetic but genuine audit trail: `n` lifecycle audit events (plus whatever the emitter adds
 * by itself, such as its key announcement) signed by the project's own AuditEmitter
 * with an endpoint key of the deployment (CN, which runs no gateway), so each carries a valid
 * signature, a gap-free `seq` and the digest of its predecessor, exactly as a gateway emits them.
 */
import { AuditEmitter, type AuditFact } from '../../services/core/src/audit/emitter.ts';
import { digestOf } from '../../services/core/src/envelope/digest.ts';
import { uuidv7 } from '../../services/core/src/ids/uuidv7.ts';
import { Outbox } from '../../services/core/src/outbox/outbox.ts';
import { openDatabase } from '../../services/core/src/store/sqlite.ts';
import { benchPseudonym, type BenchDeployment } from '../deployment.ts';

export async function signAuditChain(b: BenchDeployment, endpoint: string, n: number): Promise<Buffer[]> {
  const db = openDatabase(':memory:');
  try {
    const outbox = new Outbox(db);
    const keys = b.keys[endpoint];
    if (!keys) throw new Error(`no keys of ${endpoint} in the bench deployment`);
    const emitter = new AuditEmitter(db, outbox, {
      endpoint,
      topic: 'unused',
      agency: `${endpoint} liaison desk (bench)`,
      officer: benchPseudonym(`gateway:${endpoint}`),
      signer: () => keys.current(),
    });
    const actions: AuditFact['action'][] = ['submitted', 'published', 'delivered', 'receipt-received'];
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const messageId = uuidv7();
        emitter.record({
          action: actions[i % actions.length]!,
          messageId,
          messageType: 'victim-repatriation-notice',
          messageDigest: digestOf(Buffer.from(messageId)),
          counterpart: 'LA',
        });
      }
    })();
    await emitter.flush();
    // The emitter may add events of its own (it announces its signing key first): all are kept.
    const rows = db.prepare("SELECT value FROM outbox WHERE kind = 'audit' ORDER BY id").all() as { value: Buffer }[];
    if (rows.length < n) throw new Error(`signed ${rows.length} of ${n} synthetic audit events`);
    return rows.map((r) => r.value);
  } finally {
    db.close();
  }
}
