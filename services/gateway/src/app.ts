/**
 * The gateway's HTTP API (openapi/gateway.yaml), built from its dependencies; it never listens,
 * so tests run it in-process on port 0.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { MxError } from '../../core/src/errors/mx-error.ts';
import {
  addHealthRoutes,
  addMethodNotAllowed,
  addProblemHandler,
  badParameter,
  decodeCursor,
  encodeCursor,
  queryLimit,
  refuseDeclaredOversize,
  type ReadinessCheck,
} from '../../core/src/http/api.ts';
import { accessLog, requestTrace } from '../../core/src/http/access-log.ts';
import { addMetricsRoute, type MetricsEndpoint } from '../../core/src/metrics/endpoint.ts';
import { httpMetrics } from '../../core/src/metrics/http.ts';
import { withTrace } from '../../core/src/trace/trace-context.ts';
import { mountConsole, type ConsoleSettings } from '../../core/src/http/console.ts';
import type { components } from '../../../openapi/generated/gateway.ts';
import { ROLES, type Role } from '../../core/src/idp/dev-idp.ts';
import type { Officer, OfficerAuth } from '../../core/src/idp/officer-auth.ts';
import { EventStreams, type EventStreamSettings } from './events.ts';
import { alertTimeliness, inboxStatus, isOverdue, predictedTimeliness, respondedBeforeArrival, sentStatus, type TravelWindow } from './lifecycle.ts';
import { RateLimiter, type RateLimitSettings } from './rate-limit.ts';
import { addMonths, computeStatistics, MAX_MONTHS, parseMonth, statisticsCsv } from './statistics.ts';
import type { CorrectRequest, Exchange, NoticeRequest, WithdrawRequest } from './exchange.ts';
import { CASE_REF_PATTERN, UUIDV7_PATTERN } from '../../core/src/ids/patterns.ts';
import { idempotencyOf } from './idempotency.ts';
import { ALERT_TYPES, RESPONSE_OF, victimDataAllowedAt } from './policy.ts';
import type { GatewayStore, InboxRow, RecipientRow, SentRow } from './store.ts';
import type { RequestSchemas } from './request-schemas.ts';

type Schemas = components['schemas'];

export interface AppDeps {
  endpoint: string;
  auth: OfficerAuth;
  exchange: Exchange;
  store: GatewayStore;
  requests: RequestSchemas;
  logger: Logger;
  /** Is the store open and Kafka reachable? */
  ready: ReadinessCheck;
  overdueAfterMs: number;
  bodyLimitBytes: number;
  /** Does the trust registry know this endpoint (has it published a key)? */
  knowsEndpoint: (endpoint: string) => boolean;
  /** The trust registry in use (version, last load and check, a refused change). */
  trustStatus: () => Schemas['TrustStatus'];
  rateLimit: RateLimitSettings;
  /** The audit trail's backlog (`GET /v1/status`). */
  auditTrail: () => Schemas['AuditTrailStatus'];
  /** `GET /v1/inbox/events`: heartbeat period and open streams per officer. */
  eventStreams: EventStreamSettings;
  /** The officers' web console at `/console/` (absent: not served). */
  console?: ConsoleSettings;
  /** The gateway's metrics registry and who may read `GET /metrics`. */
  metrics: MetricsEndpoint;
}

/** The API document: the contract, and the one place the role table is written. */
export const GATEWAY_DOCUMENT = fileURLToPath(new URL('../../../openapi/gateway.yaml', import.meta.url));

/**
 * `METHOD /path` -> the roles that may call it, read from each operation's `x-roles` in an
 * OpenAPI document; public operations (`x-roles: []`) are left out. Throws on a role it does not know,
 * so a typo in the document stops the gateway at start-up rather than locking a role out.
 */
export function loadRouteRoles(file: string): Readonly<Record<string, readonly Role[]>> {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { paths?: Record<string, Record<string, unknown>> };
  const out: Record<string, readonly Role[]> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item[method] as { 'x-roles'?: unknown } | undefined;
      if (op === undefined) continue;
      const roles = op['x-roles'];
      if (!Array.isArray(roles) || roles.some((r) => !(ROLES as readonly unknown[]).includes(r))) throw new Error(`${file}: ${method.toUpperCase()} ${path} has no valid x-roles`);
      if (roles.length > 0) out[`${method.toUpperCase()} ${path}`] = Object.freeze([...(roles as Role[])]);
    }
  }
  return Object.freeze(out);
}

