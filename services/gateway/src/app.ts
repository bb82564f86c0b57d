/**
 * The gateway's HTTP API (openapi/gateway.yaml), built from its dependencies; it never listens,
 * so tests run it in-process on port 0.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { MxError } from '../../core/src/errors/mx-error.ts';
import { addHealthRoutes, addProblemHandler, decodeCursor, encodeCursor, queryLimit, type ReadinessCheck } from '../../core/src/http/api.ts';
import type { components } from '../../../openapi/generated/gateway.ts';
import type { Officer, OfficerAuth } from '../../core/src/idp/officer-auth.ts';
import type { Exchange, NoticeRequest } from './exchange.ts';
import { ALERT_TYPES, RESPONSE_OF, victimDataAllowedAt } from './policy.ts';
import type { GatewayStore, InboxRow, SentRow } from './store.ts';
import type { RequestSchemas } from './request-schemas.ts';

type Schemas = components['schemas'];
type Role = 'liaison-officer' | 'interpol-desk' | 'auditor';

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
}

/** Who may call what (the README's role x route table is this table). */
export const ROUTE_ROLES: Record<string, readonly Role[]> = {
  'POST /v1/notices': ['liaison-officer', 'interpol-desk'],
  'GET /v1/messages/{id}': ['liaison-officer', 'interpol-desk', 'auditor'],
  'GET /v1/inbox': ['liaison-officer', 'interpol-desk'],
  'GET /v1/inbox/{id}': ['liaison-officer', 'interpol-desk'],
  'POST /v1/inbox/{id}/responses': ['liaison-officer', 'interpol-desk'],
  'GET /v1/cases/{caseRef}': ['liaison-officer', 'interpol-desk', 'auditor'],
  'GET /v1/dead-letters': ['liaison-officer', 'interpol-desk', 'auditor'],
};

/**
 * The INTERPOL desk role only ever sees offender alerts and their responses, whatever the gateway;
 * and at the INTERPOL gateway nobody sees anything else, whatever the role (a victim notice must
 * never be there; should one be, through a faulty build or a restored store, it stays unseen).
 */
