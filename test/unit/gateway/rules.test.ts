/**
 * The gateway's pure rules, without Kafka or a store: admission of a verified record, routing of
 * a submission, and what a submission does to cases. State comes from plain in-memory lookups.
 */
import { MxError } from '../../../services/core/src/errors/mx-error.ts';
import { DEFAULT_ROUTING_POLICY } from '../../../services/gateway/src/config.ts';
import { RoutingPolicy } from '../../../services/gateway/src/policy.ts';
import { admit, caseAction, checkRoute, MAX_RESPONSES, recordKey, type AdmissionFacts, type ReceivedDocument } from '../../../services/gateway/src/rules.ts';

const policy = RoutingPolicy.fromFile(DEFAULT_ROUTING_POLICY);
const ID = '01900000-0000-7000-8000-000000000001';
const ORIGINAL = '01900000-0000-7000-8000-0000000000aa';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof MxError) return e.code;
    throw e;
  }
}

/** In-memory stand-ins for the store's lookups (plain data, not a mock of the store's behaviour). */
type Received = { type: string; to: string[]; caseRef?: string; supersededBy?: string; withdrawnBy?: string };

function facts(init: Partial<{ received: Record<string, Received>; inbox: string[]; receipts: string[]; recipients: Record<string, string[]>; sent: Record<string, { type: string; to: string[]; caseRef?: string; digest: string }>; cases: Record<string, string[]> }> = {}): AdmissionFacts {
  return {
    inboxByKey: (from, id) => {
      const r = init.received?.[`${from}/${id}`];
      if (r) return { response_ids: '[]', type: r.type, to_json: JSON.stringify(r.to), case_ref: r.caseRef ?? null, superseded_by: r.supersededBy ?? null, withdrawn_by: r.withdrawnBy ?? null };
      return init.inbox?.includes(`${from}/${id}`) ? { response_ids: '[]' } : undefined;
    },
    inboxById: (id) => Object.keys(init.received ?? {}).find((k) => k.endsWith(`/${id}`)),
    seenReceipt: (from, id) => (init.receipts?.includes(`${from}/${id}`) ? { digest: 'x' } : undefined),
    recipient: (messageId, endpoint) => {
      const ids = init.recipients?.[`${messageId}/${endpoint}`];
      return ids ? { response_ids: JSON.stringify(ids) } : undefined;
    },
    sent: (id) => {
      const s = init.sent?.[id];
      return s ? { type: s.type, to_json: JSON.stringify(s.to), case_ref: s.caseRef ?? null, digest: s.digest } : undefined;
    },
    caseParties: (ref) => init.cases?.[ref],
  };
}

function doc(over: Partial<ReceivedDocument>): ReceivedDocument {
  return { id: ID, type: 'offender-travel-alert', from: 'INTERPOL', to: ['LA'], issuedAt: '2026-01-01T00:00:00Z', expiresAt: '2026-02-01T00:00:00Z', ...over };
}