/** Who may call what: the `x-roles` of openapi/gateway.yaml (the README's role x route table is drawn from it). */
export const ROUTE_ROLES = loadRouteRoles(GATEWAY_DOCUMENT);

/**
 * The INTERPOL desk role only ever sees offender alerts and their responses, whatever the gateway;
 * and at the INTERPOL gateway nobody sees anything else, whatever the role (a victim notice must
 * never be there; should one be, through a faulty build or a restored store, it stays unseen).
 */
function visibleTypes(endpoint: string, officer: Officer): readonly string[] {
  const all = victimDataAllowedAt(endpoint) && (officer.roles.has('liaison-officer') || officer.roles.has('auditor'));
  return all ? ['victim-repatriation-notice', 'repatriation-status-update', ...ALERT_TYPES] : ALERT_TYPES;
}


const TIMESTAMP = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z$/;

function pathParam(req: Request, name: string, pattern: RegExp): string {
  const v = req.params[name];
  if (typeof v !== 'string' || !pattern.test(v)) throw badParameter(name, 'pattern', `must be a valid ${name}`, 'INVALID_PARAMETER');
  return v;
}

/** The `since` query parameter: an instant in the document's Timestamp form, as epoch ms. */
function sinceParam(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const ms = typeof raw === 'string' && TIMESTAMP.test(raw) ? Date.parse(raw) : NaN;
  // Date.parse rolls 2026-02-30 over to March; a date that does not print back is no date.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== (raw as string).slice(0, 19)) throw badParameter('since', 'format', 'must be a date-time', 'INVALID_PARAMETER');
  return ms;
}

/**
 * The months of `GET /v1/statistics`: `to` defaults to the current month, `from` to the
 * {@link MAX_MONTHS} months ending with `to`; at most that many, `from` not after `to`.
 */
function statisticsRange(rawFrom: unknown, rawTo: unknown, now: Date): { from: string; to: string } {
  const to = rawTo === undefined ? now.toISOString().slice(0, 7) : parseMonth(rawTo);
  if (to === undefined) throw badParameter('to', 'format', 'must be a month, YYYY-MM', 'INVALID_PARAMETER');
  const from = rawFrom === undefined ? addMonths(to, 1 - MAX_MONTHS) : parseMonth(rawFrom);
  if (from === undefined) throw badParameter('from', 'format', 'must be a month, YYYY-MM', 'INVALID_PARAMETER');
  if (from > to) throw badParameter('from', 'range', 'must not be after to', 'INVALID_PARAMETER');
  if (addMonths(from, MAX_MONTHS - 1) < to) throw badParameter('to', 'maxMonths', `must be at most ${MAX_MONTHS} months from from`, 'INVALID_PARAMETER');
  return { from, to };
}

/** `?format=` decides; without it the Accept header does (JSON first when both are acceptable). */
function statisticsFormat(req: Request): 'json' | 'csv' {
  const format = req.query.format;
  if (format !== undefined) {
    if (format !== 'json' && format !== 'csv') throw badParameter('format', 'enum', 'must be json or csv', 'INVALID_PARAMETER');
    return format;
  }
  const type = req.accepts(['application/json', 'text/csv']);
  if (type === false) throw new MxError('NOT_ACCEPTABLE', 'statistics are served as application/json or text/csv');
  return type === 'text/csv' ? 'csv' : 'json';
}

function iso(ms: number | null): string | undefined {
  return ms === null ? undefined : new Date(ms).toISOString();
}

/**
 * The one rule for auditing refusals: a POST by an authenticated officer (the token verified)
 * refused with a client error is a `rejected` audit event with its code, wherever it was refused
 * (role, body reading such as BAD_JSON or UNSUPPORTED_MEDIA_TYPE, validation, routing, idempotency).
 * Not audited: 401 (nobody is known), 429 (the limiter bounds work: its refusals are counted), and
 * 5xx (not the officer's doing; logged with an instance id).
 */
export function auditsRefusal(problem: { status: number; code: string }): boolean {
  return problem.status >= 400 && problem.status < 500 && problem.status !== 401 && problem.code !== 'RATE_LIMITED';
}

