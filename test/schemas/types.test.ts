/**
 * The TypeScript types are generated from the schemas (one source of truth): the committed file
 * must be what the generator makes now, and typed values must validate. Type-level checks here are
 * enforced by `tsc --noEmit` (npm test runs it first).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTypes, GENERATED_TYPES_FILE } from '../../services/core/src/schemas/generate-types.ts';
import { bodySchemaId, DEFAULT_SCHEMA_DIR, MESSAGE_TYPES, SchemaRegistry, type MessageType } from '../../services/core/src/schemas/registry.ts';
import type {
  AuditEvent,
  BodyByType,
  DeliveryReceipt,
  MessageTypeName,
  NoticeDocument,
  OffenderAlertResponse,
  RepatriationStatusUpdate,
  VictimRepatriationNotice,
} from '../../services/core/src/schemas/types.ts';
import { buildDocument, loadBody } from '../fixtures/documents/index.ts';

const registry = SchemaRegistry.load();

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe('generated types', () => {
  it('types.generated.ts is what the generator makes from the schemas now', () => {
    // On failure: npx tsx services/core/src/schemas/generate-types.ts
    expect(readFileSync(GENERATED_TYPES_FILE, 'utf8')).toBe(generateTypes(registry));
  });

  it('the generator follows the schemas (control: a changed schema changes the output)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mx-schemas-'));
    try {
      cpSync(DEFAULT_SCHEMA_DIR, dir, { recursive: true });
      const file = join(dir, 'offender-alert-response.v1.json');
      const schema = JSON.parse(readFileSync(file, 'utf8')) as { properties: Record<string, { enum?: string[] }> };
      schema.properties['action']!.enum!.push('extradited');
      writeFileSync(file, JSON.stringify(schema));
      const changed = generateTypes(SchemaRegistry.load(dir));
      expect(changed).not.toBe(generateTypes(registry));
      expect(changed).toContain('"no-action" | "extradited"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('MessageType (registry) and the envelope type enum (schema) are the same union', () => {
    const same: Equals<MessageType, MessageTypeName> = true;
    const keys: Equals<keyof BodyByType, MessageType> = true;
    expect([same, keys]).toEqual([true, true]);
  });
});

describe('typed values validate', () => {
  it('literal values written against the types are valid', () => {
    const receipt = {
      messageId: '01950c2a-6b3e-7c1d-8e2f-0123456789ab',
      messageDigest: '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU',
      outcome: 'rejected',
      reasonCode: 'SCHEMA_INVALID',
      receivedAt: '2026-03-02T08:15:02.250Z',
    } satisfies DeliveryReceipt;
    const event = { seq: 1, prevDigest: null, gateway: 'TH', action: 'key-rotated', kid: 'TH:2026-02', at: '2026-03-01T00:00:00.000Z' } satisfies AuditEvent;
    const response = { action: 'not-arrived', at: '2026-03-11T00:00:00.000Z', unit: 'Immigration police (test)' } satisfies OffenderAlertResponse;
    const update = { status: 'case-closed', effectiveAt: '2026-09-01T00:00:00.000Z' } satisfies RepatriationStatusUpdate;
    expect(registry.validate(bodySchemaId('delivery-receipt'), receipt)).toEqual([]);
    expect(registry.validate(bodySchemaId('audit-event'), event)).toEqual([]);
    expect(registry.validate(bodySchemaId('offender-alert-response'), response)).toEqual([]);
    expect(registry.validate(bodySchemaId('repatriation-status-update'), update)).toEqual([]);
  });

  it('the types refuse what the schemas refuse structurally', () => {
    // @ts-expect-error outcome is a closed enum
    const badOutcome: DeliveryReceipt['outcome'] = 'maybe';
    // @ts-expect-error an audit event has no member for personal data
    const withName: AuditEvent = { seq: 2, prevDigest: null, gateway: 'LA', action: 'read', at: '2026-03-01T00:00:00.000Z', childName: 'x' };
    // @ts-expect-error sex is a closed enum
    const badSex: VictimRepatriationNotice['child']['sex'] = 'f';
    expect([badOutcome, withName, badSex]).toHaveLength(3);
  });

  it.each(MESSAGE_TYPES)('the %s fixture, typed by its body type, validates', (type) => {
    const body: BodyByType[typeof type] = loadBody(type);
    expect(registry.validate(bodySchemaId(type), body)).toEqual([]);
  });

  it('NoticeDocument is discriminated by type', () => {
    const docs: NoticeDocument[] = MESSAGE_TYPES.map((t) => buildDocument(t) as NoticeDocument);
    let seqs = 0;
    for (const doc of docs) {
      if (doc.type === 'audit-event') seqs += doc.body?.seq ?? 0; // body is AuditEvent here
      if (doc.type === 'victim-repatriation-notice') expect(doc.body?.child.names.length).toBeGreaterThan(0);
      expect(registry.validateDocument(doc)).toEqual([]);
    }
    expect(seqs).toBe(loadBody('audit-event').seq);
  });
});