function visibleTypes(endpoint: string, officer: Officer): readonly string[] {
  const all = victimDataAllowedAt(endpoint) && (officer.roles.has('liaison-officer') || officer.roles.has('auditor'));
  return all ? ['victim-repatriation-notice', 'repatriation-status-update', ...ALERT_TYPES] : ALERT_TYPES;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CASE_REF = /^(?:[A-Z]{2}|INTERPOL)-[0-9]{4}-[0-9]{6}$/;

function pathParam(req: Request, name: string, pattern: RegExp): string {
  const v = req.params[name];
  if (typeof v !== 'string' || !pattern.test(v)) {
    throw new MxError('VALIDATION_FAILED', `malformed ${name}`, { issues: [{ path: `/${name}`, code: 'pattern', message: `must be a valid ${name}` }] });
  }
  return v;
}

function iso(ms: number | null): string | undefined {
  return ms === null ? undefined : new Date(ms).toISOString();
}

export function buildApp(deps: AppDeps): express.Express {
  const { store, exchange, requests } = deps;
  const visible = (officer: Officer): readonly string[] => visibleTypes(deps.endpoint, officer);
  const canSee = (officer: Officer, type: string): boolean => visible(officer).includes(type);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  const route =
    (key: keyof typeof ROUTE_ROLES, handler: (req: Request, res: Response, officer: Officer) => Promise<void>) =>
    async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      let officer: Officer | undefined;
      try {
        officer = await deps.auth.authenticate(req.get('authorization'));
        if (!ROUTE_ROLES[key]!.some((r) => officer!.roles.has(r))) throw new MxError('FORBIDDEN', `the caller's role may not call ${key}`);
        await handler(req, res, officer);
      } catch (err) {
        // An authenticated officer's refused submission is an audit fact (who tried what, and why).
        if (officer && req.method === 'POST' && err instanceof MxError && err.status < 500) exchange.recordRejected(officer, err.code);
        next(err);
      }
    };

  const json = express.json({ limit: deps.bodyLimitBytes, strict: true, type: () => true });
  const requireJson = (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.is('application/json')) return next(new MxError('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json'));
    next();
  };

  addHealthRoutes(app, deps.ready);

  app.post(
    '/v1/notices',
    requireJson,
    json,
    route('POST /v1/notices', async (req, res, officer) => {
      requests.check('SubmitNoticeRequest', req.body);
      const body = req.body as NoticeRequest & { inReplyTo?: string };
      let accepted;
      if (RESPONSE_OF[body.type as keyof typeof RESPONSE_OF] !== undefined) {
        // A response sent through /v1/notices: it must name the received message it answers, and go to its sender only.
        const item = body.inReplyTo ? store.inboxById(body.inReplyTo) : undefined;
        if (!item || !canSee(officer, item.type)) throw new MxError('NOT_A_PARTY', 'a response must answer a message this endpoint received');
        if (body.to.length !== 1 || body.to[0] !== item.from_ep) throw new MxError('NOT_A_PARTY', 'a response goes to the original sender only');
        accepted = await exchange.respond(officer, item, body);
      } else {
        if (body.inReplyTo !== undefined) throw new MxError('VALIDATION_FAILED', 'only responses carry inReplyTo', { issues: [{ path: '/inReplyTo', code: 'notAllowed', message: 'only for responses' }] });
        accepted = await exchange.submit(officer, body);
      }
      res.status(202).location(`/v1/messages/${accepted.id}`).json(accepted satisfies Schemas['SubmitAccepted']);
    }),
  );

  /** The fields a sent and a received message share, from their common columns. */
  function messageFields(row: Pick<SentRow, 'id' | 'type' | 'to_json' | 'case_ref' | 'in_reply_to' | 'issued_at' | 'expires_at' | 'digest'>) {
    return {
      id: row.id,
      type: row.type as Schemas['BusinessMessageType'],
      to: JSON.parse(row.to_json) as string[],
      ...(row.case_ref !== null ? { caseRef: row.case_ref } : {}),
      ...(row.in_reply_to !== null ? { inReplyTo: row.in_reply_to } : {}),
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
      digest: row.digest,
    };
  }

  function sentLifecycle(row: SentRow): Schemas['MessageLifecycle'] {
    const now = Date.now();
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
        overdue: r.delivered_at === null && now - (r.published_at ?? row.created_at) > deps.overdueAfterMs,
      };
    });
    const stage = (r: (typeof recipients)[number]): number => (r.responded ? 4 : r.read ? 3 : r.delivered ? 2 : r.published ? 1 : 0);
    const names = ['queued', 'published', 'delivered', 'read', 'responded'] as const;
    const status = recipients.some((r) => r.rejected) ? 'rejected' : names[Math.min(...recipients.map(stage))] ?? 'queued';
    return {
      ...messageFields(row),
      direction: 'sent',
      from: deps.endpoint,
      status,
      recipients,
    };
  }

  function receivedLifecycle(row: InboxRow): Schemas['MessageLifecycle'] {
    const responseIds = JSON.parse(row.response_ids) as string[];
    return {
      ...messageFields(row),
      direction: 'received',
      from: row.from_ep,
      status: inboxStatus(row),
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
        },
      ],
    };
  }

  function inboxStatus(row: InboxRow): 'unread' | 'read' | 'responded' {
    return row.response_ids !== '[]' ? 'responded' : row.read_at !== null ? 'read' : 'unread';
  }

  function inboxFields(row: InboxRow): Schemas['InboxSummary'] {
    return {
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
      const id = pathParam(req, 'id', UUID);
      const sent = store.sent(id);
      const received = sent ? undefined : store.inboxById(id);
      const type = sent?.type ?? received?.type;
      // The INTERPOL desk is told a victim notice does not exist, not that it may not see it.
      if (type === undefined || !canSee(officer, type)) throw new MxError('NOT_FOUND', 'no such message at this endpoint');
      res.json(sent ? sentLifecycle(sent) : receivedLifecycle(received!));
    }),
  );

  app.get(
    '/v1/inbox',
    route('GET /v1/inbox', async (req, res, officer) => {
      const q = req.query;
      const allTypes = visible(officer);
      const type = q.type;
      if (type !== undefined && (typeof type !== 'string' || !['victim-repatriation-notice', 'repatriation-status-update', ...ALERT_TYPES].includes(type))) {
        throw new MxError('VALIDATION_FAILED', 'unknown type filter', { issues: [{ path: '/type', code: 'enum', message: 'must be a business message type' }] });
      }
      const status = q.status;
      if (status !== undefined && !['unread', 'read', 'responded'].includes(status as string)) {
        throw new MxError('VALIDATION_FAILED', 'unknown status filter', { issues: [{ path: '/status', code: 'enum', message: 'must be unread, read or responded' }] });
      }
      let since: number | undefined;
      if (q.since !== undefined) {
        since = typeof q.since === 'string' && q.since.length <= 30 ? Date.parse(q.since) : NaN;
        if (Number.isNaN(since)) throw new MxError('VALIDATION_FAILED', 'malformed since', { issues: [{ path: '/since', code: 'format', message: 'must be a date-time' }] });
      }
      const limit = queryLimit(q.limit, 50, 200);
      // Every member is bound into SQL: a cursor of any other shape is the client's error, not a 500.
      const after = decodeCursor(q.cursor, (v): v is { receivedAt: number; from: string; id: string } => {
        const o = v as { receivedAt?: unknown; from?: unknown; id?: unknown } | null;
        return typeof o === 'object' && o !== null && Number.isSafeInteger(o.receivedAt) && typeof o.from === 'string' && typeof o.id === 'string';
      });
      const types = type === undefined ? allTypes : allTypes.filter((t) => t === type);
      const rows = types.length === 0 ? [] : store.listInbox({ types, limit: limit + 1, ...(status ? { status: status as 'unread' } : {}), ...(since !== undefined ? { since } : {}), ...(after ? { after } : {}) });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      res.json({
        items: page.map(inboxFields),
        nextCursor: rows.length > limit && last ? encodeCursor({ receivedAt: last.received_at, from: last.from_ep, id: last.id }) : null,
      } satisfies Schemas['InboxPage']);
    }),
  );

  function inboxItemFor(req: Request, officer: Officer): InboxRow {
    const id = pathParam(req, 'id', UUID);
    const item = store.inboxById(id);
    if (!item || !canSee(officer, item.type)) throw new MxError('NOT_FOUND', 'no such inbox item');
    return item;
  }

  app.get(
    '/v1/inbox/:id',
    route('GET /v1/inbox/{id}', async (req, res, officer) => {
      const item = inboxItemFor(req, officer);
      await exchange.markRead(item, officer);
      const fresh = store.inboxByKey(item.from_ep, item.id)!;
      const jws = JSON.parse(fresh.record.toString('utf8')) as { payload: string };
      const document = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as Schemas['NoticeDocument'];
      res.set('cache-control', 'no-store').json({ ...inboxFields(fresh), document } satisfies Schemas['InboxItem']);
    }),
  );

  app.post(
    '/v1/inbox/:id/responses',
    requireJson,
    json,
    route('POST /v1/inbox/{id}/responses', async (req, res, officer) => {
      const item = inboxItemFor(req, officer);
      requests.check('RespondRequest', req.body);
      const accepted = await exchange.respond(officer, item, req.body as { type: string; body: Record<string, unknown>; expiresAt?: string });
      res.status(202).location(`/v1/messages/${accepted.id}`).json(accepted satisfies Schemas['SubmitAccepted']);
    }),
  );

  app.get(
    '/v1/cases/:caseRef',
    route('GET /v1/cases/{caseRef}', async (req, res, officer) => {
      const caseRef = pathParam(req, 'caseRef', CASE_REF);
      // A case opened by a victim notice does not exist for whoever may not see victim notices,
      // even when an alert between its parties is tagged with it.
      if (!canSee(officer, 'victim-repatriation-notice') && store.caseParties(caseRef)) throw new MxError('NOT_FOUND', 'no such case at this endpoint');
      const rows = store.caseMessages(caseRef).filter((m) => canSee(officer, m.type));
      if (rows.length === 0) throw new MxError('NOT_FOUND', 'no such case at this endpoint');
      const messages = rows.map((m) => (m.direction === 'sent' ? sentLifecycle(store.sent(m.id)!) : receivedLifecycle(store.inboxByKey(m.from!, m.id)!)));
      const parties = store.caseParties(caseRef) ?? [...new Set(messages.flatMap((m) => [m.from, ...m.to]))].sort();
      res.json({ caseRef, parties, messages } satisfies Schemas['Case']);
    }),
  );

  app.get(
    '/v1/dead-letters',
    route('GET /v1/dead-letters', async (req, res) => {
      const limit = queryLimit(req.query.limit, 50, 200);
      const after = decodeCursor(req.query.cursor, (v): v is number => typeof v === 'number' && Number.isInteger(v)) ?? 0;
      const rows = store.listDeadLetters(after, limit + 1);
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
        })),
        nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
      } satisfies Schemas['DeadLetterPage']);
    }),
  );

  addProblemHandler(app, { logger: deps.logger, bodyLimitBytes: deps.bodyLimitBytes });

  return app;
}
