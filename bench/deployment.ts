/**
 * What every part of the bench shares: one local deployment (keys, trust directory, dev identity
 * provider, data directories), the schema registry, and the one message all figures are measured
 * with: a signed victim-repatriation-notice from TH to LA whose body is the realistic test fixture.
 *
 * CN is in the deployment but runs no gateway: it signs the synthetic audit-event stream of the
 * audit ingest measurement, so that stream never collides with the sequence chains of TH and LA.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setupDeployment, type Deployment } from '../services/cli/src/deployment/setup.ts';
import { deploymentKafkaSecurity } from '../services/cli/src/deployment/kafka.ts';
import { ADMIN_PRINCIPAL, type KafkaClientSecurity } from '../services/core/src/kafka/security.ts';
import { signNotice } from '../services/core/src/envelope/sign.ts';
import { uuidv7 } from '../services/core/src/ids/uuidv7.ts';
import { bodySchemaId, SchemaRegistry } from '../services/core/src/schemas/registry.ts';
import { privateJwksPathOf } from '../services/core/src/trust/keygen.ts';
import { loadSigningKeys, type SigningKeyRing } from '../services/core/src/trust/signer.ts';
import { TrustRegistry } from '../services/core/src/trust/trust-registry.ts';

/** The realistic notice body (about 2 KB of JSON); read from the test fixture, never copied. */
export const NOTICE_BODY_FILE = new URL('../test/fixtures/documents/victim-repatriation-notice.json', import.meta.url);

export const SENDER = 'TH';
export const RECIPIENT = 'LA';
/** Signs the synthetic audit stream; no gateway runs for it. */
export const SYNTHETIC_AUDIT_ENDPOINT = 'CN';
export const BENCH_ENDPOINTS = [SENDER, RECIPIENT, SYNTHETIC_AUDIT_ENDPOINT] as const;

const DAY = 86_400_000;

export interface BenchDeployment {
  dep: Deployment;
  /** The Kafka admin principal's credentials (undefined on a PLAINTEXT cluster): raw baselines and the audit feed. */
  kafkaAdmin: KafkaClientSecurity | undefined;
  /** Prefix of every topic and consumer group of this run (several runs can share a broker). */
  topicPrefix: string;
  schemas: SchemaRegistry;
  trust: TrustRegistry;
  keys: Record<string, SigningKeyRing>;
  /** The notice body, parsed. */
  noticeBody: Record<string, unknown>;
  /** A signed notice TH -> LA with that body: the message of every baseline. */
  sampleRecord: Uint8Array;
  sampleDocument: NoticeDocumentShape;
}

/** The members of a notice document (the JSON Schema is the full shape). */
export interface NoticeDocumentShape {
  id: string;
  type: 'victim-repatriation-notice';
  schema: string;
  from: string;
  to: string[];
  issuedAt: string;
  expiresAt: string;
  caseRef: string;
  sender: { officer: string; agency: string };
  body: Record<string, unknown>;
}

/** A pseudonym of the same shape the gateway derives (HMAC of the subject, 32 base64url characters). */
export function benchPseudonym(subject: string): string {
  return createHmac('sha256', 'bench').update(subject).digest('base64url').slice(0, 32);
}

/** A victim notice document exactly as the gateway builds one on POST /v1/notices (sending.ts). */
export function noticeDocument(body: Record<string, unknown>, caseRef: string, now = new Date()): NoticeDocumentShape {
  return {
    id: uuidv7(now.getTime()),
    type: 'victim-repatriation-notice',
    schema: bodySchemaId('victim-repatriation-notice'),
    from: SENDER,
    to: [RECIPIENT],
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 30 * DAY).toISOString(),
    caseRef,
    sender: { officer: benchPseudonym('bench-officer@th'), agency: `${SENDER} liaison desk (bench)` },
    body,
  };
}

/** Keys, trust and data directories for TH, LA and CN under `dir`; the sample record. */
export async function prepareDeployment(dir: string, opts: { kafkaSecretsDir?: string } = {}): Promise<BenchDeployment> {
  const dep = await setupDeployment(dir, BENCH_ENDPOINTS, opts);
  const schemas = SchemaRegistry.load();
  const trust = await TrustRegistry.fromDirectory(dep.trustDir);
  const keys: Record<string, SigningKeyRing> = {};
  for (const e of BENCH_ENDPOINTS) keys[e] = await loadSigningKeys(privateJwksPathOf(dir, e));
  const noticeBody = JSON.parse(readFileSync(NOTICE_BODY_FILE, 'utf8')) as Record<string, unknown>;
  const sampleDocument = noticeDocument(noticeBody, `${SENDER}-2026-000001`);
  const issues = schemas.validateDocument(sampleDocument);
  if (issues.length > 0) throw new Error(`the bench notice does not satisfy the schemas: ${JSON.stringify(issues)}`);
  const sampleRecord = await signNotice(sampleDocument, keys[SENDER]!.current());
  return { dep, kafkaAdmin: deploymentKafkaSecurity(dep.kafkaSecretsDir, ADMIN_PRINCIPAL), topicPrefix: `bench-${randomBytes(4).toString('hex')}.`, schemas, trust, keys, noticeBody, sampleRecord, sampleDocument };
}

/** The file name of a gateway's store under its MX_DATA_DIR (services/gateway/src/gateway.ts). */
export const GATEWAY_DB_FILE = 'gateway.sqlite';
