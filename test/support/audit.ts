/**
 * The audit service in this test process (real SQLite file, real broker, HTTP on port 0), gateway
 * audit trails signed with real endpoint keys, and `mx audit verify` run against it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import type { AuditFact } from '../../services/core/src/audit/emitter.ts';
import { digestOf } from '../../services/core/src/envelope/digest.ts';
import { signNotice } from '../../services/core/src/envelope/sign.ts';
import { mintToken, type Role } from '../../services/core/src/idp/dev-idp.ts';
import { uuidv7 } from '../../services/core/src/ids/uuidv7.ts';
import { AUDIT_TOPIC_CONFIG, ensureTopics, RecordPublisher, topicNames, type IncomingRecord } from '../../services/core/src/kafka/transport.ts';
import { bodySchemaId, SchemaRegistry } from '../../services/core/src/schemas/registry.ts';
import { loadSigningKeys } from '../../services/core/src/trust/signer.ts';
import { generateEndpointKeys, privateJwksPathOf, publicJwksPathOf, type GeneratedKey } from '../../services/core/src/trust/keygen.ts';
import { ensureDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, readJson, writeFileAtomic } from '../../services/core/src/trust/files.ts';
import { REVOCATIONS_FILE, type RevocationList } from '../../services/core/src/trust/trust-registry.ts';
import { auditEnv, setupAudit, type AuditDeployment, type Deployment } from '../../services/cli/src/deployment/setup.ts';
import { AUDIT_AUDIENCE, loadAuditConfig } from '../../services/audit/src/config.ts';
import { createAuditService, type AuditService } from '../../services/audit/src/service.ts';
import { verifyAuditLog, verifyEvidenceBundle, type VerifyReport } from '../../services/cli/src/commands/audit-verify.ts';
import { provisionTestKafka, testBrokers, testDeployment, testKafka, uniqueName } from './kafka.ts';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { answerClientErrors } from '../../services/core/src/http/api.ts';
import { assertConforms } from './contract.ts';
import { bundleOpenApi } from '../../services/core/src/openapi/bundle.ts';
import { REPO_ROOT, SCHEMA_LOCATION } from '../../services/core/src/openapi/generate.ts';

const addFormats = addFormatsModule.default;
let contract: Ajv2020 | undefined;

/**
 * Problems of `body` against a schema of openapi/audit.yaml (`components.schemas.<name>`), as
 * `instancePath message` lines; empty when it conforms.
 */
