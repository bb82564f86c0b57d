/**
 * Helpers for the gateway acceptance tests that go under the HTTP API: records signed with an
 * endpoint's real key (or a rogue one) and written straight onto a topic, topic taps that read
 * what the gateways wrote (inbox receipts, dead-letter entries), and officer tokens made wrong on
 * purpose. Everything is real: jose signatures, the shared Kafka broker, the gateways' SQLite.
 */
import { FlattenedSign, SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { digestOf } from '../../services/core/src/envelope/digest.ts';
import { serializeJws } from '../../services/core/src/envelope/canonical.ts';
import { ed25519Sign } from '../../services/core/src/envelope/ed25519.ts';
import { encryptBody, requiresEncryption } from '../../services/core/src/envelope/encrypt.ts';
import { signNotice, type EnvelopeFields } from '../../services/core/src/envelope/sign.ts';
import { TYP_BY_CLASS, type EnvelopeTyp } from '../../services/core/src/envelope/typ.ts';
import { verifyNotice } from '../../services/core/src/envelope/verify.ts';
import { DEV_IDP_ISSUER, gatewayAudience, type Role } from '../../services/core/src/idp/dev-idp.ts';
import { createKafka, RecordConsumer, RecordPublisher, type IncomingRecord } from '../../services/core/src/kafka/transport.ts';
import { SchemaRegistry } from '../../services/core/src/schemas/registry.ts';
import { privateJwksPathOf } from '../../services/core/src/trust/keygen.ts';
import { loadSigningKeys, type Signer } from '../../services/core/src/trust/signer.ts';
import { TrustRegistry } from '../../services/core/src/trust/trust-registry.ts';
import type { Cluster } from './gateways.ts';
import { eventually, testKafka, uniqueName } from './kafka.ts';

/**
 * Strings of the document fixtures that are a child's or an offender's personal data. None of them
 * may ever appear in a dead-letter entry, an error response or anything an auditor is shown.
 */
export const PERSONAL_FIXTURE_STRINGS = [
  'Testchild',
  'Examplevong',
  'ເດັກ ຕົວຢ່າງ',
  'เด็ก ตัวอย่าง',
  'TEST0000001',
  'untreated injury',
  'go back to school',
  'Fakename',
  'เฟคเนม',
  'TEST00000',
  'guesthouse staff',
];

/** Fails when any personal fixture string occurs in `text`. */
export function expectNoPersonalData(text: string): void {
  for (const s of PERSONAL_FIXTURE_STRINGS) expect({ leaked: s, found: text.includes(s) }).toEqual({ leaked: s, found: false });
}

const rings = new Map<string, Promise<Signer>>();

/** The current signing key of `endpoint` in the cluster's deployment (its real private key). */
export function realSigner(c: Cluster, endpoint: string): Promise<Signer> {
  const path = privateJwksPathOf(c.dep.dir, endpoint);
  let s = rings.get(path);
  if (!s) {
    s = loadSigningKeys(path).then((ring) => ring.current());
    rings.set(path, s);
  }
  return s;
}

/**
 * Signs `doc` the way a gateway does (signNotice: canonical form, typ from the type). A clear
 * `body` of a business type is first encrypted to each endpoint in `to` (their newest active keys
 * in the deployment's trust registry), as a gateway does; `{ clear: true }` keeps it in clear.
 */
export async function signAs(c: Cluster, endpoint: string, doc: EnvelopeFields, options: { clear?: boolean } = {}): Promise<Buffer> {
  return Buffer.from(await signNotice(options.clear ? doc : await encryptAs(c, doc), await realSigner(c, endpoint)));
}

/** `doc` with its clear body of a business type replaced by `encryptedBody` to its `to` (unchanged otherwise). */
export async function encryptAs<D extends EnvelopeFields>(c: Cluster, doc: D, to: readonly string[] = doc.to): Promise<D> {
  const d = doc as D & { body?: unknown; schema: string };
  if (d.body === undefined || !requiresEncryption(d.type)) return doc;
  const trust = await trustOf(c);
  const now = new Date();
  const recipients = to.map((e) => {
    const k = trust.currentEncryptionKey(e, now);
    if (k === undefined) throw new Error(`no encryption key for ${e}`);
    return { endpoint: e, kid: k.kid, key: k.key };
  });
  const { body, ...rest } = d;
  return { ...rest, encryptedBody: await encryptBody(body, { id: d.id, from: d.from, type: d.type, schema: d.schema }, recipients) } as unknown as D;
}

/**
 * Signs any payload with a signer, bypassing signNotice's refusals: a schema-invalid document
 * still gets a valid signature in canonical form.
 */
export async function signRaw(signer: Signer, payload: unknown, typ: EnvelopeTyp = TYP_BY_CLASS.notice): Promise<Buffer> {
  const jws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', kid: signer.kid, typ }).sign(signer.privateKey);
  return Buffer.from(serializeJws({ protected: jws.protected!, payload: jws.payload, signature: jws.signature }));
}

/** A freshly generated key that claims to be `endpoint`'s but is in no trust registry. */
export async function rogueSigner(endpoint: string): Promise<Signer> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const keyObject = KeyObject.from(privateKey);
  return { endpoint, kid: `${endpoint}:rogue-${uniqueName('k')}`, validFrom: new Date(0), validUntil: new Date(Date.now() + 86_400_000), privateKey, sign: (data) => ed25519Sign(keyObject, data) };
}

