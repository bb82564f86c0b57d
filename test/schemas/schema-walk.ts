/**
 * Walks the JSON Schemas, for two purposes:
 * - `lintSchemas`: structural rules every schema must keep (bounded strings and arrays, closed
 *   objects, anchored and bounded patterns, documented properties).
 * - `MutationGenerator`: from a valid instance, every single-point mutation the schema claims to
 *   reject (required member removed, extra member, string too long, array too long, value off its
 *   enum, malformed date, wrong type, ...), derived from the schema itself rather than listed by hand.
 */
import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv2020Class, ValidateFunction } from 'ajv/dist/2020.js';

type Schema = boolean | Record<string, unknown>;

export interface Located {
  /** `$id` of the schema document. */
  readonly docId: string;
  /** JSON pointer inside that document ('' for its root). */
  readonly pointer: string;
  readonly schema: Schema;
}

const key = (l: { docId: string; pointer: string }): string => `${l.docId}#${l.pointer}`;
const esc = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');
const unesc = (token: string): string => token.replace(/~1/g, '/').replace(/~0/g, '~');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function types(s: Record<string, unknown>): string[] {
  const t = s['type'];
  return t === undefined ? [] : Array.isArray(t) ? (t as string[]) : [t as string];
}

/** Resolves `$ref`s between the schemas of one set (no network, no files). */
export class SchemaSet {
  constructor(readonly docs: ReadonlyMap<string, object>) {}

  at(docId: string, pointer: string): Located {
    let node: unknown = this.docs.get(docId);
    if (node === undefined) throw new Error(`unknown schema document ${docId}`);
    for (const token of pointer.split('/').slice(1).map(unesc)) {
      if (!isObject(node) && !Array.isArray(node)) throw new Error(`bad pointer ${docId}#${pointer}`);
      node = (node as Record<string, unknown>)[token];
    }
    if (typeof node !== 'boolean' && !isObject(node)) throw new Error(`not a schema: ${docId}#${pointer}`);
    return { docId, pointer, schema: node };
  }