export function contractProblems(name: string, body: unknown): string[] {
  if (contract === undefined) {
    contract = new Ajv2020({ strict: false, allErrors: true });
    addFormats(contract);
    contract.addSchema(bundleOpenApi(join(REPO_ROOT, 'openapi/audit.yaml'), SCHEMA_LOCATION), 'audit');
  }
  const validate = contract.getSchema(`audit#/components/schemas/${name}`) as ValidateFunction | undefined;
  if (validate === undefined) throw new Error(`no schema ${name} in openapi/audit.yaml`);
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

let sharedSchemas: SchemaRegistry | undefined;
export function schemas(): SchemaRegistry {
  sharedSchemas ??= SchemaRegistry.load();
  return sharedSchemas;
}

/** A deployment (gateway keys, trust dir, dev IdP) plus the audit service's keys. */
export async function auditDeployment(endpoints: string[] = ['LA', 'TH']): Promise<{ dep: Deployment; audit: AuditDeployment }> {
  const dep = await testDeployment('mx-audit-dep-', endpoints);
  return { dep, audit: await setupAudit(dep) };
}

export interface RunningAudit {
  service: AuditService;
  url: string;
  server: Server;
  /** Started consuming (false for a store opened only to serve its API). */
  consuming: boolean;
  token(roles?: Role[], endpoint?: string): Promise<string>;
  get(path: string, token?: string): Promise<{ status: number; body: any }>;
  /** `mx audit verify` against this service. */
  verify(opts?: { sample?: number; state?: string }): Promise<VerifyReport & { lines: string[] }>;
  stop(): Promise<void>;
}

export interface StartAuditOptions {
  prefix: string;
  dataDir?: string;
  /** Start the consumer and the checkpoint timer (default true). */
  consume?: boolean;
  env?: Record<string, string>;
}

/**
 * Starts an audit service of `dep` on the shared broker. By default checkpoints are only signed
 * when a test asks (`service.checkpointer.signNow()`), so tree sizes are deterministic.
 */
export async function startAudit(dep: Deployment, audit: AuditDeployment, o: StartAuditOptions): Promise<RunningAudit> {
  if (o.consume ?? true) await provisionTestKafka({ endpoints: dep.endpoints, topicPrefix: o.prefix, ...(o.env?.MX_AUDIT_CONSUMER_GROUP ? { auditGroup: o.env.MX_AUDIT_CONSUMER_GROUP } : {}) });
  const cfg = loadAuditConfig({
    ...auditEnv(dep, testBrokers(), { topicPrefix: o.prefix, dataDir: o.dataDir ?? audit.dataDir, checkpointEveryLeaves: 1_000_000, checkpointEverySeconds: 86_400 }),
    // Trust changes are seen within a second, so tests of them wait little.
    MX_TRUST_RELOAD_SECONDS: '1',
    ...o.env,
  });
  const service = await createAuditService(cfg, { logger: pino({ level: 'silent' }), schemas: schemas(), retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 300 }, sessionTimeoutMs: 6000 });
  const server = await new Promise<Server>((resolve) => {
    const s = service.app.listen(0, '127.0.0.1', () => resolve(s));
    answerClientErrors(s);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const consuming = o.consume ?? true;
  if (consuming) await service.start();
  const token = (roles: Role[] = ['auditor'], endpoint = dep.endpoints[0]!): Promise<string> =>
    mintToken(dep.idpPrivateJwks, { subject: `auditor@${endpoint}`, endpoint, agency: `${endpoint} audit office (test)`, roles, audience: AUDIT_AUDIENCE });
  let stopped = false;
  return {
    service,
    url,
    server,
    consuming,
    token,
    async get(path, tok) {
      const t = tok ?? (await token());
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${t}` } });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      // Every response a test sees is checked against the contract.
      assertConforms('audit', 'GET', path, res, body);
      return { status: res.status, body };
    },
    async verify(v = {}) {
      const lines: string[] = [];
      const report = await verifyAuditLog(
        { url, auditKey: audit.publicKeyFile, trust: dep.trustDir, token: await token(), ...(v.sample !== undefined ? { sample: v.sample } : {}), ...(v.state !== undefined ? { state: v.state } : {}) },
        { out: (l) => lines.push(l) },
      );
      return { ...report, lines };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (consuming) await service.stop();
      else service.store.db.close();
    },
  };
}

/** Verifies an evidence bundle file offline. */
export async function verifyBundle(file: string, dep: Deployment, audit: AuditDeployment): Promise<VerifyReport & { lines: string[] }> {
  const lines: string[] = [];
  const report = await verifyEvidenceBundle({ bundle: file, auditKey: audit.publicKeyFile, trust: dep.trustDir }, { out: (l) => lines.push(l) });
  return { ...report, lines };
}

/**
 * A gateway's audit trail, signed exactly as services/core/src/audit/emitter.ts signs it: seq from
 * 1, each event naming the digest of the one before.
 */
export class GatewayTrail {
  seq = 0;
  prev: string | null = null;
  private constructor(
    readonly endpoint: string,
    private signer: Awaited<ReturnType<typeof loadSigningKeys>>,
  ) {}

  static async of(dep: Deployment, endpoint: string): Promise<GatewayTrail> {
    return new GatewayTrail(endpoint, await loadSigningKeys(privateJwksPathOf(dep.dir, endpoint)));
  }

  /** Signs from now on with the keys of a private key file (after a rotation), the trail going on. */
  async useKeys(privateJwksPath: string): Promise<void> {
    this.signer = await loadSigningKeys(privateJwksPath);
  }

  /** A second holder of the same keys at the same point of the trail (a thief of the key). */
  fork(): GatewayTrail {
    const copy = new GatewayTrail(this.endpoint, this.signer);
    copy.seq = this.seq;
    copy.prev = this.prev;
    return copy;
  }

  /** The kid the next event is signed with. */
  kid(at = new Date()): string {
    return this.signer.current(at).kid;
  }

  /**
   * Signs the next event of the trail at `at` (its `issuedAt`); `recordedAt` is the event's
   * `body.at`, the time the fact was recorded, earlier when the event waited to be signed.
   */
  async next(fact: Partial<AuditFact> = {}, at = new Date(), recordedAt = at): Promise<Buffer> {
    const seq = this.seq + 1;
    const record = await this.sign(seq, this.prev, fact, at, recordedAt);
    this.seq = seq;
    this.prev = digestOf(record);
    return record;
  }

  /** Signs an event with any seq and prev (forks, broken links), without advancing the trail. */
  async sign(seq: number, prevDigest: string | null, fact: Partial<AuditFact> = {}, at = new Date(), recordedAt = at): Promise<Buffer> {
    const iso = at.toISOString();
    const document = {
      id: uuidv7(at.getTime()),
      type: 'audit-event',
      schema: bodySchemaId('audit-event'),
      from: this.endpoint,
      to: [this.endpoint],
      issuedAt: iso,
      expiresAt: new Date(at.getTime() + 30 * 86_400_000).toISOString(),
      sender: { officer: 'gatewayPseudonymForTests0', agency: `${this.endpoint} gateway (test)` },
      body: { seq, prevDigest, gateway: this.endpoint, action: 'published', messageId: uuidv7(at.getTime()), messageType: 'victim-repatriation-notice', ...fact, at: recordedAt.toISOString() },
    };
    return Buffer.from(await signNotice(document as never, this.signer.current(at)));
  }

  /** `count` next events. */
  async many(count: number, fact: Partial<AuditFact> = {}): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (let i = 0; i < count; i += 1) out.push(await this.next(fact));
    return out;
  }
}

/**
 * An operator's own copy of `endpoint`'s key files under a fresh directory, rotated there: the new
 * key exists (its holder may sign with it) but no trust directory has it until
 * {@link installTrustFile} copies the public file in.
 */
export async function rotateElsewhere(dep: Deployment, endpoint: string, dir: string): Promise<GeneratedKey> {
  await ensureDir(join(dir, 'private'), PRIVATE_DIR_MODE);
  await ensureDir(join(dir, 'trust'), 0o755);
  await writeFileAtomic(privateJwksPathOf(dir, endpoint), await readFile(privateJwksPathOf(dep.dir, endpoint), 'utf8'), PRIVATE_FILE_MODE);
  await copyFile(publicJwksPathOf(dep.dir, endpoint), publicJwksPathOf(dir, endpoint));
  await copyFile(join(dep.trustDir, REVOCATIONS_FILE), join(dir, 'trust', REVOCATIONS_FILE));
  return generateEndpointKeys(endpoint, dir);
}

/** Copies a public trust file into a trust directory as an operator would: whole, in one rename. */
export async function installTrustFile(file: string, trustDir: string): Promise<void> {
  await mkdir(trustDir, { recursive: true });
  await writeFileAtomic(join(trustDir, basename(file)), await readFile(file, 'utf8'), PUBLIC_FILE_MODE);
}

/** Adds a revocation to a trust directory's `revocations.json` (one atomic rename). */
export async function revokeKey(trustDir: string, kid: string, revokedAt: Date, reason = 'key-compromise'): Promise<void> {
  const path = join(trustDir, REVOCATIONS_FILE);
  const list = (await readJson(path)) as RevocationList;
  list.revoked.push({ kid, revokedAt: revokedAt.toISOString(), reason });
  await writeFileAtomic(path, `${JSON.stringify(list, null, 2)}\n`, PUBLIC_FILE_MODE);
}

/** Publishes records to `<prefix>mx.audit` keyed by gateway, as the gateways' outboxes do. */
export class AuditTopic {
  readonly topic: string;
  private readonly publisher: RecordPublisher;
  private readonly kafka;

  constructor(readonly prefix: string) {
    this.topic = topicNames(prefix).audit;
    this.kafka = testKafka(uniqueName('audit-test'), { retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 300 } });
    this.publisher = new RecordPublisher(this.kafka);
  }

  async create(partitions = 3): Promise<void> {
    await ensureTopics(this.kafka, [{ topic: this.topic, numPartitions: partitions, configEntries: AUDIT_TOPIC_CONFIG }]);
  }

  async publish(endpoint: string, records: readonly Uint8Array[]): Promise<void> {
    await this.publisher.publish([{ topic: this.topic, records: records.map((value) => ({ key: endpoint, value, headers: { 'mx-type': 'audit-event', 'mx-from': endpoint } })) }]);
  }

  async close(): Promise<void> {
    await this.publisher.close();
  }
}

/** A record as the consumer hands it over, for feeding the ingestor without the broker. */
export function incoming(value: Buffer, offset: number, topic = 'direct.mx.audit'): IncomingRecord {
  return { topic, partition: 0, offset: String(offset), timestamp: new Date(), key: null, value, headers: {} };
}

/** A fresh topic prefix. */
export function freshPrefix(): string {
  return `${uniqueName('a')}.`;
}
