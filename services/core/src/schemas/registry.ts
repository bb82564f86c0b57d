/**
 * Schema registry: every JSON Schema under `schemas/` compiled once, at start-up, by one strict
 * Ajv (draft 2020-12) instance. Nothing is fetched over the network: each schema's `$id` is
 * `SCHEMA_BASE` + its path under `schemas/`, so relative `$ref`s resolve the same way on disk
 * and by id.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** One validation failure. Never carries the offending value. */
export interface ValidationIssue {
  /** JSON pointer to the offending member (for a missing member: the pointer it would have). */
  path: string;
  /** The Ajv keyword that failed (`required`, `maxLength`, `pattern`, `const`, ...). */
  code: string;
  /** A message built from the schema only, never from the value. */
  message: string;
}

/** Base of every schema `$id`; a schema's id is this plus its path under `schemas/`. */
export const SCHEMA_BASE = 'https://schemas.mekong-exchange.example/';

/** Id of the envelope (notice document) schema. */
export const ENVELOPE_SCHEMA_ID = `${SCHEMA_BASE}envelope.v1.json`;

/** Id of the shared definitions. */
export const COMMON_DEFS_SCHEMA_ID = `${SCHEMA_BASE}common/defs.v1.json`;

/** The closed list of message types (the envelope's `type`). */
export const MESSAGE_TYPES = [
  'victim-repatriation-notice',
  'repatriation-status-update',
  'offender-travel-alert',
  'offender-alert-response',
  'offender-alert-withdrawal',
  'delivery-receipt',
  'audit-event',
] as const;

export type MessageType = (typeof MESSAGE_TYPES)[number];

const BODY_SCHEMA_VERSION: Readonly<Record<MessageType, number>> = {
  'victim-repatriation-notice': 1,
  'repatriation-status-update': 1,
  'offender-travel-alert': 1,
  'offender-alert-response': 1,
  'offender-alert-withdrawal': 1,
  'delivery-receipt': 1,
  'audit-event': 1,
};

/** True when `value` is one of `MESSAGE_TYPES`. */
export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value);
}

/**
 * The `$id` of the body schema for a message type. Derived from the type alone: a document's own
 * `schema` member is only ever compared with this, never used to pick a schema.
 */
export function bodySchemaId(type: MessageType): string {
  if (!isMessageType(type)) throw new Error('unknown message type');
  return `${SCHEMA_BASE}${type}.v${BODY_SCHEMA_VERSION[type]}.json`;
}

/**
 * Why a document that fails validation is one this registry does not know, rather than a broken
 * one: `UNKNOWN_TYPE` (its `type` is not in {@link MESSAGE_TYPES}) or `UNSUPPORTED_VERSION` (its
 * `schema` names a known type at a version other than the one this registry reads). Undefined
 * otherwise. Only ever asked about a document already found invalid, so a receiver refuses what a
 * newer sender sends with a code that says so, not a generic SCHEMA_INVALID.
 */
export function unsupportedReason(doc: unknown): 'UNKNOWN_TYPE' | 'UNSUPPORTED_VERSION' | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const { type, schema } = doc as { type?: unknown; schema?: unknown };
  if (typeof type !== 'string') return undefined;
  if (!isMessageType(type)) return /^[a-z][a-z-]{0,62}$/.test(type) ? 'UNKNOWN_TYPE' : undefined;
  if (typeof schema !== 'string') return undefined;
  const m = /^(.*)\.v([1-9][0-9]{0,2})\.json$/.exec(schema);
  if (m && m[1] === `${SCHEMA_BASE}${type}` && Number(m[2]) !== BODY_SCHEMA_VERSION[type]) return 'UNSUPPORTED_VERSION';
  return undefined;
}

/** `<repo>/schemas`, located from this module (services/core/src/schemas -> ../../../../). */
export const DEFAULT_SCHEMA_DIR = fileURLToPath(new URL('../../../../schemas/', import.meta.url));

const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule.default;

type SchemaObject = Record<string, unknown>;

function listJsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listJsonFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(full);
  }
  return out.sort();
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Messages are built from the keyword and schema-derived parameters only, never from data. */
function issueMessage(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `must have required property ${JSON.stringify(p['missingProperty'])}`;
    case 'additionalProperties':
      return 'must not have properties other than those the schema defines';
    case 'type':
      return `must be of type ${String(p['type'])}`;
    case 'maxLength':
      return `must not have more than ${Number(p['limit'])} characters`;
    case 'minLength':
      return `must not have fewer than ${Number(p['limit'])} characters`;
    case 'maxItems':
      return `must not have more than ${Number(p['limit'])} items`;
    case 'minItems':
      return `must not have fewer than ${Number(p['limit'])} items`;
    case 'uniqueItems':
      return 'must not have duplicate items';
    case 'maximum':
    case 'minimum':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum':
      return `must be ${String(p['comparison'])} ${Number(p['limit'])}`;
    case 'pattern':
      return `must match pattern ${JSON.stringify(p['pattern'])}`;
    case 'format':
      return `must be a valid ${String(p['format'])}`;
    case 'enum':
      return 'must be one of the allowed values';
    case 'const':
      return 'must be equal to the expected constant';
    case 'oneOf':
      return 'must match exactly one of the alternatives';
    case 'anyOf':
      return 'must match one of the alternatives';
    case 'false schema':
      return 'must not be present';
    default:
      return `failed ${error.keyword}`;
  }
}

function toIssue(error: ErrorObject, prefix: string): ValidationIssue {
  let path = prefix + error.instancePath;
  if (error.keyword === 'required') {
    path += `/${escapePointerToken(String((error.params as { missingProperty: string }).missingProperty))}`;
  }
  return { path, code: error.keyword, message: issueMessage(error) };
}

/**
 * Every schema of the exchange, compiled. Build it once with `SchemaRegistry.load()` and share it.
 */
export class SchemaRegistry {
  readonly #ajv: Ajv2020;
  readonly #schemas = new Map<string, SchemaObject>();
  /** Compiled validators by id: every document and every top-level `$defs` entry (`id#/$defs/name`). */
  readonly #validators = new Map<string, ValidateFunction>();

  private constructor(ajv: Ajv2020) {
    this.#ajv = ajv;
  }

  /**
   * Reads every `*.json` under `dir` (default `<repo>/schemas`), checks that each `$id` equals
   * `SCHEMA_BASE` + its relative path and that it declares draft 2020-12, and compiles all of them
   * with one strict Ajv instance. Throws on the first problem, so a process never starts with a
   * broken schema.
   */
  static load(dir: string = DEFAULT_SCHEMA_DIR): SchemaRegistry {
    const ajv = new Ajv2020({ strict: true, allErrors: false, validateSchema: true });
    addFormats(ajv);
    const schemas = new Map<string, SchemaObject>();
    for (const file of listJsonFiles(dir)) {
      const rel = relative(dir, file).split(sep).join('/');
      const schema = JSON.parse(readFileSync(file, 'utf8')) as SchemaObject;
      const expectedId = SCHEMA_BASE + rel;
      if (schema['$id'] !== expectedId) {
        throw new Error(`schema ${rel}: $id must be ${expectedId}`);
      }
      if (schema['$schema'] !== JSON_SCHEMA_2020_12) {
        throw new Error(`schema ${rel}: $schema must be ${JSON_SCHEMA_2020_12}`);
      }
      schemas.set(expectedId, deepFreeze(schema));
    }
    for (const required of [ENVELOPE_SCHEMA_ID, ...MESSAGE_TYPES.map(bodySchemaId)]) {
      if (!schemas.has(required)) throw new Error(`schema missing: ${required}`);
    }
    ajv.addSchema([...schemas.values()]);
    const registry = new SchemaRegistry(ajv);
    for (const [id, schema] of schemas) registry.#compile(id, schema);
    return registry;
  }