describe('admit', () => {
  it('accepts an alert addressed to this endpoint', () => {
    expect(codeOf(() => admit(doc({}), 'LA', policy, facts()))).toBeUndefined();
  });

  it('refuses what is not addressed to it, and what the policy forbids (a victim notice at INTERPOL)', () => {
    expect(codeOf(() => admit(doc({ to: ['TH'] }), 'LA', policy, facts()))).toBe('NOT_ADDRESSED');
    expect(codeOf(() => admit(doc({ type: 'victim-repatriation-notice', from: 'TH', to: ['INTERPOL'], caseRef: 'TH-2026-000001' }), 'INTERPOL', policy, facts()))).toBe('ROUTE_FORBIDDEN');
  });

  it('refuses a second record under a (from, id) already stored', () => {
    expect(codeOf(() => admit(doc({}), 'LA', policy, facts({ inbox: [`INTERPOL/${ID}`] })))).toBe('ID_CONFLICT');
  });

  it('opens a case only under the opener\'s prefix, and keeps later messages between its parties', () => {
    const notice = (from: string, to: string[], caseRef: string) => doc({ type: 'victim-repatriation-notice', from, to, caseRef });
    expect(codeOf(() => admit(notice('TH', ['LA'], 'TH-2026-000001'), 'LA', policy, facts()))).toBeUndefined();
    expect(codeOf(() => admit(notice('CN', ['LA'], 'TH-2026-000001'), 'LA', policy, facts()))).toBe('NOT_A_PARTY');
    expect(codeOf(() => admit(notice('CN', ['LA'], 'TH-2026-000001'), 'LA', policy, facts({ cases: { 'TH-2026-000001': ['LA', 'TH'] } })))).toBe('NOT_A_PARTY');
    expect(codeOf(() => admit(notice('TH', ['LA'], 'TH-2026-000001'), 'LA', policy, facts({ cases: { 'TH-2026-000001': ['LA', 'TH'] } })))).toBeUndefined();
  });

  describe('responses', () => {
    const response = (over: Partial<ReceivedDocument> = {}) => doc({ type: 'offender-alert-response', from: 'TH', to: ['LA'], inReplyTo: ORIGINAL, ...over });
    const sentAlert = { [ORIGINAL]: { type: 'offender-travel-alert', to: ['TH', 'CN'], digest: 'd' } };

    it('accepts an answer from a recipient of the original, to its sender only', () => {
      expect(codeOf(() => admit(response(), 'LA', policy, facts({ sent: sentAlert, recipients: { [`${ORIGINAL}/TH`]: [] } })))).toBeUndefined();
    });

    it('refuses answers to unknown originals, from non-recipients, outside the case, or to several', () => {
      expect(codeOf(() => admit(response(), 'LA', policy, facts()))).toBe('NOT_A_PARTY');
      expect(codeOf(() => admit(response({ from: 'INTERPOL' }), 'LA', policy, facts({ sent: sentAlert })))).toBe('NOT_A_PARTY');
      expect(codeOf(() => admit(response({ caseRef: 'LA-2026-000001' }), 'LA', policy, facts({ sent: sentAlert })))).toBe('NOT_A_PARTY');
      expect(codeOf(() => admit(response({ to: ['LA', 'CN'] }), 'LA', policy, facts({ sent: sentAlert })))).toBe('NOT_A_PARTY');
    });

    it(`refuses an answer beyond ${MAX_RESPONSES} from one recipient`, () => {
      const full = Array.from({ length: MAX_RESPONSES }, (_, i) => `r${i}`);
      expect(codeOf(() => admit(response(), 'LA', policy, facts({ sent: sentAlert, recipients: { [`${ORIGINAL}/TH`]: full } })))).toBe('TOO_MANY_RESPONSES');
      expect(codeOf(() => admit(response(), 'LA', policy, facts({ sent: sentAlert, recipients: { [`${ORIGINAL}/TH`]: full.slice(1) } })))).toBeUndefined();
    });
  });

  describe('receipts', () => {
    const receipt = (over: Partial<ReceivedDocument> = {}) => doc({ type: 'delivery-receipt', from: 'TH', to: ['LA'], body: { messageId: ORIGINAL, messageDigest: 'd' }, ...over });

    it('accepts a receipt for exactly the bytes this endpoint sent to its sender', () => {
      const f = facts({ sent: { [ORIGINAL]: { type: 'offender-travel-alert', to: ['TH'], digest: 'd' } }, recipients: { [`${ORIGINAL}/TH`]: [] } });
      expect(codeOf(() => admit(receipt(), 'LA', policy, f))).toBeUndefined();
      expect(codeOf(() => admit(receipt({ body: { messageId: ORIGINAL, messageDigest: 'other' } }), 'LA', policy, f))).toBe('ID_CONFLICT');
    });

    it('refuses a receipt reusing an id, or about a message not sent to its sender', () => {
      expect(codeOf(() => admit(receipt(), 'LA', policy, facts({ receipts: [`TH/${ID}`] })))).toBe('ID_CONFLICT');
      expect(codeOf(() => admit(receipt(), 'LA', policy, facts()))).toBe('NOT_A_PARTY');
    });
  });
});

describe('sending rules', () => {
  it('checkRoute: every recipient must be allowed; INTERPOL never gets a victim notice', () => {
    expect(codeOf(() => checkRoute(policy, 'victim-repatriation-notice', 'TH', ['LA', 'CN']))).toBeUndefined();
    expect(codeOf(() => checkRoute(policy, 'victim-repatriation-notice', 'TH', ['LA', 'INTERPOL']))).toBe('ROUTE_FORBIDDEN');
    expect(codeOf(() => checkRoute(policy, 'offender-travel-alert', 'INTERPOL', ['LA', 'TH', 'CN']))).toBeUndefined();
  });

  it('caseAction: join an existing case between its parties, open one under the own prefix', () => {
    expect(caseAction('TH', 'victim-repatriation-notice', ['LA'], 'TH-2026-000002', undefined)).toBe('open');
    expect(codeOf(() => caseAction('TH', 'victim-repatriation-notice', ['LA'], 'LA-2026-000002', undefined))).toBe('VALIDATION_FAILED');
    expect(caseAction('TH', 'repatriation-status-update', ['LA'], 'TH-2026-000002', ['LA', 'TH'])).toBe('join');
    expect(codeOf(() => caseAction('TH', 'repatriation-status-update', ['CN'], 'TH-2026-000002', ['LA', 'TH']))).toBe('NOT_A_PARTY');
    expect(caseAction('INTERPOL', 'offender-travel-alert', ['LA'], 'INTERPOL-2026-000001', undefined)).toBe('none');
  });

  it('recordKey: a case stays in one partition, a thread without a case follows its first message', () => {
    expect(recordKey({ caseRef: 'TH-2026-000001', inReplyTo: ORIGINAL, id: ID })).toBe('TH-2026-000001');
    expect(recordKey({ inReplyTo: ORIGINAL, id: ID })).toBe(ORIGINAL);
    expect(recordKey({ id: ID })).toBe(ID);
  });
});

