/**
 * SchemaRegistry.validate / validateDocument on real documents: issue format, the rules that cross
 * members (exactly one body, type-specific requirements, schema derived from type), and that no
 * issue ever echoes a value.
 */
import { bodySchemaId, ENVELOPE_SCHEMA_ID, SCHEMA_BASE, SchemaRegistry, unsupportedReason, type ValidationIssue } from '../../services/core/src/schemas/registry.ts';
import { buildDocument, loadBody, loadEncryptedBody, loadEnvelope } from '../fixtures/documents/index.ts';

const registry = SchemaRegistry.load();
const codes = (issues: ValidationIssue[]): string[] => issues.map((i) => `${i.path} ${i.code}`);
type Doc = Record<string, unknown>;
const victimDoc = (): Doc => loadEnvelope() as unknown as Doc;

describe('issues', () => {
  it('point at a missing member with a JSON pointer and name the keyword', () => {
    const body = loadBody('victim-repatriation-notice') as unknown as { child: Doc };
    delete body.child['sex'];
    const issues = registry.validate(bodySchemaId('victim-repatriation-notice'), body);
    expect(issues).toEqual([{ path: '/child/sex', code: 'required', message: 'must have required property "sex"' }]);
  });

  it('point into arrays by index and escape pointer tokens', () => {
    const body = loadBody('victim-repatriation-notice');
    body.child.names[1]!.lang = 'EN';
    expect(codes(registry.validate(bodySchemaId('victim-repatriation-notice'), body))).toEqual(['/child/names/1/lang pattern']);
    const env = { ...victimDoc() };
    delete env['sender'];
    expect(codes(registry.validateDocument(env))).toEqual(['/sender required']);
  });

  it('are [] for a valid value', () => {
    expect(registry.validateDocument(victimDoc())).toEqual([]);
  });
});