export function buildApp(deps: AppDeps): express.Express {
  const { store, exchange, requests } = deps;
  const visible = (officer: Officer): readonly string[] => visibleTypes(deps.endpoint, officer);
  const canSee = (officer: Officer, type: string): boolean => visible(officer).includes(type);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(accessLog(deps.logger));
  app.use(httpMetrics(deps.metrics.registry));

  const limiter = new RateLimiter(deps.rateLimit, deps.logger);
  // Tests build a second app from the same dependencies (another logger, another console).
  app.locals.deps = deps;
  app.locals.rateLimit = limiter.counters;
  const streams = new EventStreams(store, deps.eventStreams, deps.logger);
  app.locals.eventStreams = streams;

  const json = express.json({ limit: deps.bodyLimitBytes, strict: true, type: () => true });
  const requireJson = (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.is('application/json')) return next(new MxError('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json'));
    next();
  };
  // Nothing of a body is read before its sender is known: an anonymous client cannot make the
  // gateway parse 256 KiB of deep JSON, and an oversized declaration is refused without waiting for it.
  const bodyReaders: RequestHandler[] = [refuseDeclaredOversize(deps.bodyLimitBytes), requireJson, json];

  /**
   * One operation of the document: authenticate, apply the rate limits, check the role, then
   * (for a body) read it, then handle. `key` must name an operation with `x-roles`.
   */
  const route = (key: string, handler: (req: Request, res: Response, officer: Officer) => Promise<void>): RequestHandler[] => {
    const roles = ROUTE_ROLES[key];
    if (roles === undefined) throw new Error(`${key} is not an operation of ${GATEWAY_DOCUMENT} with x-roles`);
    const authenticate: RequestHandler = async (req, res, next) => {
      try {
        const officer = await deps.auth.authenticate(req.get('authorization'));
        // Known from here on, so a refusal below is audited under this officer (see auditsRefusal).
        res.locals.officer = officer;
        const wait = limiter.take(officer.pseudonym);
        if (wait > 0) {
          res.set('retry-after', String(wait));
          throw new MxError('RATE_LIMITED', 'this officer or this endpoint is over its request limit');
        }
        if (!roles.some((r) => officer.roles.has(r))) throw new MxError('FORBIDDEN', `the caller's role may not call ${key}`);
        next();
      } catch (err) {
        next(err);
      }
    };
    const handle: RequestHandler = async (req, res, next) => {
      const officer = res.locals.officer as Officer;
      try {
        // What the request queues for Kafka carries its trace (a new span of it) in `traceparent`.
        const trace = requestTrace(res);
        await (trace ? withTrace(trace, () => handler(req, res, officer)) : handler(req, res, officer));
      } catch (err) {
        next(err);
      }
    };
    return key.startsWith('POST ') ? [authenticate, ...bodyReaders, handle] : [authenticate, handle];
  };

  addHealthRoutes(app, deps.ready);
  app.get('/v1/status', (_req, res) => {
    res.json({ endpoint: deps.endpoint, trust: deps.trustStatus(), auditTrail: deps.auditTrail() } satisfies Schemas['GatewayStatus']);
  });

  app.post(
    '/v1/notices',
    route('POST /v1/notices', async (req, res, officer) => {
      requests.check('SubmitNoticeRequest', req.body);
      const body = req.body as NoticeRequest & { inReplyTo?: string };
      const unknown = body.to.findIndex((e) => !deps.knowsEndpoint(e));
      if (unknown >= 0) throw new MxError('UNKNOWN_ENDPOINT', 'a recipient is not known to the trust registry', { issues: [{ path: `/to/${unknown}`, code: 'unknownEndpoint', message: 'must be an endpoint of the trust registry' }] });
      let accepted;
      if (RESPONSE_OF[body.type as keyof typeof RESPONSE_OF] !== undefined) {
        // A response sent through /v1/notices: it must name the received message it answers, and go to its sender only.
        const item = body.inReplyTo ? store.inboxById(body.inReplyTo) : undefined;
        if (!item || !canSee(officer, item.type)) throw new MxError('NOT_A_PARTY', 'a response must answer a message this endpoint received');
        if (body.to.length !== 1 || body.to[0] !== item.from_ep) throw new MxError('NOT_A_PARTY', 'a response goes to the original sender only');
        accepted = await exchange.respond(officer, item, body, idempotencyOf(req.get('idempotency-key'), 'POST /v1/notices', req.body));
      } else {
        if (body.inReplyTo !== undefined) throw new MxError('VALIDATION_FAILED', 'only responses carry inReplyTo', { issues: [{ path: '/inReplyTo', code: 'notAllowed', message: 'only for responses' }] });
        accepted = await exchange.submit(officer, body, idempotencyOf(req.get('idempotency-key'), 'POST /v1/notices', req.body));
      }
      res.status(202).location(`/v1/messages/${accepted.id}`).json(accepted satisfies Schemas['SubmitAccepted']);
    }),
  );

  /**
   * The message `id` this endpoint sent, for a withdrawal or correction. One it only received is
   * NOT_ORIGINAL_SENDER (if the caller may see it at all); anything else NOT_FOUND.
   */
  function refuseUnlessSentHere(id: string, officer: Officer): void {
    // The INTERPOL desk is told a victim notice does not exist, here as everywhere.
    const sent = store.sent(id);
    if (sent && canSee(officer, sent.type)) return;
    const received = store.inboxById(id);
    if (!sent && received && canSee(officer, received.type)) throw new MxError('NOT_ORIGINAL_SENDER', `only ${received.from_ep}, which sent it, may withdraw or correct this message`);
    throw new MxError('NOT_FOUND', 'no such message at this endpoint');
  }

  app.post(
    '/v1/messages/:id/withdrawal',
    route('POST /v1/messages/{id}/withdrawal', async (req, res, officer) => {
      const id = pathParam(req, 'id', UUIDV7_PATTERN);
      requests.check('WithdrawRequest', req.body);
      refuseUnlessSentHere(id, officer);
      const accepted = await exchange.withdraw(officer, id, req.body as WithdrawRequest, idempotencyOf(req.get('idempotency-key'), `POST /v1/messages/${id}/withdrawal`, req.body));
      res.status(202).location(`/v1/messages/${accepted.id}`).json(accepted satisfies Schemas['SubmitAccepted']);
    }),
  );

  app.post(
    '/v1/messages/:id/corrections',
    route('POST /v1/messages/{id}/corrections', async (req, res, officer) => {
      const id = pathParam(req, 'id', UUIDV7_PATTERN);
      requests.check('CorrectRequest', req.body);
      refuseUnlessSentHere(id, officer);
      const accepted = await exchange.correct(officer, id, req.body as CorrectRequest, idempotencyOf(req.get('idempotency-key'), `POST /v1/messages/${id}/corrections`, req.body));
      res.status(202).location(`/v1/messages/${accepted.id}`).json(accepted satisfies Schemas['SubmitAccepted']);
    }),
  );

  /** Who signed a received record (its envelope's sender, in clear). */
  function signerOf(row: InboxRow): string {
    const jws = JSON.parse(row.record.toString('utf8')) as { payload: string };
    return (JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as { sender: { officer: string } }).sender.officer;
  }

  /**
   * A message's place in its version chain: every version (who, when), which is current, and the
   * alert's withdrawal. Undefined for a message never corrected nor withdrawn, and for a withdrawal
   * itself (its `supersedes` names the alert).
   */
  function revisionOf(row: SentRow | InboxRow): Schemas['Revision'] | undefined {
    if (row.type === 'offender-alert-withdrawal') return undefined;
    if (row.supersedes === null && row.superseded_by === null && row.withdrawn_by === null) return undefined;
    const from = 'from_ep' in row ? row.from_ep : null;
    const load = (id: string): SentRow | InboxRow | undefined => (from === null ? store.sent(id) : store.inboxByKey(from, id));
    const chain: (SentRow | InboxRow)[] = [row];
    // A chain is a handful of versions; the bound only guards against a corrupted store.
    for (let prev = row.supersedes, n = 0; prev !== null && n < 1000; n++) {
      const earlier = load(prev);
      if (!earlier) break;
      chain.unshift(earlier);
      prev = earlier.supersedes;
    }
    for (let next = row.superseded_by, n = 0; next !== null && n < 1000; n++) {
      const later = load(next);
      if (!later) break;
      chain.push(later);
      next = later.superseded_by;
    }
    const who = (v: SentRow | InboxRow) => ('from_ep' in v ? { from: v.from_ep, officer: signerOf(v), receivedAt: iso(v.received_at)! } : { from: deps.endpoint, officer: v.officer });
    const history: Schemas['MessageVersion'][] = chain.map((v, i) => ({ id: v.id, version: i + 1, ...who(v), issuedAt: v.issued_at, current: v.superseded_by === null }));
    const current = chain[chain.length - 1]!;
    const version = chain.indexOf(row) + 1;
    let withdrawal: Schemas['Withdrawal'] | undefined;
    if (current.withdrawn_by !== null) {
      const w = load(current.withdrawn_by);
      withdrawal = {
        id: current.withdrawn_by,
        reason: current.withdrawal_reason as Schemas['Withdrawal']['reason'],
        at: iso(current.withdrawn_at)!,
        ...(w ? { ...who(w), issuedAt: w.issued_at } : {}),
      } as Schemas['Withdrawal'];
    }
    return {
      version,
      current: row.superseded_by === null,
      currentId: current.id,
      corrected: version > 1,
      withdrawn: withdrawal !== undefined,
      ...(row.supersedes !== null ? { supersedes: row.supersedes } : {}),
      ...(row.superseded_by !== null ? { supersededBy: row.superseded_by } : {}),
      ...(withdrawal ? { withdrawal } : {}),
      history,
    };
  }

  /** The fields a sent and a received message share, from their common columns. */
  function messageFields(row: Pick<SentRow, 'id' | 'type' | 'to_json' | 'case_ref' | 'in_reply_to' | 'issued_at' | 'expires_at' | 'digest' | 'supersedes'>) {
    return {
      id: row.id,
      type: row.type as Schemas['BusinessMessageType'],
      to: JSON.parse(row.to_json) as string[],
      ...(row.case_ref !== null ? { caseRef: row.case_ref } : {}),
      ...(row.in_reply_to !== null ? { inReplyTo: row.in_reply_to } : {}),
      ...(row.supersedes !== null ? { supersedes: row.supersedes } : {}),
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
      digest: row.digest,
    };
  }

  /** An alert's travel and escalation, from its columns (undefined for any other message). */
  function alertTravel(row: { arrival_at: number | null; departure_at: number | null }, escalatedAt: number | null): { travel: TravelWindow; fields: Schemas['AlertTravel'] } | undefined {
    if (row.arrival_at === null) return undefined;
    const travel: TravelWindow = { arrivalAt: row.arrival_at, departureAt: row.departure_at };
    return {
      travel,
      fields: {
        arrivalAt: iso(row.arrival_at)!,
        ...(row.departure_at !== null ? { departureAt: iso(row.departure_at)! } : {}),
        escalated: escalatedAt !== null,
        ...(escalatedAt !== null ? { escalatedAt: iso(escalatedAt)! } : {}),
      },
    };
  }

  /** A recipient's view of an alert: its class from the delivery time, or pending with a prediction. */
  function alertTimelinessOf(a: { travel: TravelWindow; fields: Schemas['AlertTravel'] }, deliveredAt: number | null, respondedAt: number | null, now: number): Schemas['AlertTimeliness'] {
    return {
      ...a.fields,
      ...(deliveredAt !== null
        ? { timeliness: alertTimeliness(a.travel, deliveredAt, exchange.alertLeadMs) }
        : { timeliness: 'pending' as const, predicted: predictedTimeliness(a.travel, now, exchange.alertLeadMs) }),
      respondedBeforeArrival: respondedBeforeArrival(a.travel, respondedAt),
    };
  }

  function sentLifecycle(row: SentRow): Schemas['MessageLifecycle'] {
    const now = exchange.now().getTime();
    const alertOf = (r: RecipientRow, responseIds: string[]): { alert?: Schemas['AlertTimeliness'] } => {
      const a = alertTravel(row, r.escalated_at);
      // A rejected alert was never delivered: it has no class, only its receipt's reason.
      const deliveredAt = r.rejected_reason === null ? r.delivered_at : null;
      return a ? { alert: alertTimelinessOf(a, deliveredAt, store.firstResponseReceivedAt(r.endpoint, responseIds), now) } : {};
    };
    const recipients = store.recipients(row.id).map((r) => {
      const responseIds = JSON.parse(r.response_ids) as string[];
      const delivered = r.delivered_at !== null && r.rejected_reason === null;
      return {
        endpoint: r.endpoint,
        published: r.published_at !== null,
        ...(r.published_at !== null ? { publishedAt: iso(r.published_at)! } : {}),
        delivered,
        ...(r.delivered_at !== null ? { deliveredAt: iso(r.delivered_at)! } : {}),
        ...(r.receipt_digest !== null ? { receiptDigest: r.receipt_digest } : {}),
        ...(r.rejected_reason !== null ? { rejected: true, reasonCode: r.rejected_reason as Schemas['ErrorCode'] } : {}),
        read: r.read_at !== null,
        ...(r.read_at !== null ? { readAt: iso(r.read_at)! } : {}),
        responded: responseIds.length > 0,
        responseIds,
        overdue: isOverdue(r, row.created_at, now, deps.overdueAfterMs),
        ...alertOf(r, responseIds),
      };
    });
    const status = sentStatus(recipients);
    const revision = revisionOf(row);
    return {
      ...messageFields(row),
      direction: 'sent',
      from: deps.endpoint,
      status,
      recipients,
      ...(revision ? { revision } : {}),
    };
  }

  /**
   * For a received offender alert, the other received alerts linked to it as possible duplicates
   * (duplicates.ts), among those `officer` may see; nothing for any other message.
   */
  function possibleDuplicatesOf(row: InboxRow, officer: Officer): { possibleDuplicates?: Schemas['PossibleDuplicate'][] } {
    if (row.type !== 'offender-travel-alert') return {};
    return {
      possibleDuplicates: store.possibleDuplicates(row.from_ep, row.id, visible(officer)).map((d) => ({ messageId: d.id, from: d.from_ep, receivedAt: iso(d.received_at)!, linkedAt: iso(d.linked_at)! })),
    };
  }

  function receivedLifecycle(row: InboxRow, officer: Officer): Schemas['MessageLifecycle'] {
    const responseIds = JSON.parse(row.response_ids) as string[];
    const a = alertTravel(row, row.escalated_at);
    const revision = revisionOf(row);
    return {
      ...(revision ? { revision } : {}),
      ...messageFields(row),
      direction: 'received',
      from: row.from_ep,
      status: inboxStatus(row),
      ...possibleDuplicatesOf(row, officer),
      recipients: [
        {
          endpoint: deps.endpoint,
          published: true,
          delivered: true,
          deliveredAt: iso(row.received_at)!,
          read: row.read_at !== null,
          ...(row.read_at !== null ? { readAt: iso(row.read_at)! } : {}),
          responded: responseIds.length > 0,
          responseIds,
          overdue: false,
          ...(a ? { alert: alertTimelinessOf(a, row.received_at, store.firstResponseSentAt(responseIds), exchange.now().getTime()) } : {}),
        },
      ],
    };
  }

  function inboxFields(row: InboxRow, officer: Officer): Schemas['InboxSummary'] {
    const a = alertTravel(row, row.escalated_at);
    const revision = revisionOf(row);
    return {
      ...(revision ? { revision } : {}),
      ...(a ? { alert: a.fields } : {}),
      ...possibleDuplicatesOf(row, officer),
      ...messageFields(row),
      from: row.from_ep,
      receivedAt: iso(row.received_at)!,
      status: inboxStatus(row),
      ...(row.read_at !== null ? { readAt: iso(row.read_at)! } : {}),
      responseIds: JSON.parse(row.response_ids) as string[],
    };
  }

  app.get(
    '/v1/messages/:id',
    route('GET /v1/messages/{id}', async (req, res, officer) => {
      const id = pathParam(req, 'id', UUIDV7_PATTERN);
      // Escalations due are recorded before a read, so what the desk sees is never behind the clock.
      exchange.escalateDue();
      const sent = store.sent(id);
      const received = sent ? undefined : store.inboxById(id);
      const type = sent?.type ?? received?.type;
      // The INTERPOL desk is told a victim notice does not exist, not that it may not see it.
      if (type === undefined || !canSee(officer, type)) throw new MxError('NOT_FOUND', 'no such message at this endpoint');
      res.json(sent ? sentLifecycle(sent) : receivedLifecycle(received!, officer));
    }),
  );

  app.get(
    '/v1/inbox',
    route('GET /v1/inbox', async (req, res, officer) => {
      exchange.escalateDue();
      const q = req.query;
      const allTypes = visible(officer);
      const type = q.type;
      if (type !== undefined && (typeof type !== 'string' || !['victim-repatriation-notice', 'repatriation-status-update', ...ALERT_TYPES].includes(type))) {
        throw badParameter('type', 'enum', 'must be a business message type', 'INVALID_PARAMETER');
      }
      const status = q.status;
      if (status !== undefined && !['unread', 'read', 'responded'].includes(status as string)) {
        throw badParameter('status', 'enum', 'must be unread, read or responded', 'INVALID_PARAMETER');
      }
      const since = sinceParam(q.since);
      const limit = queryLimit(q.limit, 50, 200, 'INVALID_PARAMETER');
      // Every member is bound into SQL: a cursor of any other shape is the client's error, not a 500.
      const after = decodeCursor(q.cursor, (v): v is { receivedAt: number; from: string; id: string } => {
        const o = v as { receivedAt?: unknown; from?: unknown; id?: unknown } | null;
        return typeof o === 'object' && o !== null && Number.isSafeInteger(o.receivedAt) && typeof o.from === 'string' && typeof o.id === 'string';
      }, 'INVALID_PARAMETER');
      const types = type === undefined ? allTypes : allTypes.filter((t) => t === type);
      const rows = types.length === 0 ? [] : store.listInbox({ types, limit: limit + 1, ...(status ? { status: status as 'unread' } : {}), ...(since !== undefined ? { since } : {}), ...(after ? { after } : {}) });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      res.json({
        items: page.map((row) => inboxFields(row, officer)),
        nextCursor: rows.length > limit && last ? encodeCursor({ receivedAt: last.received_at, from: last.from_ep, id: last.id }) : null,
      } satisfies Schemas['InboxPage']);
    }),
  );



  app.get(
    '/v1/inbox/events',
    route('GET /v1/inbox/events', async (req, res, officer) => {
      // The same types as GET /v1/inbox: a stream never names a message its reader may not list.
      streams.serve(req, res, officer, visible(officer));
    }),
  );

  function inboxItemFor(req: Request, officer: Officer): InboxRow {
    const id = pathParam(req, 'id', UUIDV7_PATTERN);
    const item = store.inboxById(id);
    if (!item || !canSee(officer, item.type)) throw new MxError('NOT_FOUND', 'no such inbox item');
    return item;
  }

  app.get(
    '/v1/inbox/:id',
    route('GET /v1/inbox/{id}', async (req, res, officer) => {
      const item = inboxItemFor(req, officer);
      exchange.escalateDue();
      await exchange.recordAccess(item, officer);
      const fresh = store.inboxByKey(item.from_ep, item.id)!;
      const jws = JSON.parse(fresh.record.toString('utf8')) as { payload: string };
      const document = await exchange.openDocument(JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as Schemas['NoticeDocument']);
      res.set('cache-control', 'no-store').json({ ...inboxFields(fresh, officer), document } satisfies Schemas['InboxItem']);
    }),
  );

  app.post(
    '/v1/inbox/:id/responses',
    route('POST /v1/inbox/{id}/responses', async (req, res, officer) => {
      const item = inboxItemFor(req, officer);
      requests.check('RespondRequest', req.body);
      const idem = idempotencyOf(req.get('idempotency-key'), `POST /v1/inbox/${item.id}/responses`, req.body);
      const accepted = await exchange.respond(officer, item, req.body as { type: string; body: Record<string, unknown>; expiresAt?: string }, idem);
      res.status(202).location(`/v1/messages/${accepted.id}`).json(accepted satisfies Schemas['SubmitAccepted']);
    }),
  );

  app.get(
    '/v1/cases/:caseRef',
    route('GET /v1/cases/{caseRef}', async (req, res, officer) => {
      const caseRef = pathParam(req, 'caseRef', CASE_REF_PATTERN);
      const limit = queryLimit(req.query.limit, 50, 200, 'INVALID_PARAMETER');
      const after = decodeCursor(req.query.cursor, (v): v is { issuedAt: string; id: string } => {
        const o = v as { issuedAt?: unknown; id?: unknown } | null;
        return typeof o === 'object' && o !== null && typeof o.issuedAt === 'string' && typeof o.id === 'string';
      }, 'INVALID_PARAMETER');
      // A case opened by a victim notice does not exist for whoever may not see victim notices,
      // even when an alert between its parties is tagged with it.
      if (!canSee(officer, 'victim-repatriation-notice') && store.caseParties(caseRef)) throw new MxError('NOT_FOUND', 'no such case at this endpoint');
      const rows = store.caseMessages(caseRef, { types: visible(officer), limit: limit + 1, ...(after ? { after } : {}) });
      if (rows.length === 0 && after === undefined) throw new MxError('NOT_FOUND', 'no such case at this endpoint');
      const page = rows.slice(0, limit);
      const messages = page.map((m) => (m.direction === 'sent' ? sentLifecycle(store.sent(m.id)!) : receivedLifecycle(store.inboxByKey(m.from!, m.id)!, officer)));
      const parties = store.caseParties(caseRef) ?? store.caseEndpoints(caseRef, visible(officer), deps.endpoint);
      const last = page[page.length - 1];
      res.json({
        caseRef,
        parties,
        messages,
        nextCursor: rows.length > limit && last ? encodeCursor({ issuedAt: last.issued_at, id: last.id }) : null,
      } satisfies Schemas['Case']);
    }),
  );

  app.get(
    '/v1/statistics',
    route('GET /v1/statistics', async (req, res) => {
      const format = statisticsFormat(req);
      const now = exchange.now();
      const { from, to } = statisticsRange(req.query.from, req.query.to, now);
      const statistics = computeStatistics(store, {
        endpoint: deps.endpoint,
        from,
        to,
        now,
        victimData: victimDataAllowedAt(deps.endpoint),
        counterparts: deps.trustStatus().endpoints,
        alertLeadMs: exchange.alertLeadMs,
      });
      res.set('cache-control', 'no-store').vary('accept');
      if (format === 'json') {
        res.json(statistics satisfies Schemas['Statistics']);
        return;
      }
      res
        .set('content-type', 'text/csv; charset=utf-8; header=present')
        .set('content-disposition', `attachment; filename="statistics-${deps.endpoint}-${from}-${to}.csv"`)
        .send(statisticsCsv(statistics));
    }),
  );

  app.get(
    '/v1/dead-letters',
    route('GET /v1/dead-letters', async (req, res) => {
      const limit = queryLimit(req.query.limit, 50, 200, 'INVALID_PARAMETER');
      const after = decodeCursor(req.query.cursor, (v): v is number => typeof v === 'number' && Number.isSafeInteger(v), 'INVALID_PARAMETER') ?? 0;
      const since = sinceParam(req.query.since);
      const rows = store.listDeadLetters(after, limit + 1, since);
      const page = rows.slice(0, limit);
      res.json({
        items: page.map((r) => ({
          id: String(r.id),
          topic: r.topic,
          partition: r.partition,
          offset: r.offset,
          digest: r.digest,
          reasonCode: r.reason_code as Schemas['ErrorCode'],
          at: iso(r.at)!,
          ...(r.from_ep !== null ? { from: r.from_ep } : {}),
          ...(r.parked_as !== null ? { parkedAs: r.parked_as as Schemas['ErrorCode'], parked: r.parked === 1 } : {}),
          ...(r.readmitted_at !== null ? { readmittedAt: iso(r.readmitted_at)! } : {}),
        })),
        nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
      } satisfies Schemas['DeadLetterPage']);
    }),
  );

  addMetricsRoute(app, deps.metrics);
  if (deps.console) mountConsole(app, deps.console);
  addMethodNotAllowed(app);
  addProblemHandler(app, {
    logger: deps.logger,
    bodyLimitBytes: deps.bodyLimitBytes,
    parameterErrorCode: 'INVALID_PARAMETER',
    onProblem: (req, res, problem) => {
      const officer = res.locals.officer as Officer | undefined;
      if (officer && req.method === 'POST' && auditsRefusal(problem)) exchange.recordRejected(officer, problem.code);
    },
  });

  return app;
}