/** The same record with one byte of its signature flipped (still canonical base64url). */
export function flipSignatureByte(record: Buffer): Buffer {
  const jws = JSON.parse(record.toString('utf8')) as { protected: string; payload: string; signature: string };
  const sig = Buffer.from(jws.signature, 'base64url');
  sig[10] = sig[10]! ^ 0x01;
  return Buffer.from(serializeJws({ ...jws, signature: sig.toString('base64url') }));
}

/** The payload of a signed record, read without verification (for assertions only). */
export function payloadOf<T = Record<string, unknown>>(record: Buffer): T {
  const jws = JSON.parse(record.toString('utf8')) as { payload: string };
  return JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as T;
}

export { digestOf };

let sharedSchemas: SchemaRegistry | undefined;
const trustByDir = new Map<string, Promise<TrustRegistry>>();

/** Verifies a record with the deployment's trust registry, as a gateway would (receipt or notice). */
export async function verifyRecord<D extends EnvelopeFields>(c: Cluster, record: Buffer, typ: EnvelopeTyp): Promise<D> {
  sharedSchemas ??= SchemaRegistry.load();
  return (await verifyNotice<D>(record, await trustOf(c), sharedSchemas, { typ })).document;
}

/** The deployment's trust registry, loaded once per trust directory. */
export function trustOf(c: Cluster): Promise<TrustRegistry> {
  let trust = trustByDir.get(c.dep.trustDir);
  if (!trust) {
    trust = TrustRegistry.fromDirectory(c.dep.trustDir);
    trustByDir.set(c.dep.trustDir, trust);
  }
  return trust;
}

type Kafka = ReturnType<typeof createKafka>;

/** Writes records straight onto topics of the shared broker, as a forwarding or hostile party would. */
export class Wire {
  private readonly kafka: Kafka;
  private readonly publisher: RecordPublisher;
  private readonly taps: TopicTap[] = [];

  constructor(private readonly c: Cluster) {
    this.kafka = testKafka(uniqueName('wire'), { retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 300 } });
    this.publisher = new RecordPublisher(this.kafka);
  }

  /** `${prefix}mx.inbox.<EP>` / `${prefix}mx.dlq.<EP>` of the cluster. */
  inbox(endpoint: string): string {
    return `${this.c.prefix}mx.inbox.${endpoint}`;
  }

  dlq(endpoint: string): string {
    return `${this.c.prefix}mx.dlq.${endpoint}`;
  }

  /** Publishes the records in order (one key, so one partition: "the next record" is well defined). */
  async write(topic: string, key: string, ...values: (Buffer | Uint8Array | string)[]): Promise<void> {
    await this.publisher.publish([{ topic, records: values.map((value) => ({ key, value })) }]);
  }

  /** Starts reading a topic from its beginning under a fresh group. */
  async tap(topic: string): Promise<TopicTap> {
    const tap = new TopicTap(this.kafka, topic);
    this.taps.push(tap);
    await tap.start();
    return tap;
  }

  async close(): Promise<void> {
    await Promise.all(this.taps.map((t) => t.stop()));
    await this.publisher.close();
  }
}