describe('validateDocument', () => {
  it('checks the body against the schema of its type and prefixes paths with /body', () => {
    const doc = victimDoc() as { body: { child: Doc } };
    delete doc.body.child['sex'];
    expect(codes(registry.validateDocument(doc))).toEqual(['/body/child/sex required']);
  });

  it('requires schema to be the id derived from type, never following the sender', () => {
    const doc = victimDoc();
    doc['schema'] = bodySchemaId('audit-event');
    expect(registry.validateDocument(doc)).toEqual([{ path: '/schema', code: 'const', message: 'must be the body schema id derived from type' }]);
    doc['schema'] = `${SCHEMA_BASE}victim-repatriation-notice.v2.json`;
    expect(codes(registry.validateDocument(doc))).toEqual(['/schema const']);
    doc['schema'] = 'https://evil.example/victim-repatriation-notice.v1.json';
    expect(codes(registry.validateDocument(doc))).toEqual(['/schema pattern']);
  });

  it('a body of another type does not pass under a type whose schema it names', () => {
    const doc = buildDocument('offender-travel-alert') as unknown as Doc;
    doc['body'] = loadBody('offender-alert-response');
    expect(registry.validateDocument(doc)[0]?.path).toMatch(/^\/body/);
  });

  it('rejects an unknown type and anything that is not an object', () => {
    expect(codes(registry.validateDocument({ ...victimDoc(), type: 'victim-notice' }))).toEqual(['/type enum']);
    for (const v of [null, 'x', 7, [], undefined]) expect(codes(registry.validateDocument(v))).toEqual([' type']);
  });

  it('requires exactly one of body and encryptedBody', () => {
    const both = { ...victimDoc(), encryptedBody: loadEncryptedBody() };
    expect(codes(registry.validateDocument(both))).toEqual([' oneOf']);
    const neither = victimDoc();
    delete neither['body'];
    // Ajv reports each failed alternative, then the oneOf.
    expect(codes(registry.validateDocument(neither))).toEqual(['/body required', '/encryptedBody required', ' oneOf']);
  });

  it('accepts an encrypted victim notice (its body is validated once decrypted)', () => {
    expect(registry.validateDocument(buildDocument('victim-repatriation-notice', { encrypted: true }))).toEqual([]);
    expect(registry.validateDocument(buildDocument('repatriation-status-update', { encrypted: true }))).toEqual([]);
  });

  it.each(['offender-travel-alert', 'offender-alert-response'] as const)('accepts an encrypted %s (every business type is sent encrypted)', (type) => {
    expect(registry.validateDocument(buildDocument(type, { encrypted: true }))).toEqual([]);
  });

  it.each(['delivery-receipt', 'audit-event'] as const)('never accepts an encrypted %s', (type) => {
    expect(registry.validateDocument(buildDocument(type, { encrypted: true })).length).toBeGreaterThan(0);
  });

  it.each([
    ['victim-repatriation-notice', 'caseRef'],
    ['repatriation-status-update', 'caseRef'],
    ['repatriation-status-update', 'inReplyTo'],
    ['offender-alert-response', 'inReplyTo'],
  ] as const)('%s requires %s', (type, member) => {
    const doc = buildDocument(type) as unknown as Doc;
    delete doc[member];
    expect(codes(registry.validateDocument(doc))).toEqual([`/${member} required`]);
  });

  it('does not require caseRef or inReplyTo of an offender alert', () => {
    const doc = buildDocument('offender-travel-alert');
    expect(doc.caseRef).toBeUndefined();
    expect(doc.inReplyTo).toBeUndefined();
    expect(registry.validateDocument(doc)).toEqual([]);
  });

  it("requires an audit event's gateway to be the document's from", () => {
    const doc = buildDocument('audit-event', { from: 'LA' });
    doc.body!.gateway = 'TH';
    expect(codes(registry.validateDocument(doc))).toEqual(['/body/gateway const']);
  });

  it('bounds and de-duplicates recipients, and accepts a new counterpart by its code alone', () => {
    expect(codes(registry.validateDocument(buildDocument('offender-travel-alert', { to: ['LA', 'LA'] })))).toEqual(['/to uniqueItems']);
    expect(codes(registry.validateDocument(buildDocument('offender-travel-alert', { to: [] })))).toEqual(['/to minItems']);
    const seventeen = Array.from({ length: 17 }, (_, i) => String.fromCharCode(65 + i).repeat(2));
    expect(codes(registry.validateDocument(buildDocument('offender-travel-alert', { to: seventeen })))).toEqual(['/to maxItems']);
    expect(registry.validateDocument(buildDocument('offender-travel-alert', { to: ['KH', 'MM', 'VN', 'INTERPOL'] }))).toEqual([]);
    for (const bad of ['la', 'LAO', 'interpol', 'L', 'INTERPO']) {
      expect(codes(registry.validateDocument(buildDocument('offender-travel-alert', { to: [bad] })))).toEqual(['/to/0 pattern']);
    }
    expect(codes(registry.validateDocument(buildDocument('offender-travel-alert', { to: ['INTERPOLX'] })))).toEqual(['/to/0 maxLength']);
  });

  it('requires UTC timestamps with a Z suffix and real calendar dates', () => {
    const doc = victimDoc();
    for (const bad of ['2026-03-02T15:15:00+07:00', '2026-03-02T08:15:00.000z', '2026-03-02 08:15:00Z', '2026-03-02']) {
      expect(codes(registry.validateDocument({ ...doc, issuedAt: bad }))).toEqual(['/issuedAt pattern']);
    }
    expect(codes(registry.validateDocument({ ...doc, issuedAt: '2026-02-29T08:15:00Z' }))).toEqual(['/issuedAt format']);
    for (const good of ['2026-03-02T08:15:00Z', '2026-03-02T08:15:00.123456789Z']) {
      expect(registry.validateDocument({ ...doc, issuedAt: good })).toEqual([]);
    }
    expect(codes(registry.validateDocument({ ...doc, id: '01950c2a-6b3e-4c1d-8e2f-0123456789ab' }))).toEqual(['/id pattern']);
    expect(codes(registry.validateDocument({ ...doc, id: '01950C2A-6B3E-7C1D-8E2F-0123456789AB' }))).toEqual(['/id pattern']);
  });
});