  /**
   * Adds one more schema document to the same strict Ajv instance (for instance the gateway's API
   * request schemas, whose `$ref`s point at the loaded schemas) and compiles its root. Call it at
   * start-up. Unlike the loaded files, whose every `$defs` entry is compiled by `load`, an added
   * document's `$defs` entries are compiled on their first `validate` (so entries that are never
   * validated, such as response-only ones, may reference what the document leaves out).
   */
  addSchema(schema: object): void {
    const id = (schema as SchemaObject)['$id'];
    if (typeof id !== 'string' || !id.startsWith(SCHEMA_BASE)) throw new Error(`an added schema needs an $id under ${SCHEMA_BASE}`);
    if (this.#schemas.has(id)) throw new Error(`schema already loaded: ${id}`);
    const frozen = deepFreeze(structuredClone(schema) as SchemaObject);
    this.#ajv.addSchema(frozen);
    try {
      this.#compile(id, frozen, false);
    } catch (err) {
      this.#ajv.removeSchema(id);
      for (const key of [...this.#validators.keys()]) if (key === id || key.startsWith(`${id}#`)) this.#validators.delete(key);
      this.#schemas.delete(id);
      throw err;
    }
  }

  #compile(id: string, schema: SchemaObject, withDefs = true): void {
    this.#schemas.set(id, schema);
    const ids = [id];
    const defs = schema['$defs'];
    if (withDefs && defs !== null && typeof defs === 'object') {
      for (const name of Object.keys(defs)) ids.push(`${id}#/$defs/${escapePointerToken(name)}`);
    }
    for (const ref of ids) {
      const validate = this.#ajv.getSchema(ref);
      if (!validate) throw new Error(`schema ${ref} did not compile`);
      this.#validators.set(ref, validate);
    }
  }

  /** Ids of every loaded schema, sorted. */
  schemaIds(): string[] {
    return [...this.#schemas.keys()].sort();
  }

  /** The (frozen) schema document with this id. Throws for an unknown id. */
  schema(id: string): object {
    const schema = this.#schemas.get(id);
    if (!schema) throw new Error(`unknown schema id: ${id}`);
    return schema;
  }

  /**
   * Validates `value` against the schema `schemaId` (a document id, or `id#/$defs/name`); `[]` when
   * valid. Throws for an unknown id.
   */
  validate(schemaId: string, value: unknown): ValidationIssue[] {
    return this.#validate(schemaId, value, '');
  }

  /**
   * Validates a notice document: the envelope first, then `schema === bodySchemaId(type)`, then the
   * clear body against `bodySchemaId(type)` (issue paths prefixed `/body`), then that an audit
   * event's `gateway` is the envelope's `from`. An `encryptedBody` is checked for shape only; its
   * plaintext must be validated with `validate(bodySchemaId(type), body)` once decrypted.
   */
  validateDocument(doc: unknown): ValidationIssue[] {
    // Ajv runs oneOf/allOf before type, so a non-object would be reported as a oneOf failure.
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      return [{ path: '', code: 'type', message: 'must be of type object' }];
    }
    const envelopeIssues = this.#validate(ENVELOPE_SCHEMA_ID, doc, '');
    if (envelopeIssues.length > 0) return envelopeIssues;
    // The envelope schema guarantees these members and their types.
    const d = doc as { type: MessageType; schema: string; from: string; body?: unknown };
    const expected = bodySchemaId(d.type);
    if (d.schema !== expected) {
      return [{ path: '/schema', code: 'const', message: 'must be the body schema id derived from type' }];
    }
    if (d.body === undefined) return [];
    const bodyIssues = this.#validate(expected, d.body, '/body');
    if (bodyIssues.length > 0) return bodyIssues;
    if (d.type === 'audit-event' && (d.body as { gateway: string }).gateway !== d.from) {
      return [{ path: '/body/gateway', code: 'const', message: 'must equal the envelope from' }];
    }
    return [];
  }

  #validator(schemaId: string): ValidateFunction {
    const known = this.#validators.get(schemaId);
    if (known) return known;
    const hash = schemaId.indexOf('#');
    if (hash > 0 && this.#schemas.has(schemaId.slice(0, hash))) {
      const validate = this.#ajv.getSchema(schemaId);
      if (validate) {
        this.#validators.set(schemaId, validate);
        return validate;
      }
    }
    throw new Error(`unknown schema id: ${schemaId}`);
  }

  #validate(schemaId: string, value: unknown, prefix: string): ValidationIssue[] {
    const validate = this.#validator(schemaId);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => toIssue(e, prefix));
  }
}
