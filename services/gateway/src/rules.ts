/**
 * The gateway's pure rules: who may originate or answer which type, where a message may go, and
 * whether a verified record is admitted. They read state only through the lookups they are given
 * and change nothing, so they are unit-tested without Kafka or a store.
 */
import { MxError } from '../../core/src/errors/mx-error.ts';
import type { Officer } from '../../core/src/idp/officer-auth.ts';
import type { MessageType } from '../../core/src/schemas/registry.ts';
import { RESPONSE_OF, VICTIM_TYPES, type RoutingPolicy } from './policy.ts';

/** The types an officer may originate (responses go through the inbox), and the roles that may. */
export const ORIGINATING: Partial<Record<MessageType, readonly string[]>> = {
  'victim-repatriation-notice': ['liaison-officer'],
  'offender-travel-alert': ['liaison-officer', 'interpol-desk'],
};
/** The types an officer may answer with, and the roles that may. */
export const RESPONDING: Partial<Record<MessageType, readonly string[]>> = {
  'repatriation-status-update': ['liaison-officer'],
  'offender-alert-response': ['liaison-officer', 'interpol-desk'],
};

/** The types a sender may correct with a new version (a document of the same type naming it in `supersedes`). */
export const CORRECTABLE: readonly MessageType[] = ['victim-repatriation-notice', 'offender-travel-alert'];
/** The type an `offender-alert-withdrawal` withdraws. */
export const WITHDRAWABLE: MessageType = 'offender-travel-alert';

/** The most responses one received message may collect (the `responseIds` schemas' `maxItems`). */
export const MAX_RESPONSES = 100;

export function hasRole(officer: Pick<Officer, 'roles'>, allowed: readonly string[] | undefined): boolean {
  return allowed !== undefined && allowed.some((r) => officer.roles.has(r as never));
}

export function issue(path: string, code: string, message: string) {
  return { path, code, message };
}

/** The routing policy must allow `type` from `me` to every recipient (ROUTE_FORBIDDEN). */
export function checkRoute(policy: Pick<RoutingPolicy, 'allows'>, type: MessageType, me: string, to: readonly string[]): void {
  for (const r of to) {
    if (!policy.allows(type, me, r)) throw new MxError('ROUTE_FORBIDDEN', `the routing policy does not allow a ${type} from ${me} to ${r}`);
  }
}

/** The record key: a case stays ordered in its partition; other threads by their first message. */
export function recordKey(doc: { caseRef?: string | undefined; inReplyTo?: string | undefined; id: string }): string {
  return doc.caseRef ?? doc.inReplyTo ?? doc.id;
}

/**
 * What a submission does to cases: `join` (the case exists and the sender and recipients are its
 * parties), `open` (a victim notice opens it, under the sender's own prefix), or `none` (an alert
 * tagged with a reference this endpoint does not know). Throws NOT_A_PARTY or VALIDATION_FAILED.
 */
export function caseAction(me: string, type: MessageType, to: readonly string[], caseRef: string, parties: readonly string[] | undefined): 'join' | 'open' | 'none' {
  if (parties) {
    if (!parties.includes(me) || to.some((r) => !parties.includes(r))) throw new MxError('NOT_A_PARTY', 'the recipients must be parties to the case');
    return 'join';
  }
  if (!VICTIM_TYPES.includes(type)) return 'none';
  if (!caseRef.startsWith(`${me}-`)) {
    throw new MxError('VALIDATION_FAILED', "a new case is opened under this endpoint's prefix", { issues: [issue('/caseRef', 'caseRefPrefix', `must start with ${me}-`)] });
  }
  return 'open';
}

/** The fields of a verified document the gateway reads. */
export interface ReceivedDocument {
  id: string;
  type: MessageType;
  from: string;
  to: string[];
  issuedAt: string;
  expiresAt: string;
  caseRef?: string;
  inReplyTo?: string;
  supersedes?: string;
  body?: Record<string, unknown>;
}

/** What admission reads of a received message that a withdrawal or correction names. */
export interface RevisableRow {
  type: string;
  to_json: string;
  case_ref: string | null;
  superseded_by: string | null;
  withdrawn_by: string | null;
}

/** The stored state admission consults (the gateway store provides it). */
export interface AdmissionFacts {
  inboxByKey(from: string, id: string): ({ response_ids: string } & Partial<RevisableRow>) | undefined;
  /** Whether any sender's message with this id was received (a follow-up from another sender is NOT_ORIGINAL_SENDER). */
  inboxById(id: string): unknown;
  seenReceipt(from: string, id: string): unknown;
  recipient(messageId: string, endpoint: string): { response_ids: string } | undefined;
  sent(id: string): { type: string; to_json: string; case_ref: string | null; digest: string } | undefined;
  caseParties(caseRef: string): string[] | undefined;
}

/**
 * The receiver's rules, run by verifyNotice once the signature, sender and issue time have checked
 * out. Throws the code the record is quarantined with.
 */