describe('body rules that cross members', () => {
  const victim = bodySchemaId('victim-repatriation-notice');

  it('a child has exactly one of dateOfBirth and estimatedAge', () => {
    const both = loadBody('victim-repatriation-notice');
    both.child.dateOfBirth = '2011-04-01';
    expect(codes(registry.validate(victim, both))).toEqual(['/child oneOf']);
    const neither = loadBody('victim-repatriation-notice');
    delete neither.child.estimatedAge;
    expect(codes(registry.validate(victim, neither))).toEqual(['/child/dateOfBirth required', '/child/estimatedAge required', '/child oneOf']);
  });

  it('accepts the language tags the exchange uses and refuses malformed ones', () => {
    const body = loadBody('victim-repatriation-notice');
    for (const lang of ['lo', 'th', 'zh-Hans', 'en', 'en-Latn', 'lo-Latn', 'hnj', 'zh-Hans-CN', 'km-KH']) {
      body.child.names[0]!.lang = lang;
      expect([lang, registry.validate(victim, body)]).toEqual([lang, []]);
    }
    for (const lang of ['zh_Hans', 'EN', 'zh-hans', 'english', '', 'lo-Latn-']) {
      body.child.names[0]!.lang = lang;
      expect([lang, codes(registry.validate(victim, body))]).toEqual([lang, ['/child/names/0/lang pattern']]);
    }
  });

  it('other forms of exploitation, crossings, consultation and assessment need their details', () => {
    const a = loadBody('victim-repatriation-notice');
    a.exploitation.forms.push('other');
    expect(codes(registry.validate(victim, a))).toEqual(['/exploitation/otherDescription required']);
    const b = loadBody('victim-repatriation-notice');
    b.handover.crossingPoint = { code: 'other' };
    expect(codes(registry.validate(victim, b))).toEqual(['/handover/crossingPoint/name required']);
    const c = loadBody('victim-repatriation-notice');
    delete c.childViews.consultedOn;
    expect(codes(registry.validate(victim, c))).toEqual(['/childViews/consultedOn required']);
    const d = loadBody('victim-repatriation-notice');
    delete d.bestInterestsAssessment.by;
    expect(codes(registry.validate(victim, d))).toEqual(['/bestInterestsAssessment/by required']);
  });

  it('an estimated age is a child age', () => {
    const body = loadBody('victim-repatriation-notice');
    body.child.estimatedAge!.years = 18;
    expect(codes(registry.validate(victim, body))).toEqual(['/child/estimatedAge/years maximum']);
  });

  it('a status update of handover-scheduled carries the handover', () => {
    const body = loadBody('repatriation-status-update');
    delete body.handover;
    expect(codes(registry.validate(bodySchemaId('repatriation-status-update'), body))).toEqual(['/handover required']);
  });

  it('a rejected receipt carries a reason code, an accepted or read one none', () => {
    const id = bodySchemaId('delivery-receipt');
    const rejected = { ...loadBody('delivery-receipt'), outcome: 'rejected' };
    expect(codes(registry.validate(id, rejected))).toEqual(['/reasonCode required']);
    const accepted = { ...loadBody('delivery-receipt'), reasonCode: 'SIGNATURE_INVALID' };
    expect(codes(registry.validate(id, accepted))).toEqual(['/reasonCode false schema']);
    const read = { ...loadBody('delivery-receipt'), outcome: 'read', reasonCode: 'SIGNATURE_INVALID' };
    expect(codes(registry.validate(id, read))).toEqual(['/reasonCode false schema']);
  });

  it('an audit chain starts at seq 1 with prevDigest null and only there', () => {
    const id = bodySchemaId('audit-event');
    const base = loadBody('audit-event');
    expect(codes(registry.validate(id, { ...base, seq: 1 }))).toEqual(['/prevDigest type']);
    expect(codes(registry.validate(id, { ...base, prevDigest: null }))).toEqual(['/prevDigest type']);
    expect(registry.validate(id, { ...base, seq: 1, prevDigest: null })).toEqual([]);
    expect(codes(registry.validate(id, { ...base, seq: 0 }))).toEqual(['/seq minimum']);
  });

  it('an audit event has no member for personal data', () => {
    const schema = registry.schema(bodySchemaId('audit-event')) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['action', 'at', 'counterpart', 'gateway', 'kid', 'messageDigest', 'messageId', 'messageType', 'officer', 'outcome', 'prevDigest', 'reasonCode', 'relatedMessageId', 'seq', 'withdrawalReason'].sort(),
    );
    const withName = { ...loadBody('audit-event'), childName: 'Testchild Examplevong' };
    expect(codes(registry.validate(bodySchemaId('audit-event'), withName))).toEqual([' additionalProperties']);
  });
});

