/**
 * The audit service's HTTP API (openapi/audit.yaml), built from its dependencies; it never
 * listens, so tests run it in-process on port 0. Every route but health and readiness needs an
 * auditor token; every error is problem+json; lists page with an opaque cursor.
 */
import { ENDPOINT_PATTERN, UUIDV7_PATTERN } from '../../core/src/ids/patterns.ts';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { components } from '../../../openapi/generated/audit.ts';
import { isErrorCode } from '../../core/src/errors/catalogue.ts';
import { MxError } from '../../core/src/errors/mx-error.ts';
import { addHealthRoutes, addMethodNotAllowed, addProblemHandler, decodeCursor, encodeCursor, queryLimit, type ReadinessCheck } from '../../core/src/http/api.ts';
import { accessLog } from '../../core/src/http/access-log.ts';
import { addMetricsRoute, type MetricsEndpoint } from '../../core/src/metrics/endpoint.ts';
import { httpMetrics } from '../../core/src/metrics/http.ts';
import { mountConsole, type ConsoleSettings } from '../../core/src/http/console.ts';
import type { Officer } from '../../core/src/idp/officer-auth.ts';
import { MESSAGE_TYPES } from '../../core/src/schemas/registry.ts';
import { AUDIT_ACTIONS } from '../../core/src/audit/emitter.ts';
import type { AuditorAuth } from './auth.ts';
import type { CheckpointResult, CheckpointingStatus } from './checkpoints.ts';
import type { SignedCheckpoint } from './checkpoint-key.ts';
import { decodeStoredEvent } from './event.ts';
import type { IngestCounters } from './ingest.ts';
import type { GatewayLag } from './lag.ts';
import type { ReloadStatus } from '../../core/src/trust/reloadable.ts';
import type { ConsumerState } from '../../core/src/kafka/transport.ts';
import { isMerkleError } from './merkle/index.ts';
import type { AuditStore, EventFilter, EventRow } from './store.ts';

type Schemas = components['schemas'];

export interface AuditAppDeps {
  store: AuditStore;
  auth: AuditorAuth;
  logger: Logger;
  origin: string;
  checkpointing: {
    status(): CheckpointingStatus;
    /** Signs a checkpoint of the current tree (evidence needs one covering the message). */
    signNow(): Promise<CheckpointResult>;
  };
  ingestCounters: () => IngestCounters;
  /** The `mx.audit` consumer: group membership, stalled partitions, restarts. */
  consumerState: () => ConsumerState;
  /** The trust registry in use: its reload status and endpoints. */
  trust: () => ReloadStatus & { endpoints: string[] };
  /** Each gateway's lag (every endpoint of the registry and every gateway seen). */
  gateways: () => GatewayLag[];
  /** Store open, Kafka reachable, group member, no stalled partition, checkpoint signer working. */
  ready: ReadinessCheck;
  /** The auditors' web console at `/console/` (absent: not served). */
  console?: ConsoleSettings;
  /** The service's metrics registry and who may read `GET /metrics`. */
  metrics: MetricsEndpoint;
}

const DIGEST = /^[A-Za-z0-9_-]{43}$/;
const TIMESTAMP = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z$/;
const INTEGER = /^(?:0|[1-9][0-9]{0,15})$/;
const MAX_HISTORY = 1000;
const MAX_GAPS = 10_000;

function invalid(name: string, code: string, message: string): MxError {
  return new MxError('VALIDATION_FAILED', `malformed ${name}`, { issues: [{ path: `/${name}`, code, message }] });
}

/** A query or path parameter that must be a single string matching `pattern`, or absent. */
function optionalParam(raw: unknown, name: string, pattern: RegExp, what: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !pattern.test(raw)) throw invalid(name, 'pattern', `must be ${what}`);
  return raw;
}

function requiredParam(raw: unknown, name: string, pattern: RegExp, what: string): string {
  const v = optionalParam(raw, name, pattern, what);
  if (v === undefined) throw invalid(name, 'required', 'is required');
  return v;
}

function optionalInt(raw: unknown, name: string): number | undefined {
  const v = optionalParam(raw, name, INTEGER, 'a non-negative integer');
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw invalid(name, 'maximum', 'is too large');
  return n;
}

function optionalEnum<T extends string>(raw: unknown, name: string, values: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !(values as readonly string[]).includes(raw)) throw invalid(name, 'enum', `must be one of ${values.join(', ')}`);
  return raw as T;
}