export function admit(doc: ReceivedDocument, me: string, policy: Pick<RoutingPolicy, 'allows'>, facts: AdmissionFacts): void {
  if (!doc.to.includes(me)) throw new MxError('NOT_ADDRESSED', `this endpoint (${me}) is not in to`);
  if (!policy.allows(doc.type, doc.from, me)) throw new MxError('ROUTE_FORBIDDEN', `a ${doc.type} from ${doc.from} to ${me} is not allowed`);
  if (doc.type === 'delivery-receipt') {
    if (facts.seenReceipt(doc.from, doc.id)) throw new MxError('ID_CONFLICT', 'another receipt already uses this id');
    const body = doc.body as { messageId: string; messageDigest: string };
    if (!facts.recipient(body.messageId, doc.from)) throw new MxError('NOT_A_PARTY', 'a receipt for a message this endpoint did not send to its sender');
    // A receipt speaks for the exact bytes it names. One about other bytes under our id (a record
    // someone else signed with this endpoint's key, rejected as ID_CONFLICT) says nothing about
    // the message this endpoint sent, which must not be shown as rejected (nor as delivered).
    if (facts.sent(body.messageId)?.digest !== body.messageDigest) throw new MxError('ID_CONFLICT', 'a receipt for other bytes under the id of a message this endpoint sent');
    return;
  }
  if (facts.inboxByKey(doc.from, doc.id)) throw new MxError('ID_CONFLICT', 'another record already uses this (from, id)');
  if (doc.supersedes !== undefined) admitRevision(doc as ReceivedDocument & { supersedes: string }, facts);
  const answers = RESPONSE_OF[doc.type];
  if (answers !== undefined) {
    const original = doc.inReplyTo ? facts.sent(doc.inReplyTo) : undefined;
    if (!original || original.type !== answers) throw new MxError('NOT_A_PARTY', 'a response to a message this endpoint did not send');
    if (!(JSON.parse(original.to_json) as string[]).includes(doc.from)) throw new MxError('NOT_A_PARTY', 'a response from an endpoint that did not receive the original');
    if (doc.to.length !== 1) throw new MxError('NOT_A_PARTY', 'a response goes to the original sender only');
    if ((original.case_ref ?? undefined) !== doc.caseRef) throw new MxError('NOT_A_PARTY', 'a response outside the case of the original');
    // The original's lifecycle keeps at most MAX_RESPONSES answers per recipient; more is a flood, not a case.
    const seen = facts.recipient(doc.inReplyTo!, doc.from);
    if (seen && (JSON.parse(seen.response_ids) as string[]).length >= MAX_RESPONSES) throw new MxError('TOO_MANY_RESPONSES', `the original already has ${MAX_RESPONSES} responses from this endpoint`);
  }
  if (doc.caseRef) {
    // A case's later messages, of any type, go only between its parties (the sending gateway
    // checks the same, but can only know the cases it is party to).
    const parties = facts.caseParties(doc.caseRef);
    if (parties && (!parties.includes(doc.from) || doc.to.some((r) => !parties.includes(r)))) throw new MxError('NOT_A_PARTY', 'sender or recipients are not parties to the case');
    // A case is opened under its opener's own prefix, or anyone could take another's reference
    // first and lock the real opener out of it.
    if (!parties && doc.type === 'victim-repatriation-notice' && !doc.caseRef.startsWith(`${doc.from}-`)) throw new MxError('NOT_A_PARTY', 'a case is opened only by the endpoint its reference names');
  }
}

/**
 * A withdrawal or correction is admitted only from the original's own sender, for the current
 * version of a message this endpoint received, of a type that may be withdrawn or corrected, in
 * the original's case and to its recipients. Records of one thread share a record key, so the
 * original always arrives first: a follow-up of something never received is refused, not parked.
 */
export function admitRevision(doc: ReceivedDocument & { supersedes: string }, facts: Pick<AdmissionFacts, 'inboxByKey' | 'inboxById'>): void {
  const original = facts.inboxByKey(doc.from, doc.supersedes);
  if (!original) {
    if (facts.inboxById(doc.supersedes) !== undefined) throw new MxError('NOT_ORIGINAL_SENDER', 'a withdrawal or correction of a message another endpoint sent');
    throw new MxError('UNKNOWN_ORIGINAL', 'a withdrawal or correction of a message this endpoint never received');
  }
  const withdrawal = doc.type === 'offender-alert-withdrawal';
  if (withdrawal ? original.type !== WITHDRAWABLE : original.type !== doc.type || !CORRECTABLE.includes(doc.type)) {
    throw new MxError('NOT_WITHDRAWABLE', withdrawal ? 'only an offender alert is withdrawn' : 'a correction has the type of the original, a victim notice or an offender alert');
  }
  if ((original.withdrawn_by ?? null) !== null) throw new MxError('ALREADY_WITHDRAWN', 'the alert was withdrawn before');
  if ((original.superseded_by ?? null) !== null) throw new MxError('SUPERSEDED', 'the named version was corrected before');
  if ((original.case_ref ?? undefined) !== doc.caseRef) throw new MxError('NOT_A_PARTY', 'a withdrawal or correction outside the case of the original');
  const recipients = JSON.parse(original.to_json ?? '[]') as string[];
  if (doc.to.some((r) => !recipients.includes(r))) throw new MxError('NOT_A_PARTY', 'a withdrawal or correction goes to the recipients of the original only');
}