describe('admit: withdrawals and corrections', () => {
  const alert: Received = { type: 'offender-travel-alert', to: ['LA', 'INTERPOL'] };
  const withdrawal = (over: Partial<ReceivedDocument> = {}) => doc({ type: 'offender-alert-withdrawal', from: 'TH', to: ['LA', 'INTERPOL'], supersedes: ORIGINAL, ...over });
  const correction = (over: Partial<ReceivedDocument> = {}) => doc({ type: 'offender-travel-alert', from: 'TH', to: ['LA', 'INTERPOL'], supersedes: ORIGINAL, ...over });

  it('admits a withdrawal or a correction of the current version, from its sender, to its recipients', () => {
    const f = facts({ received: { [`TH/${ORIGINAL}`]: alert } });
    expect(codeOf(() => admit(withdrawal(), 'LA', policy, f))).toBeUndefined();
    expect(codeOf(() => admit(correction(), 'LA', policy, f))).toBeUndefined();
    expect(codeOf(() => admit(withdrawal({ to: ['LA'] }), 'LA', policy, f))).toBeUndefined();
  });

  it('refuses one from another sender, of something never received, or of a withdrawn or superseded version', () => {
    expect(codeOf(() => admit(withdrawal({ from: 'CN' }), 'LA', policy, facts({ received: { [`TH/${ORIGINAL}`]: alert } })))).toBe('NOT_ORIGINAL_SENDER');
    expect(codeOf(() => admit(withdrawal(), 'LA', policy, facts()))).toBe('UNKNOWN_ORIGINAL');
    expect(codeOf(() => admit(correction(), 'LA', policy, facts({ received: { [`TH/${ORIGINAL}`]: { ...alert, withdrawnBy: ID } } })))).toBe('ALREADY_WITHDRAWN');
    expect(codeOf(() => admit(withdrawal(), 'LA', policy, facts({ received: { [`TH/${ORIGINAL}`]: { ...alert, supersededBy: ID } } })))).toBe('SUPERSEDED');
  });

  it('refuses a withdrawal of anything but an alert, a correction of another type, one outside the case or the recipients', () => {
    const notice: Received = { type: 'victim-repatriation-notice', to: ['LA'], caseRef: 'TH-2026-000001' };
    const f = facts({ received: { [`TH/${ORIGINAL}`]: notice }, cases: { 'TH-2026-000001': ['LA', 'TH'] } });
    expect(codeOf(() => admit(withdrawal({ to: ['LA'] }), 'LA', policy, f))).toBe('NOT_WITHDRAWABLE');
    expect(codeOf(() => admit(correction({ to: ['LA'], caseRef: 'TH-2026-000001' }), 'LA', policy, f))).toBe('NOT_WITHDRAWABLE');
    expect(codeOf(() => admit(doc({ type: 'victim-repatriation-notice', from: 'TH', to: ['LA'], caseRef: 'TH-2026-000001', supersedes: ORIGINAL }), 'LA', policy, f))).toBeUndefined();
    expect(codeOf(() => admit(doc({ type: 'victim-repatriation-notice', from: 'TH', to: ['LA'], caseRef: 'TH-2026-000009', supersedes: ORIGINAL }), 'LA', policy, f))).toBe('NOT_A_PARTY');
    expect(codeOf(() => admit(withdrawal({ to: ['LA', 'CN'] }), 'LA', policy, facts({ received: { [`TH/${ORIGINAL}`]: alert } })))).toBe('NOT_A_PARTY');
  });

  it('routes a withdrawal as its alert, never a victim type to INTERPOL', () => {
    expect(policy.allows('offender-alert-withdrawal', 'TH', 'INTERPOL')).toBe(true);
    expect(policy.allows('victim-repatriation-notice', 'TH', 'INTERPOL')).toBe(false);
  });
});