describe('issues never echo the value', () => {
  const SECRET = 'Zq9SecretTestchildName';
  type Edit = (doc: { body: Record<string, any> } & Doc) => void;
  const edits: [string, Edit][] = [
    ['a name past maxLength', (d) => void (d.body['child'].names[0].value = SECRET.repeat(20))],
    ['a nationality off its pattern', (d) => void (d.body['child'].claimedNationality = SECRET)],
    ['a sex off its enum', (d) => void (d.body['child'].sex = SECRET)],
    ['a malformed date', (d) => void (d.body['child'].estimatedAge.assessedOn = SECRET.slice(0, 10))],
    ['a string where a boolean belongs', (d) => void (d.body['child'].interpreterNeeded = SECRET)],
    ['an exploitation form off its enum', (d) => void (d.body['exploitation'].forms = [SECRET])],
    ['an extra member in the body', (d) => void (d.body[SECRET] = SECRET)],
    ['an extra member in the envelope', (d) => void (d[SECRET] = SECRET)],
    ['an extra member in a name', (d) => void (d.body['child'].names[0][SECRET] = SECRET)],
    ['a case reference off its pattern', (d) => void (d['caseRef'] = SECRET)],
    ['a type off its enum', (d) => void (d['type'] = SECRET)],
    ['a schema id off its pattern', (d) => void (d['schema'] = `${SCHEMA_BASE}${SECRET}.v1.json`)],
    ['a duplicate recipient', (d) => void (d['to'] = [SECRET, SECRET])],
    ['a child views summary past maxLength', (d) => void (d.body['childViews'].summary = SECRET.repeat(100))],
    ['a note in place of a placement', (d) => void (d.body['currentPlacement'] = SECRET)],
  ];

  it.each(edits)('%s', (_, edit) => {
    const doc = victimDoc() as { body: Record<string, any> } & Doc;
    edit(doc);
    const issues = registry.validateDocument(doc);
    expect(issues.length).toBeGreaterThan(0);
    const text = JSON.stringify(issues);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET.slice(0, 10));
    expect(text.toLowerCase()).not.toContain(SECRET.toLowerCase().slice(0, 10));
  });

  it('also through validate() on the envelope schema alone', () => {
    const doc = victimDoc();
    doc['caseRef'] = SECRET;
    const issues = registry.validate(ENVELOPE_SCHEMA_ID, doc);
    expect(codes(issues)).toEqual(['/caseRef maxLength']);
    expect(JSON.stringify(issues)).not.toContain(SECRET);
  });
});

describe('what a receiver does not know (unsupportedReason)', () => {
  it('an unknown type is UNKNOWN_TYPE, a known type at another schema version UNSUPPORTED_VERSION', () => {
    const amendment = { ...buildDocument('offender-travel-alert'), type: 'offender-alert-amendment', schema: `${SCHEMA_BASE}offender-alert-amendment.v1.json` };
    expect(registry.validateDocument(amendment)).not.toEqual([]);
    expect(unsupportedReason(amendment)).toBe('UNKNOWN_TYPE');
    const v2 = { ...buildDocument('offender-travel-alert'), schema: `${SCHEMA_BASE}offender-travel-alert.v2.json` };
    expect(registry.validateDocument(v2)).not.toEqual([]);
    expect(unsupportedReason(v2)).toBe('UNSUPPORTED_VERSION');
  });

  it('a broken document of a known type and version is none of them (SCHEMA_INVALID)', () => {
    expect(unsupportedReason(buildDocument('offender-travel-alert'))).toBeUndefined();
    expect(unsupportedReason({ ...buildDocument('offender-travel-alert'), schema: `${SCHEMA_BASE}offender-alert-response.v1.json` })).toBeUndefined();
    expect(unsupportedReason({ ...buildDocument('offender-travel-alert'), type: 42 })).toBeUndefined();
    expect(unsupportedReason({ ...buildDocument('offender-travel-alert'), type: 'Not A Type' })).toBeUndefined();
    expect(unsupportedReason(null)).toBeUndefined();
  });

  it('supersedes is required on a withdrawal and refused on responses, receipts and audit events', () => {
    const w = buildDocument('offender-alert-withdrawal') as Record<string, unknown>;
    expect(registry.validateDocument(w)).toEqual([]);
    delete w['supersedes'];
    expect(registry.validateDocument(w).map((i) => i.path)).toContain('/supersedes');
    const response = { ...buildDocument('offender-alert-response'), supersedes: '01950c2a-6b3e-7c1d-8e2f-0123456789ad' };
    expect(registry.validateDocument(response)).not.toEqual([]);
    const correction = { ...buildDocument('offender-travel-alert'), supersedes: '01950c2a-6b3e-7c1d-8e2f-0123456789ad' };
    expect(registry.validateDocument(correction)).toEqual([]);
  });
});
