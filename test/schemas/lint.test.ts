/**
 * Structural rules over every schema (see lintSchemas): bounded strings and arrays and numbers,
 * closed objects, anchored and bounded patterns, documented members. With positive controls: the
 * walker must flag each kind of fault in a small bad schema.
 */
import { ENVELOPE_SCHEMA_ID, SCHEMA_BASE, SchemaRegistry } from '../../services/core/src/schemas/registry.ts';
import { lintSchemas, patternProblems, type LintProblem } from './schema-walk.ts';

const registry = SchemaRegistry.load();
const docs = new Map(registry.schemaIds().map((id) => [id, registry.schema(id)] as const));

/**
 * The only open object: the envelope's clear body. The envelope deliberately checks the envelope
 * alone; the body is then checked against the closed schema of its type (validateDocument).
 */
const OPEN_OBJECTS = new Set([`${ENVELOPE_SCHEMA_ID}#/$defs/clearBody`]);

describe('every schema', () => {
  it('keeps every structural rule', () => {
    expect(lintSchemas(docs, { openObjects: OPEN_OBJECTS })).toEqual([]);
  });

  it('leaves exactly one object open, the clear body, and only by the allowlist', () => {
    const problems = lintSchemas(docs);
    expect(problems).toEqual([{ where: `${ENVELOPE_SCHEMA_ID}#/$defs/clearBody`, rule: 'object-open' }]);
  });

  it('has a bounded, anchored pattern for every pattern (counted, so the walk is not empty)', () => {
    let patterns = 0;
    const count = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(count);
      else if (node !== null && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === 'pattern' && typeof v === 'string') {
            patterns++;
            expect([v, patternProblems(v)]).toEqual([v, []]);
          } else count(v);
        }
      }
    };
    for (const doc of docs.values()) count(doc);
    expect(patterns).toBeGreaterThan(20);
  });
});

describe('patternProblems', () => {
  it.each([
    '^(?:[A-Z]{2}|INTERPOL)$',
    '^[A-Z]{2}$|^INTERPOL$',
    '^[a+*]{1,3}$',
    '^a\\+{1,2}$',
    '^[0-9]{4}-[0-9]{2}(?:\\.[0-9]{1,9})?Z$',
    '^\\\\$',
  ])('accepts %s', (p) => {
    expect(patternProblems(p)).toEqual([]);
  });

  it.each([
    ['^a+$', 'unbounded quantifier +'],
    ['^a*$', 'unbounded quantifier *'],
    ['^a{1,}$', 'unbounded quantifier {n,}'],
    ['^(?:ab)+$', 'unbounded quantifier +'],
    ['a{1,3}$', 'not anchored at start'],
    ['^a{1,3}', 'not anchored at end'],
    ['^a\\$', 'not anchored at end'],
    ['^a$|b', 'not anchored at start'],
    ['^a|b$', 'not anchored at end'],
  ])('flags %s', (p, problem) => {
    expect(patternProblems(p)).toContain(problem);
  });
});

