/**
 * The schema files themselves: where they are, what they are called, and that the registry
 * compiles every one of them in strict mode (and refuses to start otherwise).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import {
  bodySchemaId,
  COMMON_DEFS_SCHEMA_ID,
  DEFAULT_SCHEMA_DIR,
  ENVELOPE_SCHEMA_ID,
  MESSAGE_TYPES,
  SCHEMA_BASE,
  SchemaRegistry,
} from '../../services/core/src/schemas/registry.ts';

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

const EXPECTED_FILES = [
  'audit-event.v1.json',
  'common/defs.v1.json',
  'delivery-receipt.v1.json',
  'envelope.v1.json',
  'offender-alert-response.v1.json',
  'offender-alert-withdrawal.v1.json',
  'offender-travel-alert.v1.json',
  'repatriation-status-update.v1.json',
  'victim-repatriation-notice.v1.json',
];

describe('schema files', () => {
  const files = jsonFiles(DEFAULT_SCHEMA_DIR);

  it('are exactly the expected files', () => {
    expect(files).toEqual(EXPECTED_FILES);
  });

  it.each(files)('%s: $id is the base plus its path, draft 2020-12', (file) => {
    const schema = JSON.parse(readFileSync(join(DEFAULT_SCHEMA_DIR, file), 'utf8')) as Record<string, unknown>;
    expect(schema['$id']).toBe(`${SCHEMA_BASE}${file}`);
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('have no $ref that leaves the schema set (nothing could be fetched)', () => {
    const registry = SchemaRegistry.load();
    const ids = new Set(registry.schemaIds());
    const refs: string[] = [];
    const collect = (node: unknown, base: string): void => {
      if (Array.isArray(node)) node.forEach((n) => collect(n, base));
      else if (node !== null && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') refs.push(new URL(v, base).href.replace(/#.*$/, ''));
          else collect(v, base);
        }
      }
    };
    for (const id of ids) collect(registry.schema(id), id);
    expect(refs.length).toBeGreaterThan(50);
    expect(refs.filter((r) => !ids.has(r))).toEqual([]);
  });
});

describe('SchemaRegistry.load', () => {
  const registry = SchemaRegistry.load();

  it('compiles every schema (strict mode) and knows each by id', () => {
    expect(registry.schemaIds()).toEqual(EXPECTED_FILES.map((f) => SCHEMA_BASE + f).sort());
    expect(registry.schemaIds()).toContain(ENVELOPE_SCHEMA_ID);
    expect(registry.schemaIds()).toContain(COMMON_DEFS_SCHEMA_ID);
  });

  it('derives each body schema id from the type', () => {
    expect(MESSAGE_TYPES.map(bodySchemaId)).toEqual([
      `${SCHEMA_BASE}victim-repatriation-notice.v1.json`,
      `${SCHEMA_BASE}repatriation-status-update.v1.json`,
      `${SCHEMA_BASE}offender-travel-alert.v1.json`,
      `${SCHEMA_BASE}offender-alert-response.v1.json`,
      `${SCHEMA_BASE}offender-alert-withdrawal.v1.json`,
      `${SCHEMA_BASE}delivery-receipt.v1.json`,
      `${SCHEMA_BASE}audit-event.v1.json`,
    ]);
    for (const type of MESSAGE_TYPES) expect(registry.schema(bodySchemaId(type))).toHaveProperty('$id', bodySchemaId(type));
    expect(() => bodySchemaId('no-such-type' as never)).toThrow();
  });

  it('returns frozen schemas', () => {
    const schema = registry.schema(ENVELOPE_SCHEMA_ID) as { properties: Record<string, unknown> };
    expect(Object.isFrozen(schema)).toBe(true);
    expect(Object.isFrozen(schema.properties)).toBe(true);
    expect(() => registry.schema(`${SCHEMA_BASE}nope.v1.json`)).toThrow();
  });

  it('throws for an unknown schema id rather than passing the value', () => {
    expect(() => registry.validate(`${SCHEMA_BASE}nope.v1.json`, {})).toThrow(/unknown schema id/);
  });

  it('validates against a $defs entry by fragment id', () => {
    const dateId = `${COMMON_DEFS_SCHEMA_ID}#/$defs/date`;
    expect(registry.validate(dateId, '2026-03-16')).toEqual([]);
    expect(registry.validate(dateId, '2026-02-30').map((i) => i.code)).toEqual(['format']);
  });
});

describe('SchemaRegistry.load refuses a broken schema directory', () => {
  let dir: string;
  const minimal = (id: string, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: id, type: 'object', additionalProperties: false, ...extra });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mx-schemas-'));
    mkdirSync(join(dir, 'common'));
    writeFileSync(join(dir, 'common', 'defs.v1.json'), minimal(COMMON_DEFS_SCHEMA_ID));
    writeFileSync(join(dir, 'envelope.v1.json'), minimal(ENVELOPE_SCHEMA_ID));
    for (const type of MESSAGE_TYPES) writeFileSync(join(dir, `${type}.v1.json`), minimal(bodySchemaId(type)));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the minimal control directory', () => {
    expect(SchemaRegistry.load(dir).schemaIds()).toHaveLength(9);
  });

  it('when an $id does not match the path', () => {
    writeFileSync(join(dir, 'audit-event.v1.json'), minimal(`${SCHEMA_BASE}elsewhere/audit-event.v1.json`));
    expect(() => SchemaRegistry.load(dir)).toThrow(/\$id must be/);
  });

  it('when a schema is not draft 2020-12', () => {
    writeFileSync(join(dir, 'audit-event.v1.json'), minimal(bodySchemaId('audit-event'), { $schema: 'http://json-schema.org/draft-07/schema#' }));
    expect(() => SchemaRegistry.load(dir)).toThrow(/\$schema/);
  });

  it('when a schema uses an unknown keyword (strictSchema)', () => {
    writeFileSync(join(dir, 'audit-event.v1.json'), minimal(bodySchemaId('audit-event'), { properties: { a: { type: 'string', maxLenght: 3 } } }));
    expect(() => SchemaRegistry.load(dir)).toThrow(/strict mode/);
  });

  it('when a keyword does not fit the declared type (strictTypes)', () => {
    writeFileSync(join(dir, 'audit-event.v1.json'), minimal(bodySchemaId('audit-event'), { properties: { a: { maxLength: 3 } } }));
    expect(() => SchemaRegistry.load(dir)).toThrow(/strict mode/);
  });

  it('when a required member is not defined (strictRequired)', () => {
    writeFileSync(join(dir, 'audit-event.v1.json'), minimal(bodySchemaId('audit-event'), { required: ['a'] }));
    expect(() => SchemaRegistry.load(dir)).toThrow(/strict mode/);
  });

  it('when a $defs entry that nothing references is broken (every entry is compiled)', () => {
    writeFileSync(join(dir, 'common', 'defs.v1.json'), minimal(COMMON_DEFS_SCHEMA_ID, { $defs: { x: { type: 'string', maxLenght: 3 } } }));
    expect(() => SchemaRegistry.load(dir)).toThrow(/strict mode/);
  });

  it('when a $ref cannot be resolved locally', () => {
    writeFileSync(join(dir, 'audit-event.v1.json'), minimal(bodySchemaId('audit-event'), { properties: { a: { $ref: 'https://example.org/remote.json' } } }));
    expect(() => SchemaRegistry.load(dir)).toThrow(/resolve reference/);
  });

  it('when a required schema is missing', () => {
    rmSync(join(dir, 'delivery-receipt.v1.json'));
    expect(() => SchemaRegistry.load(dir)).toThrow(/schema missing/);
  });
});

describe('SchemaRegistry.addSchema', () => {
  it('compiles an extra document whose $refs point at the loaded schemas', () => {
    const registry = SchemaRegistry.load();
    const id = `${SCHEMA_BASE}test/extra.json`;
    registry.addSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: id,
      $defs: { Req: { type: 'object', additionalProperties: false, required: ['at'], properties: { at: { $ref: '../common/defs.v1.json#/$defs/timestamp' } } } },
    });
    expect(registry.validate(`${id}#/$defs/Req`, { at: '2026-03-02T08:15:00.000Z' })).toEqual([]);
    expect(registry.validate(`${id}#/$defs/Req`, { at: '2026-03-02T08:15:00+07:00' }).map((i) => i.code)).toEqual(['pattern']);
    expect(() => registry.addSchema({ $id: id })).toThrow(/already loaded/);
    expect(() => registry.addSchema({ $id: 'https://example.org/x.json' })).toThrow(/\$id under/);
  });

  it('refuses a non-strict document and leaves the registry usable', () => {
    const registry = SchemaRegistry.load();
    const id = `${SCHEMA_BASE}test/bad.json`;
    expect(() => registry.addSchema({ $id: id, type: 'object', additionalProperties: false, propertiez: {} })).toThrow(/strict mode/);
    expect(registry.schemaIds()).not.toContain(id);
    expect(() => registry.validate(id, {})).toThrow(/unknown schema id/);
  });
});
