/**
 * The fixtures are valid, complete (together they exercise every member every schema defines) and
 * obviously fake; the builder makes a valid document of every type.
 */
import { bodySchemaId, ENVELOPE_SCHEMA_ID, MESSAGE_TYPES, SchemaRegistry } from '../../services/core/src/schemas/registry.ts';
import {
  bodyVariants,
  buildDocument,
  documentVariants,
  loadBody,
  loadEncryptedBody,
  loadEnvelope,
} from '../fixtures/documents/index.ts';
import { ajvOracle, declaredProperties, MutationGenerator } from './schema-walk.ts';

const registry = SchemaRegistry.load();

describe('body fixtures', () => {
  it.each(MESSAGE_TYPES)('%s: the fixture and each variant are valid against the type schema', (type) => {
    const variants = bodyVariants(type);
    expect(variants.length).toBeGreaterThanOrEqual(2);
    for (const { name, value } of variants) {
      expect({ name, issues: registry.validate(bodySchemaId(type), value) }).toEqual({ name, issues: [] });
    }
  });

  it.each(MESSAGE_TYPES)('%s: is not valid against any other type schema', (type) => {
    for (const other of MESSAGE_TYPES.filter((t) => t !== type)) {
      expect(registry.validate(bodySchemaId(other), loadBody(type)).length).toBeGreaterThan(0);
    }
  });

  it('loaders return fresh copies', () => {
    const a = loadBody('victim-repatriation-notice');
    a.child.sex = 'male';
    expect(loadBody('victim-repatriation-notice').child.sex).toBe('female');
  });
});

describe('document fixtures', () => {
  it('envelope.json is a valid notice document whose body is the victim notice fixture', () => {
    const doc = loadEnvelope();
    expect(registry.validateDocument(doc)).toEqual([]);
    expect(registry.validate(ENVELOPE_SCHEMA_ID, doc)).toEqual([]);
    expect(doc.body).toEqual(loadBody('victim-repatriation-notice'));
  });

  it('the encrypted body placeholder fits encryptedBody', () => {
    const doc = { ...loadEnvelope(), encryptedBody: loadEncryptedBody() } as Record<string, unknown>;
    delete doc['body'];
    expect(registry.validateDocument(doc)).toEqual([]);
  });

  it.each(MESSAGE_TYPES)('buildDocument(%s) is valid, with defaults and with a chosen route and time', (type) => {
    expect(registry.validateDocument(buildDocument(type))).toEqual([]);
    const issuedAt = new Date('2026-05-01T00:00:00.000Z');
    const doc = buildDocument(type, { from: 'CN', to: ['LA', 'TH'], issuedAt });
    expect(registry.validateDocument(doc)).toEqual([]);
    expect(doc.from).toBe('CN');
    expect(doc.issuedAt).toBe('2026-05-01T00:00:00.000Z');
    // A UUIDv7 carries its time in its first 48 bits.
    expect(parseInt(doc.id.replace('-', '').slice(0, 12), 16)).toBe(issuedAt.getTime());
  });

  it('buildDocument gives fresh ids and addresses an audit event to its own gateway', () => {
    expect(buildDocument('delivery-receipt').id).not.toBe(buildDocument('delivery-receipt').id);
    const audit = buildDocument('audit-event', { from: 'TH' });
    expect(audit.to).toEqual(['TH']);
    expect(audit.body?.gateway).toBe('TH');
  });

  it('every document variant is valid', () => {
    for (const { name, value } of documentVariants()) {
      expect({ name, issues: registry.validateDocument(value) }).toEqual({ name, issues: [] });
    }
  });
});

describe('fixtures are complete', () => {
  it('together they exercise every member that any schema defines', () => {
    const docs = new Map(registry.schemaIds().map((id) => [id, registry.schema(id)] as const));
    const generator = new MutationGenerator(docs, ajvOracle(docs));
    const visited = new Set<string>();
    for (const type of MESSAGE_TYPES) {
      for (const { value } of bodyVariants(type)) for (const v of generator.generate(bodySchemaId(type), value).visited) visited.add(v);
    }
    for (const { value } of documentVariants()) for (const v of generator.generate(ENVELOPE_SCHEMA_ID, value).visited) visited.add(v);
    const declared = declaredProperties(docs);
    expect(declared.size).toBeGreaterThan(100);
    expect([...declared].filter((d) => !visited.has(d))).toEqual([]);
  });
});

describe('fixtures are obviously fake', () => {
  const FAKE = /Test|Example|Fake|Sample|ຕົວຢ່າງ|ตัวอย่าง|แซมเปิล/;

  it('every person name is marked as invented', () => {
    const names = [
      ...loadBody('victim-repatriation-notice').child.names,
      ...loadBody('offender-travel-alert').subject.names,
      ...loadEnvelope().body!.child.names,
    ];
    expect(names.length).toBeGreaterThan(3);
    for (const n of names) expect(n.value).toMatch(FAKE);
  });

  it('document numbers are test numbers and the offender has a user-assigned nationality', () => {
    for (const d of loadBody('victim-repatriation-notice').identityDocuments) if (d.number) expect(d.number).toMatch(/^TEST/);
    const subject = loadBody('offender-travel-alert').subject;
    for (const p of subject.passports) expect(p.number).toMatch(/^TEST/);
    expect(subject.nationalities).toEqual(['ZZ']);
  });
});
