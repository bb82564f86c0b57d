/**
 * Mutation tests generated from the schemas themselves: starting from each valid fixture, every
 * single-point change a schema claims to forbid (see MutationGenerator) must be rejected by the
 * real registry, with an issue located at or around the change, and without echoing the value.
 */
import { bodySchemaId, ENVELOPE_SCHEMA_ID, MESSAGE_TYPES, SchemaRegistry, type ValidationIssue } from '../../services/core/src/schemas/registry.ts';
import { bodyVariants, documentVariants } from '../fixtures/documents/index.ts';
import { ajvOracle, issueRelatesTo, MUTANT_MARK, MutationGenerator, type Mutant, type MutationKind } from './schema-walk.ts';

const registry = SchemaRegistry.load();
const docs = new Map(registry.schemaIds().map((id) => [id, registry.schema(id)] as const));
const generator = new MutationGenerator(docs, ajvOracle(docs));

interface Outcome {
  where: string;
  mutant: Mutant;
  issues: ValidationIssue[];
}

/** What went wrong with a mutant, or undefined when it was rejected properly. */
function fault(o: Outcome): string | undefined {
  if (o.issues.length === 0) return 'accepted';
  if (!o.issues.some((i) => issueRelatesTo(i.path, o.mutant.path))) return `issue elsewhere: ${o.issues.map((i) => i.path).join(', ')}`;
  if (JSON.stringify(o.issues).includes(MUTANT_MARK)) return 'issue echoes the mutated value';
  return undefined;
}

function faults(outcomes: Outcome[]): string[] {
  return outcomes.flatMap((o) => {
    const f = fault(o);
    return f === undefined ? [] : [`${o.where} ${o.mutant.kind} at ${o.mutant.path || '/'}: ${f}`];
  });
}

const bodyOutcomes = new Map<string, Outcome[]>();
for (const type of MESSAGE_TYPES) {
  const outcomes: Outcome[] = [];
  for (const { name, value } of bodyVariants(type)) {
    for (const mutant of generator.generate(bodySchemaId(type), value).mutants) {
      outcomes.push({ where: `${type}[${name}]`, mutant, issues: registry.validate(bodySchemaId(type), mutant.instance) });
    }
  }
  bodyOutcomes.set(type, outcomes);
}

describe('mutants of each body fixture', () => {
  // Floors well below the current counts, so that a walker that silently stops generating fails.
  const FLOOR: Record<(typeof MESSAGE_TYPES)[number], number> = {
    'victim-repatriation-notice': 1000,
    'repatriation-status-update': 40,
    'offender-travel-alert': 220,
    'offender-alert-response': 25,
    'offender-alert-withdrawal': 3,
    'delivery-receipt': 30,
    'audit-event': 80,
  };

  it.each(MESSAGE_TYPES)('%s: every mutant is rejected', (type) => {
    const outcomes = bodyOutcomes.get(type)!;
    expect(outcomes.length).toBeGreaterThan(FLOOR[type]);
    expect(faults(outcomes)).toEqual([]);
  });
});

describe('mutants of each notice document', () => {
  const envelopeOutcomes: Outcome[] = [];
  const documentOutcomes: Outcome[] = [];
  const composedOutcomes: Outcome[] = [];
  for (const { name, value } of documentVariants()) {
    for (const mutant of generator.generate(ENVELOPE_SCHEMA_ID, value).mutants) {
      envelopeOutcomes.push({ where: `envelope[${name}]`, mutant, issues: registry.validate(ENVELOPE_SCHEMA_ID, mutant.instance) });
      documentOutcomes.push({ where: `document[${name}]`, mutant, issues: registry.validateDocument(mutant.instance) });
    }
    // The body's own mutants, inside the document: validateDocument must find them under /body.
    if (value.body !== undefined) {
      for (const inner of generator.generate(bodySchemaId(value.type), value.body).mutants) {
        const mutant: Mutant = { ...inner, path: `/body${inner.path}`, instance: { ...value, body: inner.instance } };
        composedOutcomes.push({ where: `document-body[${name}]`, mutant, issues: registry.validateDocument(mutant.instance) });
      }
    }
  }

  it('every envelope mutant is rejected by the envelope schema', () => {
    expect(envelopeOutcomes.length).toBeGreaterThan(350);
    expect(faults(envelopeOutcomes)).toEqual([]);
  });

  it('every envelope mutant is rejected by validateDocument', () => {
    expect(faults(documentOutcomes)).toEqual([]);
  });

  it('every body mutant inside a document is rejected by validateDocument, under /body', () => {
    expect(composedOutcomes.length).toBeGreaterThan(550);
    expect(faults(composedOutcomes)).toEqual([]);
    for (const o of composedOutcomes) expect(o.issues[0]!.path.startsWith('/body')).toBe(true);
  });
});

describe('the generator itself', () => {
  const all = [...bodyOutcomes.values()].flat();

  it('produces every kind of mutation, many times over', () => {
    const counts = new Map<MutationKind, number>();
    for (const o of all) counts.set(o.mutant.kind, (counts.get(o.mutant.kind) ?? 0) + 1);
    const kinds: MutationKind[] = [
      'required-removed',
      'extra-property',
      'type-changed',
      'string-too-long',
      'string-too-short',
      'pattern-mismatch',
      'format-date',
      'format-date-time',
      'enum-off-list',
      'array-too-long',
      'array-too-short',
      'array-duplicate',
      'number-below-minimum',
      'number-above-maximum',
      'integer-fraction',
    ];
    const tooFew = kinds.filter((kind) => (counts.get(kind) ?? 0) < 10).map((kind) => `${kind}: ${counts.get(kind) ?? 0}`);
    expect(tooFew).toEqual([]);
    expect(all.length).toBeGreaterThan(1400);
  });

  it('reports each rejection with the keyword that a plain mutant should trip', () => {
    // For mutants that break exactly one keyword and sit outside any conditional, the code is exact.
    const expected: Partial<Record<MutationKind, string>> = {
      'extra-property': 'additionalProperties',
      'array-too-long': 'maxItems',
      'array-duplicate': 'uniqueItems',
      'format-date': 'format',
      'format-date-time': 'format',
      'integer-fraction': 'type',
    };
    const mismatched = all
      .filter((o) => expected[o.mutant.kind] !== undefined)
      .filter((o) => !o.issues.some((i) => i.code === expected[o.mutant.kind] || i.code === 'oneOf' || i.code === 'anyOf'))
      .map((o) => `${o.where} ${o.mutant.kind} at ${o.mutant.path}: ${o.issues.map((i) => i.code).join(',')}`);
    expect(mismatched).toEqual([]);
  });

  it('is not vacuous: the same walk over a schema without constraints finds mutants that pass', () => {
    // Positive control: validate the victim notice's mutants against the envelope's open body
    // ({ type: object }): almost all of them must be accepted there.
    const open = `${ENVELOPE_SCHEMA_ID}#/$defs/clearBody`;
    const accepted = bodyOutcomes.get('victim-repatriation-notice')!.filter((o) => registry.validate(open, o.mutant.instance).length === 0);
    expect(accepted.length).toBeGreaterThan(500);
  });
});