  resolve(ref: string, from: Located): Located {
    const url = new URL(ref, from.docId);
    const pointer = decodeURIComponent(url.hash.replace(/^#/, ''));
    url.hash = '';
    return this.at(url.href, pointer);
  }

  child(l: Located, ...tokens: (string | number)[]): Located {
    const pointer = `${l.pointer}/${tokens.map((t) => esc(String(t))).join('/')}`;
    return this.at(l.docId, pointer);
  }
}

// ---------------------------------------------------------------------------------------------
// Patterns

/**
 * Problems of a `pattern`: every top-level alternative must be anchored with `^` and `$`, and no
 * quantifier may be unbounded (`*`, `+`, `{n,}`): use `{0,64}` and the like.
 */
export function patternProblems(pattern: string): string[] {
  const problems: string[] = [];
  const alternatives: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      alternatives.push(pattern.slice(start, i));
      start = i + 1;
    } else if (c === '*' || c === '+') problems.push(`unbounded quantifier ${c}`);
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (m && m[2] !== undefined && m[3] === '') problems.push('unbounded quantifier {n,}');
    }
  }
  alternatives.push(pattern.slice(start));
  for (const alt of alternatives) {
    if (!alt.startsWith('^')) problems.push('not anchored at start');
    const trailingBackslashes = /(\\*)\$$/.exec(alt)?.[1]?.length ?? -1;
    if (trailingBackslashes < 0 || trailingBackslashes % 2 === 1) problems.push('not anchored at end');
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Lint

export interface LintProblem {
  /** `docId#pointer` of the offending subschema. */
  where: string;
  rule:
    | 'true-schema'
    | 'nested-id'
    | 'unconstrained'
    | 'string-unbounded'
    | 'format-without-maxLength'
    | 'array-unbounded'
    | 'object-open'
    | 'number-unbounded'
    | 'pattern'
    | 'undocumented';
  detail?: string;
}

export interface LintOptions {
  /** `docId#pointer` of objects deliberately left open (each with a reason, see the test). */
  openObjects?: ReadonlySet<string>;
}

const VALUE_MAPS = ['properties', 'patternProperties', '$defs'] as const;
const VALUE_SINGLES = ['items', 'additionalProperties', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties'] as const;
const REFINEMENT_LISTS = ['allOf'] as const;
const REFINEMENT_SINGLES = ['then', 'else'] as const;
/** Predicates: they select, they do not accept shapes, so their bounds do not matter. */
const PREDICATES = ['if', 'not'] as const;

/**
 * Every rule broken anywhere in `docs`:
 * - a string has `maxLength`, or is an `enum`/`const` (bounded by its list); a `format` still
 *   needs `maxLength`;
 * - an array has `maxItems`; a number has a minimum and a maximum;
 * - an object has `additionalProperties: false` (or `unevaluatedProperties: false`), unless listed
 *   in `openObjects`;
 * - a value schema (under properties, items, $defs, ...) says what it accepts (type, $ref, const,
 *   enum or a combinator), and no schema is `true` (except a member named `true` inside a
 *   oneOf/anyOf/then/else branch, which only declares what the branch requires);
 * - a `pattern` is anchored and has no unbounded quantifier;
 * - a property of a root or `$defs` object has a `description` (its own or its `$ref` target's).
 * Subschemas of `if` and `not` are skipped: they are predicates.
 */
export function lintSchemas(docs: ReadonlyMap<string, object>, options: LintOptions = {}): LintProblem[] {
  const set = new SchemaSet(docs);
  const open = options.openObjects ?? new Set<string>();
  const problems: LintProblem[] = [];

  const describedVia = (l: Located): boolean => {
    if (!isObject(l.schema)) return true;
    if (typeof l.schema['description'] === 'string') return true;
    return typeof l.schema['$ref'] === 'string' && describedVia(set.resolve(l.schema['$ref'], l));
  };

  const visit = (l: Located, isValue: boolean, inRefinement: boolean): void => {
    const where = key(l);
    const s = l.schema;
    if (s === true) {
      problems.push({ where, rule: 'true-schema' });
      return;
    }
    if (s === false) return;
    const t = types(s);
    const bounded = s['enum'] !== undefined || s['const'] !== undefined;
    if (l.pointer !== '' && s['$id'] !== undefined) problems.push({ where, rule: 'nested-id' });
    if (isValue && t.length === 0 && !['$ref', 'const', 'enum', 'anyOf', 'oneOf', 'allOf'].some((k) => s[k] !== undefined)) {
      problems.push({ where, rule: 'unconstrained' });
    }
    if (t.includes('string') && s['maxLength'] === undefined && !bounded) problems.push({ where, rule: 'string-unbounded' });
    if (s['format'] !== undefined && s['maxLength'] === undefined && !bounded) problems.push({ where, rule: 'format-without-maxLength' });
    if (t.includes('array') && s['maxItems'] === undefined) problems.push({ where, rule: 'array-unbounded' });
    if (t.includes('object') && s['additionalProperties'] !== false && s['unevaluatedProperties'] !== false && !open.has(where)) {
      problems.push({ where, rule: 'object-open' });
    }
    if ((t.includes('integer') || t.includes('number')) && !bounded) {
      const hasMin = s['minimum'] !== undefined || s['exclusiveMinimum'] !== undefined;
      const hasMax = s['maximum'] !== undefined || s['exclusiveMaximum'] !== undefined;
      if (!hasMin || !hasMax) problems.push({ where, rule: 'number-unbounded' });
    }
    if (typeof s['pattern'] === 'string') {
      for (const detail of patternProblems(s['pattern'])) problems.push({ where, rule: 'pattern', detail });
    }

    for (const map of VALUE_MAPS) {
      const entries = s[map];
      if (!isObject(entries)) continue;
      for (const name of Object.keys(entries)) {
        const child = set.child(l, map, name);
        // Inside a oneOf/then branch, `"member": true` only names a member the branch requires
        // (Ajv's strictRequired wants it declared); its constraints are in the main properties.
        if (map === 'properties' && inRefinement && child.schema === true) continue;
        if (map === 'properties' && !inRefinement && !describedVia(child)) problems.push({ where: key(child), rule: 'undocumented' });
        visit(child, true, map === '$defs' ? false : inRefinement);
      }
    }
    for (const single of VALUE_SINGLES) {
      if (s[single] !== undefined && typeof s[single] !== 'boolean') visit(set.child(l, single), true, inRefinement);
      if (s[single] === true) problems.push({ where: `${where}/${single}`, rule: 'true-schema' });
    }
    if (Array.isArray(s['prefixItems'])) s['prefixItems'].forEach((_, i) => visit(set.child(l, 'prefixItems', i), true, inRefinement));
    if (isObject(s['dependentSchemas'])) {
      for (const name of Object.keys(s['dependentSchemas'])) visit(set.child(l, 'dependentSchemas', name), false, true);
    }
    for (const list of REFINEMENT_LISTS) {
      if (Array.isArray(s[list])) (s[list] as unknown[]).forEach((_, i) => visit(set.child(l, list, i), false, true));
    }
    // A oneOf/anyOf standing for the whole value (no type of its own) has value branches.
    const branchesAreValues = isValue && t.length === 0 && s['$ref'] === undefined;
    for (const list of ['anyOf', 'oneOf'] as const) {
      if (Array.isArray(s[list])) (s[list] as unknown[]).forEach((_, i) => visit(set.child(l, list, i), branchesAreValues, true));
    }
    for (const single of REFINEMENT_SINGLES) {
      if (s[single] !== undefined) visit(set.child(l, single), false, true);
    }
  };

  // A document of `$defs` only (common/defs) is a container, not a schema anything is validated
  // against: its root is not a value schema.
  const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', '$defs']);
  const isContainer = (doc: object): boolean => '$defs' in doc && Object.keys(doc).every((k) => ANNOTATIONS.has(k));
  for (const [docId, doc] of docs) visit(set.at(docId, ''), !isContainer(doc), false);
  return problems;
}

/**
 * `docId#pointer` of every `properties` entry (not inside `if`/`not`, not a `false` schema): the
 * members a complete set of fixtures must exercise.
 */
export function declaredProperties(docs: ReadonlyMap<string, object>): Set<string> {
  const set = new SchemaSet(docs);
  const out = new Set<string>();
  const visit = (l: Located): void => {
    const s = l.schema;
    if (!isObject(s)) return;
    for (const [k, v] of Object.entries(s)) {
      if ((PREDICATES as readonly string[]).includes(k)) continue;
      if (isObject(v) && (k === 'properties' || k === '$defs' || k === 'patternProperties' || k === 'dependentSchemas')) {
        for (const name of Object.keys(v)) {
          const child = set.child(l, k, name);
          if (k === 'properties' && typeof child.schema !== 'boolean') out.add(key(child));
          visit(child);
        }
      } else if (Array.isArray(v) && (k === 'allOf' || k === 'anyOf' || k === 'oneOf' || k === 'prefixItems')) {
        v.forEach((_, i) => visit(set.child(l, k, i)));
      } else if (isObject(v) && k !== 'examples' && k !== 'const' && k !== 'enum' && k !== 'default') {
        visit(set.child(l, k));
      }
    }
  };
  for (const docId of docs.keys()) visit(set.at(docId, ''));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutations

/** Decides whether `value` is valid against the subschema at `docId#pointer` (if, oneOf, anyOf). */
export type Oracle = (docId: string, pointer: string, value: unknown) => boolean;

/**
 * An oracle backed by a second, non-strict Ajv instance holding the same schemas. It only picks
 * which branch of a conditional applies to a valid instance; the verdicts under test always come
 * from the real `SchemaRegistry`.
 */
export function ajvOracle(docs: ReadonlyMap<string, object>): Oracle {
  const require = createRequire(import.meta.url);
  const { Ajv2020 } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Class };
  const addFormats = require('ajv-formats') as (ajv: Ajv2020Class) => void;
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv);
  ajv.addSchema([...docs.values()]);
  const cache = new Map<string, ValidateFunction>();
  return (docId, pointer, value) => {
    const id = `${docId}#${pointer}`;
    let validate = cache.get(id);
    if (!validate) {
      validate = ajv.getSchema(id);
      if (!validate) throw new Error(`oracle cannot compile ${id}`);
      cache.set(id, validate);
    }
    return validate(value) === true;
  };
}

export type MutationKind =
  | 'required-removed'
  | 'extra-property'
  | 'type-changed'
  | 'string-too-long'
  | 'string-too-short'
  | 'pattern-mismatch'
  | 'format-date'
  | 'format-date-time'
  | 'enum-off-list'
  | 'const-changed'
  | 'array-too-long'
  | 'array-too-short'
  | 'array-duplicate'
  | 'number-below-minimum'
  | 'number-above-maximum'
  | 'integer-fraction';

export interface Mutant {
  kind: MutationKind;
  /** JSON pointer of the mutated member in the instance. */
  path: string;
  /** The new value at `path` (absent for a removal). */
  value?: unknown;
  /** The whole mutated instance. */
  instance: unknown;
}

const REMOVE = Symbol('remove');

function replaceAt(root: unknown, path: readonly string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as Record<string, unknown> | unknown[];
  let parent: Record<string, unknown> | unknown[] = copy;
  for (const token of path.slice(0, -1)) parent = (parent as Record<string, unknown>)[token] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  if (replacement === REMOVE) delete (parent as Record<string, unknown>)[last];
  else (parent as Record<string, unknown>)[last] = replacement;
  return copy;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Marker in every string a mutation invents, so tests can check it never comes back in an issue. */
export const MUTANT_MARK = 'Mx7Mutant';

const TYPE_SAMPLES: readonly [string, unknown][] = [
  ['integer', 7],
  ['string', `${MUTANT_MARK}-typed`],
  ['boolean', true],
  ['object', {}],
  ['array', []],
  ['null', null],
];

export interface MutationResult {
  mutants: Mutant[];
  /** `docId#pointer` of every `properties` entry the instance exercised. */
  visited: Set<string>;
}

export class MutationGenerator {
  readonly #set: SchemaSet;
  readonly #oracle: Oracle;

  constructor(docs: ReadonlyMap<string, object>, oracle: Oracle) {
    this.#set = new SchemaSet(docs);
    this.#oracle = oracle;
  }

  /** Every single-point mutation of `instance` (valid against `rootId`) that `rootId` must reject. */
  generate(rootId: string, instance: unknown): MutationResult {
    const result: MutationResult = { mutants: [], visited: new Set() };
    this.#walk([this.#set.at(rootId, '')], instance, [], instance, result);
    return result;
  }

  /** The subschemas that apply to `value`: follows $ref and allOf, and picks if/oneOf/anyOf branches. */
  #applicable(start: Located[], value: unknown): Located[] {
    const seen = new Set<string>();
    const out: Located[] = [];
    const stack = [...start];
    while (stack.length > 0) {
      const l = stack.pop()!;
      if (seen.has(key(l))) continue;
      seen.add(key(l));
      const s = l.schema;
      if (!isObject(s)) continue;
      out.push(l);
      if (typeof s['$ref'] === 'string') stack.push(this.#set.resolve(s['$ref'], l));
      if (Array.isArray(s['allOf'])) s['allOf'].forEach((_, i) => stack.push(this.#set.child(l, 'allOf', i)));
      if (s['if'] !== undefined) {
        const branch = this.#oracle(l.docId, `${l.pointer}/if`, value) ? 'then' : 'else';
        if (s[branch] !== undefined) stack.push(this.#set.child(l, branch));
      }
      for (const list of ['oneOf', 'anyOf'] as const) {
        if (!Array.isArray(s[list])) continue;
        const passing = (s[list] as unknown[]).map((_, i) => i).filter((i) => this.#oracle(l.docId, `${l.pointer}/${list}/${i}`, value));
        // Only an unambiguous branch is followed: with two passing branches a mutation might
        // still satisfy the other one.
        if (passing.length === 1) stack.push(this.#set.child(l, list, passing[0]!));
      }
    }
    return out;
  }

  #walk(start: Located[], value: unknown, path: string[], root: unknown, result: MutationResult): void {
    const locs = this.#applicable(start, value);
    const applicable = locs.map((l) => l.schema as Record<string, unknown>);
    const pointer = path.map((p) => `/${esc(p)}`).join('');
    const add = (kind: MutationKind, at: string[], replacement: unknown): void => {
      result.mutants.push({
        kind,
        path: at.map((p) => `/${esc(p)}`).join(''),
        ...(replacement === REMOVE ? {} : { value: replacement }),
        instance: replaceAt(root, at, replacement),
      });
    };
    const all = <T>(k: string): T[] => applicable.filter((s) => s[k] !== undefined).map((s) => s[k] as T);

    // Wrong type.
    const declared = new Set(applicable.flatMap(types));
    if (declared.size > 0) {
      const allowed = (t: string): boolean => declared.has(t) || (t === 'integer' && declared.has('number'));
      const sample = TYPE_SAMPLES.find(([t]) => !allowed(t));
      if (sample) add('type-changed', path, sample[1]);
    }
    // Off the list.
    if (all<unknown[]>('enum').length > 0) add('enum-off-list', path, `${MUTANT_MARK}-off-list`);
    for (const c of all<unknown>('const')) add('const-changed', path, typeof c === 'string' ? `${c}-${MUTANT_MARK}` : `${MUTANT_MARK}-const`);

    const type = jsonType(value);
    if (type === 'object') {
      const obj = value as Record<string, unknown>;
      for (const name of new Set(all<string[]>('required').flat())) {
        if (name in obj) add('required-removed', [...path, name], REMOVE);
      }
      if (applicable.some((s) => s['additionalProperties'] === false)) {
        add('extra-property', path, { ...obj, [`${MUTANT_MARK}Extra`]: `${MUTANT_MARK}-extra` });
      }
      for (const name of Object.keys(obj)) {
        const children = locs
          .filter((l) => isObject(l.schema) && isObject(l.schema['properties']) && (l.schema['properties'] as Record<string, unknown>)[name] !== undefined)
          .map((l) => this.#set.child(l, 'properties', name));
        for (const c of children) result.visited.add(key(c));
        if (children.length > 0) this.#walk(children, obj[name], [...path, name], root, result);
      }
    } else if (type === 'array') {
      const arr = value as unknown[];
      const maxItems = Math.min(...all<number>('maxItems'));
      const minItems = Math.max(0, ...all<number>('minItems'));
      if (Number.isFinite(maxItems) && arr.length > 0) {
        add('array-too-long', path, Array.from({ length: maxItems + 1 }, (_, i) => arr[i % arr.length]));
      }
      if (minItems > 0) add('array-too-short', path, arr.slice(0, minItems - 1));
      if (all<boolean>('uniqueItems').includes(true) && arr.length > 0 && (!Number.isFinite(maxItems) || arr.length < maxItems)) {
        add('array-duplicate', path, [...arr, arr[0]]);
      }
      const itemSchemas = locs.filter((l) => isObject(l.schema) && l.schema['items'] !== undefined).map((l) => this.#set.child(l, 'items'));
      if (itemSchemas.length > 0) arr.forEach((item, i) => this.#walk(itemSchemas, item, [...path, String(i)], root, result));
    } else if (type === 'string') {
      const str = value as string;
      const maxLength = Math.min(...all<number>('maxLength'));
      const minLength = Math.max(0, ...all<number>('minLength'));
      if (Number.isFinite(maxLength)) add('string-too-long', path, (str + MUTANT_MARK.repeat(maxLength)).slice(0, maxLength + 1));
      if (minLength > 0) add('string-too-short', path, str.slice(0, minLength - 1));
      for (const pattern of all<string>('pattern')) {
        const re = new RegExp(pattern, 'u');
        const candidates = [`${str.slice(0, -1)}!`, `!${str.slice(1)}`, '\u0000', ''];
        const bad = candidates.find((c) => c !== str && !re.test(c));
        if (bad === undefined) throw new Error(`no mismatching sample for pattern ${pattern} at ${pointer}`);
        add('pattern-mismatch', path, bad);
      }
      // Calendar-invalid values of the right shape, so they test the format, not the pattern.
      for (const format of all<string>('format')) {
        if (format === 'date') add('format-date', path, '2026-02-30');
        else if (format === 'date-time') add('format-date-time', path, '2026-02-30T10:00:00.000Z');
        else throw new Error(`no malformed sample for format ${format}`);
      }
    } else if (type === 'integer' || type === 'number') {
      const n = value as number;
      const minimum = Math.max(...all<number>('minimum'));
      const maximum = Math.min(...all<number>('maximum'));
      if (Number.isFinite(minimum)) add('number-below-minimum', path, minimum - 1);
      if (Number.isFinite(maximum)) add('number-above-maximum', path, maximum + 1);
      if (declared.has('integer') && !declared.has('number')) add('integer-fraction', path, n + 0.5);
    }
  }
}

/**
 * Whether an issue reported at `issuePath` plausibly comes from a mutation at `mutantPath`: at it,
 * above it, or beside it (a conditional on a sibling, such as `reasonCode` when `outcome` changes).
 */
export function issueRelatesTo(issuePath: string, mutantPath: string): boolean {
  const within = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(`${outer}/`);
  const parent = mutantPath.slice(0, mutantPath.lastIndexOf('/'));
  return within(mutantPath, issuePath) || within(issuePath, parent);
}