/** Everything written to one topic, collected as it arrives. */
export class TopicTap {
  readonly records: IncomingRecord[] = [];
  private readonly consumer: RecordConsumer;

  constructor(kafka: Kafka, readonly topic: string) {
    this.consumer = new RecordConsumer(kafka, {
      groupId: uniqueName('tap'),
      topics: [topic],
      fromBeginning: true,
      sessionTimeoutMs: 6_000,
      logger: pino({ level: 'silent' }),
      handle: async (rec) => {
        this.records.push(rec);
      },
    });
  }

  async start(): Promise<void> {
    await this.consumer.start();
  }

  /** Waits for a record satisfying `pred`. */
  waitFor(pred: (r: IncomingRecord) => boolean, what: string, timeoutMs = 20_000): Promise<IncomingRecord> {
    return eventually(() => this.records.find(pred), timeoutMs, `${what} on ${this.topic}`);
  }

  /** Every record satisfying `pred` so far. */
  filter(pred: (r: IncomingRecord) => boolean): IncomingRecord[] {
    return this.records.filter(pred);
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }
}

/** A dead-letter entry on `mx.dlq.<EP>` (JSON), or undefined when the record is not one. */
export function dlqEntry(r: IncomingRecord): Record<string, unknown> | undefined {
  try {
    return JSON.parse(r.value.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The receipts on an inbox topic about message `messageId` (read without verification). */
export function receiptsAbout(records: IncomingRecord[], messageId: string): { record: IncomingRecord; body: { messageId: string; messageDigest: string; outcome: string; reasonCode?: string } }[] {
  const out = [];
  for (const r of records) {
    try {
      const doc = payloadOf<{ type: string; body: { messageId: string; messageDigest: string; outcome: string; reasonCode?: string } }>(r.value);
      if (doc.type === 'delivery-receipt' && doc.body.messageId === messageId) out.push({ record: r, body: doc.body });
    } catch {
      /* not a JWS */
    }
  }
  return out;
}

/** Options of {@link mintOfficerToken}: everything a wrong token could get wrong. */
export interface TokenSpec {
  endpoint: string;
  roles: Role[];
  subject?: string;
  /** Default: the gateway's own audience. */
  audience?: string;
  issuer?: string;
  /** The `mx_endpoint` claim; default `endpoint`. */
  claimEndpoint?: string;
  /** Seconds since the epoch; default now + 1 h. */
  exp?: number;
  iat?: number;
  /** Sign with this private JWK instead of the dev identity provider's. */
  key?: JWK & { kid: string };
}

/** Mints an officer token like the dev identity provider does, with any claim changed. */
export async function mintOfficerToken(c: Cluster, spec: TokenSpec): Promise<string> {
  const idp = (JSON.parse(readFileSync(c.dep.idpPrivateJwks, 'utf8')) as { keys: (JWK & { kid: string })[] }).keys.at(-1)!;
  const jwk = spec.key ?? idp;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ mx_endpoint: spec.claimEndpoint ?? spec.endpoint, agency: `${spec.endpoint} test agency`, roles: spec.roles })
    .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid, typ: 'JWT' })
    .setIssuer(spec.issuer ?? DEV_IDP_ISSUER)
    .setAudience(spec.audience ?? gatewayAudience(spec.endpoint))
    .setSubject(spec.subject ?? `officer@${spec.endpoint}`)
    .setIssuedAt(spec.iat ?? now)
    .setExpirationTime(spec.exp ?? now + 3600)
    .sign(await importJWK(jwk, 'EdDSA'));
}

/** A private JWK that is not the identity provider's, under the identity provider's own kid. */
export async function forgedIdpKey(c: Cluster): Promise<JWK & { kid: string }> {
  const idp = (JSON.parse(readFileSync(c.dep.idpPrivateJwks, 'utf8')) as { keys: (JWK & { kid: string })[] }).keys.at(-1)!;
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { ...(await exportJWK(privateKey)), kid: idp.kid, alg: 'EdDSA' };
}