/** The position after which a page starts (-1: from the beginning), from a cursor `{ after }`. */
function afterCursor(raw: unknown): number {
  return decodeCursor(raw, (v): v is { after: number } => typeof v === 'object' && v !== null && Number.isSafeInteger((v as { after?: unknown }).after) && (v as { after: number }).after >= -1)?.after ?? -1;
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function eventFields(row: EventRow): Schemas['EventSummary'] {
  return {
    index: row.leaf_index,
    eventId: row.event_id,
    leafHash: b64(row.leaf_hash),
    gateway: row.gateway,
    seq: row.seq,
    prevDigest: row.prev_digest,
    action: row.action as Schemas['AuditAction'],
    ...(row.message_id !== null ? { messageId: row.message_id } : {}),
    ...(row.message_type !== null ? { messageType: row.message_type as Schemas['MessageType'] } : {}),
    at: row.at,
  };
}

function checkpointJson(cp: SignedCheckpoint): Schemas['Checkpoint'] {
  return { origin: cp.origin, treeSize: cp.treeSize, rootHash: cp.rootHash, time: cp.time, signature: cp.signature };
}

export function buildApp(deps: AuditAppDeps): express.Express {
  const { store } = deps;
  const log = store.log;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(accessLog(deps.logger));
  app.use(httpMetrics(deps.metrics.registry));

  const auditor =
    (handler: (req: Request, res: Response, officer: Officer) => void | Promise<void>) =>
    async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      try {
        const officer = await deps.auth.authenticate(req.get('authorization'));
        deps.logger.info({ auditor: officer.pseudonym, endpoint: officer.endpoint, method: req.method, route: req.route?.path }, 'audit API access');
        await handler(req, res, officer);
      } catch (err) {
        next(err);
      }
    };

  addHealthRoutes(app, deps.ready);

  app.get(
    '/v1/events',
    auditor((req, res) => {
      const q = req.query;
      const filter: EventFilter = {};
      const messageId = optionalParam(q.messageId, 'messageId', UUIDV7_PATTERN, 'a UUIDv7 message id');
      const endpoint = optionalParam(q.endpoint, 'endpoint', ENDPOINT_PATTERN, 'an endpoint');
      const type = optionalEnum(q.type, 'type', MESSAGE_TYPES);
      const action = optionalEnum(q.action, 'action', AUDIT_ACTIONS);
      const from = optionalParam(q.from, 'from', TIMESTAMP, 'an RFC 3339 UTC date-time');
      const until = optionalParam(q.until, 'until', TIMESTAMP, 'an RFC 3339 UTC date-time');
      if (messageId !== undefined) filter.messageId = messageId;
      if (endpoint !== undefined) filter.gateway = endpoint;
      if (type !== undefined) filter.messageType = type;
      if (action !== undefined) filter.action = action;
      if (from !== undefined) filter.fromMs = Date.parse(from);
      if (until !== undefined) filter.untilMs = Date.parse(until);
      const limit = queryLimit(q.limit, 100, 500);
      const after = afterCursor(q.cursor);
      const rows = store.listEvents(filter, after, limit + 1);
      const page = rows.slice(0, limit);
      res.json({
        items: page.map(eventFields),
        nextCursor: rows.length > limit ? encodeCursor({ after: page[page.length - 1]!.leaf_index }) : null,
      } satisfies Schemas['EventPage']);
    }),
  );

  app.get(
    '/v1/messages/:id/history',
    auditor((req, res) => {
      const id = requiredParam(req.params.id, 'id', UUIDV7_PATTERN, 'a UUIDv7 message id');
      const rows = store.messageEvents(id, MAX_HISTORY);
      if (rows.length === 0) throw new MxError('NOT_FOUND', 'no logged event names this message');
      const events = rows.map((row) => ({ ...eventFields(row), event: decodeStoredEvent(log.leaf(row.leaf_index).bytes).body }));
      res.json({ messageId: id, events } satisfies Schemas['MessageHistory']);
    }),
  );

  app.get(
    '/v1/messages/:id/evidence',
    auditor(async (req, res) => {
      const id = requiredParam(req.params.id, 'id', UUIDV7_PATTERN, 'a UUIDv7 message id');
      const rows = store.messageEvents(id, MAX_HISTORY);
      if (rows.length === 0) throw new MxError('NOT_FOUND', 'no logged event names this message');
      const needed = Math.max(...rows.map((r) => r.leaf_index)) + 1;
      let checkpoint = store.latestCheckpoint();
      if (checkpoint === undefined || checkpoint.treeSize < needed) {
        const result = await deps.checkpointing.signNow();
        if (result.kind === 'refused') throw new MxError('UNAVAILABLE', 'no checkpoint covers these events and the service refuses to sign one: the store failed its integrity check');
        checkpoint = result.checkpoint;
      }
      if (checkpoint === undefined || checkpoint.treeSize < needed) throw new MxError('UNAVAILABLE', 'no checkpoint covers these events yet');
      const size = checkpoint.treeSize;
      const entries = rows
        .sort((a, b) => a.leaf_index - b.leaf_index)
        .map((row) => {
          const leaf = log.leaf(row.leaf_index);
          return {
            index: row.leaf_index,
            eventId: row.event_id,
            leafHash: b64(leaf.hash),
            bytes: b64(leaf.bytes),
            proof: log.inclusionProof(row.leaf_index, size).map(b64),
          };
        });
      res
        .set('content-disposition', `attachment; filename="evidence-${id}.json"`)
        .json({ format: 'mx-evidence-bundle/v1', messageId: id, checkpoint: checkpointJson(checkpoint), entries } satisfies Schemas['EvidenceBundle']);
    }),
  );

  app.get(
    '/v1/leaves',
    auditor((req, res) => {
      const limit = queryLimit(req.query.limit, 100, 500);
      const from = optionalInt(req.query.from, 'from') ?? 0;
      const treeSize = optionalInt(req.query.treeSize, 'treeSize');
      const after = req.query.cursor !== undefined ? afterCursor(req.query.cursor) : from - 1;
      const logSize = log.size();
      if (treeSize !== undefined && treeSize > logSize) throw invalid('treeSize', 'maximum', `must not exceed the log size ${logSize}`);
      const size = treeSize ?? logSize;
      const end = Math.min(size, after + 1 + limit);
      const items: Schemas['Leaf'][] = [];
      for (let index = after + 1; index < end; index += 1) {
        const leaf = log.leaf(index);
        items.push({
          index,
          leafHash: b64(leaf.hash),
          bytes: b64(leaf.bytes),
          ...(treeSize !== undefined ? { proof: log.inclusionProof(index, treeSize).map(b64) } : {}),
        });
      }
      res.json({ items, nextCursor: end < size ? encodeCursor({ after: end - 1 }) : null } satisfies Schemas['LeafPage']);
    }),
  );

  app.get(
    '/v1/leaves/:index',
    auditor((req, res) => {
      const index = optionalInt(req.params.index, 'index');
      if (index === undefined) throw invalid('index', 'required', 'is required');
      if (index >= log.size()) throw new MxError('NOT_FOUND', `no leaf ${index}: the log has ${log.size()} leaves`);
      const leaf = log.leaf(index);
      res.json({ index, leafHash: b64(leaf.hash), bytes: b64(leaf.bytes) } satisfies Schemas['Leaf']);
    }),
  );

  app.get(
    '/v1/checkpoints/latest',
    auditor((_req, res) => {
      const cp = store.latestCheckpoint();
      if (cp === undefined) throw new MxError('NOT_FOUND', 'no checkpoint has been signed yet');
      res.json(checkpointJson(cp) satisfies Schemas['Checkpoint']);
    }),
  );

  app.get(
    '/v1/checkpoints',
    auditor((req, res) => {
      const limit = queryLimit(req.query.limit, 100, 500);
      const after = afterCursor(req.query.cursor);
      const rows = store.checkpointsAfter(after, limit + 1);
      const page = rows.slice(0, limit);
      res.json({
        items: page.map(checkpointJson),
        nextCursor: rows.length > limit ? encodeCursor({ after: page[page.length - 1]!.treeSize }) : null,
      } satisfies Schemas['CheckpointPage']);
    }),
  );

  app.get(
    '/v1/proofs/inclusion',
    auditor((req, res) => {
      const q = req.query;
      const byIndex = optionalInt(q.index, 'index');
      const eventId = optionalParam(q.eventId, 'eventId', DIGEST, 'an event id (43 characters of base64url)');
      if ((byIndex === undefined) === (eventId === undefined)) throw invalid('index', 'oneOf', 'give exactly one of index and eventId');
      let index = byIndex;
      if (eventId !== undefined) {
        index = store.eventById(eventId)?.leaf_index;
        if (index === undefined) throw new MxError('NOT_FOUND', 'no logged event has this id');
      }
      let treeSize = optionalInt(q.treeSize, 'treeSize');
      if (treeSize === undefined) {
        treeSize = store.latestCheckpoint()?.treeSize;
        if (treeSize === undefined) throw new MxError('NOT_FOUND', 'no checkpoint has been signed yet; give treeSize');
      }
      const size = log.size();
      if (treeSize > size) throw invalid('treeSize', 'maximum', `must not exceed the log size ${size}`);
      if (index! >= treeSize) {
        if (index! >= size) throw new MxError('NOT_FOUND', `no leaf ${index}`);
        throw invalid('treeSize', 'minimum', 'must exceed the leaf index');
      }
      const proof = log.inclusionProof(index!, treeSize);
      res.json({
        index: index!,
        treeSize,
        leafHash: b64(log.leaf(index!).hash),
        proof: proof.map(b64),
        rootHash: b64(log.root(treeSize)),
      } satisfies Schemas['InclusionProof']);
    }),
  );

  app.get(
    '/v1/proofs/consistency',
    auditor((req, res) => {
      const from = optionalInt(req.query.from, 'from');
      const to = optionalInt(req.query.to, 'to');
      if (from === undefined) throw invalid('from', 'required', 'is required');
      if (to === undefined) throw invalid('to', 'required', 'is required');
      if (from < 1) throw invalid('from', 'minimum', 'must be at least 1');
      if (from > to) throw invalid('from', 'maximum', 'must not exceed to');
      const size = log.size();
      if (to > size) throw invalid('to', 'maximum', `must not exceed the log size ${size}`);
      res.json({
        from,
        to,
        proof: log.consistencyProof(from, to).map(b64),
        fromRoot: b64(log.root(from)),
        toRoot: b64(log.root(to)),
      } satisfies Schemas['ConsistencyProof']);
    }),
  );

  app.get(
    '/v1/quarantine',
    auditor((req, res) => {
      const limit = queryLimit(req.query.limit, 100, 500);
      const after = afterCursor(req.query.cursor);
      const rows = store.listQuarantine(after, limit + 1);
      const page = rows.slice(0, limit);
      res.json({
        items: page.map((r) => ({
          id: String(r.id),
          topic: r.topic,
          partition: r.partition,
          offset: r.offset,
          digest: r.digest,
          reasonCode: (isErrorCode(r.reason_code) ? r.reason_code : 'INTERNAL') as Schemas['ErrorCode'],
          at: new Date(r.at).toISOString(),
          ...(r.gateway !== null ? { gateway: r.gateway } : {}),
          ...(r.readmitted_at !== null ? { readmittedAt: new Date(r.readmitted_at).toISOString() } : {}),
          ...(r.leaf_index !== null ? { leafIndex: r.leaf_index } : {}),
        })),
        // The shape afterCursor decodes, like every other list of this API.
        nextCursor: rows.length > limit ? encodeCursor({ after: page[page.length - 1]!.id }) : null,
      } satisfies Schemas['QuarantinePage']);
    }),
  );

  app.get(
    '/v1/gaps',
    auditor((req, res) => {
      const endpoint = optionalParam(req.query.endpoint, 'endpoint', ENDPOINT_PATTERN, 'an endpoint');
      const rows = store.listGaps(endpoint, MAX_GAPS);
      res.json({
        items: rows.map((g) => ({ gateway: g.gateway, kind: g.kind, fromSeq: g.from_seq, toSeq: g.to_seq, detectedAt: new Date(g.detected_at).toISOString() })),
      } satisfies Schemas['GapReport']);
    }),
  );

  app.get(
    '/v1/status',
    auditor((_req, res) => {
      const { size, root, latest } = store.db
        .transaction(() => {
          const size = log.size();
          return { size, root: log.root(size), latest: store.latestCheckpoint() };
        })
        .deferred();
      const counters = deps.ingestCounters();
      const consumer = deps.consumerState();
      res.json({
        origin: deps.origin,
        treeSize: size,
        rootHash: b64(root),
        ...(latest !== undefined ? { latestCheckpoint: checkpointJson(latest) } : {}),
        checkpointing: deps.checkpointing.status(),
        ingest: { appended: counters.appended, duplicates: counters.duplicates, quarantined: store.quarantineCount(), gaps: store.gapCount(), readmitted: store.readmittedCount() },
        consumer: { member: consumer.member, restarts: consumer.restarts, stalled: consumer.stalled },
        trust: deps.trust(),
        gateways: deps.gateways(),
      } satisfies Schemas['Status']);
    }),
  );

  addMetricsRoute(app, deps.metrics);
  if (deps.console) mountConsole(app, deps.console);
  addMethodNotAllowed(app);
  // One place turns every error into problem+json; nothing of the request or a stack goes back.
  addProblemHandler(app, {
    logger: deps.logger,
    translate: (err, instance) => {
      if (!isMerkleError(err)) return undefined;
      // BAD_SIZE / BAD_INDEX are caught by parameter checks first; STORE_CORRUPT is the store's fault.
      if (err.code === 'BAD_SIZE' || err.code === 'BAD_INDEX') return new MxError('VALIDATION_FAILED', err.message);
      deps.logger.error({ code: err.code, instance, detail: err.message }, 'the audit store is corrupt');
      return new MxError('INTERNAL', `the audit store is corrupt: ${err.message}`);
    },
  });

  return app;
}