describe('lintSchemas positive controls', () => {
  const id = `${SCHEMA_BASE}test/bad.json`;
  const lint = (schema: object, openObjects?: Set<string>): LintProblem[] =>
    lintSchemas(new Map([[id, { $id: id, ...schema }]]), openObjects ? { openObjects } : {});
  const closed = (properties: Record<string, unknown>): object => ({ type: 'object', additionalProperties: false, properties });
  const rules = (schema: object): string[] => lint(schema).map((p) => `${p.where.slice(id.length)} ${p.rule}`);

  it('passes a small good schema (control for the controls)', () => {
    expect(
      lint(
        closed({
          a: { description: 'd', type: 'string', maxLength: 3, pattern: '^[a-z]{1,3}$' },
          b: { description: 'd', type: 'string', enum: ['x', 'y'] },
          c: { description: 'd', type: 'string', const: 'k' },
          d: { description: 'd', type: 'array', maxItems: 2, items: { type: 'integer', minimum: 0, maximum: 9 } },
          e: { description: 'd', type: 'string', format: 'date', maxLength: 10 },
          f: { description: 'd', anyOf: [{ type: 'null' }, { type: 'boolean' }] },
          g: false,
        }),
      ),
    ).toEqual([]);
  });

  it('flags a string without maxLength', () => {
    expect(rules(closed({ a: { description: 'd', type: 'string' } }))).toEqual(['#/properties/a string-unbounded']);
  });

  it('flags a format without maxLength', () => {
    expect(rules(closed({ a: { description: 'd', type: 'string', format: 'date-time' } }))).toEqual([
      '#/properties/a string-unbounded',
      '#/properties/a format-without-maxLength',
    ]);
  });

  it('flags an array without maxItems', () => {
    expect(rules(closed({ a: { description: 'd', type: 'array', items: { type: 'boolean' } } }))).toEqual(['#/properties/a array-unbounded']);
  });

  it('flags an object without additionalProperties: false, unless allowlisted', () => {
    expect(rules({ type: 'object', properties: {} })).toEqual(['# object-open']);
    expect(rules({ type: 'object', additionalProperties: true })).toEqual(['# object-open', '#/additionalProperties true-schema']);
    expect(lint({ type: 'object' }, new Set([`${id}#`]))).toEqual([]);
  });

  it('flags a number without both bounds', () => {
    expect(rules(closed({ a: { description: 'd', type: 'integer', minimum: 0 } }))).toEqual(['#/properties/a number-unbounded']);
  });

  it('flags a bad pattern', () => {
    expect(rules(closed({ a: { description: 'd', type: 'string', maxLength: 9, pattern: '^[a-z]+$' } }))).toEqual(['#/properties/a pattern']);
  });

  it('flags a value schema that constrains nothing, and a true schema', () => {
    expect(rules(closed({ a: { description: 'd' }, b: true }))).toEqual(['#/properties/a unconstrained', '#/properties/b true-schema']);
    expect(rules({ type: 'boolean', items: true })).toEqual(['#/items true-schema']);
  });

  it('allows a member declared true only inside a branch, where it names a required member', () => {
    const schema = { ...closed({ a: { description: 'd', type: 'boolean' } }), oneOf: [{ properties: { a: true }, required: ['a'] }] };
    expect(rules(schema)).toEqual([]);
    expect(rules({ ...schema, allOf: [{ if: { required: ['a'] }, then: { properties: { a: true, b: {} } } }] })).toEqual(['#/allOf/0/then/properties/b unconstrained']);
  });

  it('flags nested bad schemas in $defs, items, anyOf branches, then/else', () => {
    expect(
      rules({
        $defs: { s: { type: 'string' } },
        type: 'array',
        maxItems: 1,
        items: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        allOf: [{ if: { type: 'array' }, then: { items: { type: 'array' } }, else: { items: { type: 'string' } } }],
      }),
    ).toEqual([
      '#/$defs/s string-unbounded',
      '#/items/anyOf/0 string-unbounded',
      '#/allOf/0/then/items array-unbounded',
      '#/allOf/0/else/items string-unbounded',
    ]);
  });

  it('treats a document of $defs only as a container, but not an empty document', () => {
    expect(rules({ title: 't', $defs: { s: { type: 'boolean' } } })).toEqual([]);
    expect(rules({ title: 't' })).toEqual(['# unconstrained']);
  });

  it('ignores if and not: predicates do not accept shapes', () => {
    expect(rules({ type: 'boolean', if: { type: 'string' }, then: { const: true }, not: { type: 'array' } })).toEqual([]);
  });

  it('flags a nested $id and an undocumented property', () => {
    expect(rules(closed({ a: { $id: 'x', type: 'boolean', description: 'd' }, b: { type: 'boolean' } }))).toEqual([
      '#/properties/a nested-id',
      '#/properties/b undocumented',
    ]);
  });
});
