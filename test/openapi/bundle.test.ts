/**
 * The local bundler behind `npm run generate`: external JSON Schemas become components, `$defs`
 * become `<Owner>.<name>` components, nothing is resolved by URL, and a schema whose `$id` does not
 * match its place on disk is refused.
 */
import path from 'node:path';
import { bundleOpenApi, BundleError, type SchemaLocation } from '../../services/core/src/openapi/bundle.ts';
import { GENERATED_FILES, REPO_ROOT, SCHEMA_LOCATION } from '../../services/core/src/openapi/generate.ts';

const FIXTURES = path.join(REPO_ROOT, 'test/openapi/fixtures/bundle');
const FIXTURE_SCHEMAS: SchemaLocation = { dir: path.join(FIXTURES, 'schemas'), baseUri: 'https://schemas.fixture.example/' };

/** Every `$ref` value in `node` with its JSON Pointer, skipping data keywords as the bundler does. */
function refsIn(node: unknown, where = ''): Array<[string, string]> {
  if (Array.isArray(node)) return node.flatMap((item, i) => refsIn(item, `${where}/${i}`));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]): Array<[string, string]> => {
    if (key === '$ref' && typeof value === 'string') return [[where, value]];
    if (['example', 'examples', 'const', 'default', 'enum'].includes(key)) return [];
    return refsIn(value, `${where}/${key}`);
  });
}

function keysIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(keysIn);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => [key, ...keysIn(value)]);
}

function resolvePointer(doc: unknown, ref: string): unknown {
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[seg] : undefined;
  }
  return node;
}

describe('bundleOpenApi', () => {
  it('turns a schema file into the component that aliases it and each $defs entry into <Owner>.<name>', () => {
    const doc = bundleOpenApi(path.join(FIXTURES, 'openapi/good.yaml'), FIXTURE_SCHEMAS);
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(schemas).sort()).toEqual(['CommonDefsV1', 'CommonDefsV1.note', 'CommonDefsV1.notes', 'Thing', 'Thing.note']);
    expect(schemas['Thing.note']).toMatchObject({ maxLength: 10 });
    expect(schemas['CommonDefsV1.note']).toMatchObject({ maxLength: 5 });
    expect(schemas['CommonDefsV1.notes']).toMatchObject({ items: { $ref: '#/components/schemas/CommonDefsV1.note' } });
    expect(schemas.Thing).toMatchObject({
      properties: { note: { $ref: '#/components/schemas/Thing.note' }, notes: { $ref: '#/components/schemas/CommonDefsV1.notes' } },
    });
    // A pointer into the schema's own body is inlined (a component ref would make the type refer to itself).
    expect(schemas.Thing).toMatchObject({ oneOf: [{ properties: { body: { type: 'object' } } }, { required: ['notes'] }] });
    // `$ref` inside examples is data, left alone.
    expect(schemas['Thing.note']).toMatchObject({ examples: [{ $ref: 'not-a-reference.json' }] });
  });

  it('leaves only internal references that all resolve, and no $id, $schema or $defs', () => {
    const doc = bundleOpenApi(path.join(FIXTURES, 'openapi/good.yaml'), FIXTURE_SCHEMAS);
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(4);
    for (const [where, ref] of refs) {
      expect({ where, ref, internal: ref.startsWith('#/') }).toEqual({ where, ref, internal: true });
      expect({ where, ref, resolves: resolvePointer(doc, ref) !== undefined }).toEqual({ where, ref, resolves: true });
    }
    const keys = keysIn(doc.components);
    expect(keys).not.toContain('$defs');
    expect(keys).not.toContain('$id');
    expect(keys).not.toContain('$schema');
  });

  it('refuses an absolute $ref instead of fetching it', () => {
    expect(() => bundleOpenApi(path.join(FIXTURES, 'openapi/absolute.yaml'), FIXTURE_SCHEMAS)).toThrow(BundleError);
    expect(() => bundleOpenApi(path.join(FIXTURES, 'openapi/absolute.yaml'), FIXTURE_SCHEMAS)).toThrow(/absolute \$ref.*relative file path/);
  });

  it('refuses a schema whose $id does not match its place on disk', () => {
    expect(() => bundleOpenApi(path.join(FIXTURES, 'openapi/misplaced.yaml'), FIXTURE_SCHEMAS)).toThrow(/has \$id .*elsewhere\/misplaced/);
  });

  it('refuses a pointer cycle instead of looping', () => {
    expect(() => bundleOpenApi(path.join(FIXTURES, 'openapi/self-loop.yaml'), FIXTURE_SCHEMAS)).toThrow(/refers to itself/);
  });

  it.each(Object.keys(GENERATED_FILES))('bundles %s into one self-contained document whose refs all resolve', (spec) => {
    const doc = bundleOpenApi(path.join(REPO_ROOT, spec), SCHEMA_LOCATION);
    const refs = refsIn(doc);
    const bad = refs.filter(([, ref]) => !ref.startsWith('#/') || resolvePointer(doc, ref) === undefined);
    expect(bad).toEqual([]);
    expect(keysIn(doc.components)).not.toContain('$defs');
    // The bodies come from the JSON Schemas, not from copies in the OpenAPI document.
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['Problem', 'ErrorCode', 'CommonDefsV1.endpoint']));
  });
});
