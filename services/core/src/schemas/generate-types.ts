/**
 * Generates `types.generated.ts` from the JSON Schemas, so the schemas stay the one source of truth
 * for document shapes. Run: `npx tsx services/core/src/schemas/generate-types.ts`.
 * A test fails when the committed file is stale.
 *
 * Covers the subset of JSON Schema the exchange's schemas use: `type`, `properties`, `required`,
 * `items`, `enum`, `const`, `$ref`, `anyOf`/`oneOf` of typed branches. Conditional rules (`if`,
 * `allOf`, required-only `oneOf` branches) are validation-only and do not appear in the types.
 * Every root schema and every `$defs` entry with a `title` becomes a named export.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SCHEMA_BASE, SchemaRegistry } from './registry.ts';

type Schema = boolean | Record<string, unknown>;

interface Located {
  readonly docId: string;
  readonly pointer: string;
  readonly schema: Schema;
}

export const GENERATED_TYPES_FILE = fileURLToPath(new URL('./types.generated.ts', import.meta.url));

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

class TypeWriter {
  readonly #registry: SchemaRegistry;
  /** `docId#pointer` of every named location, mapped to its type name. */
  readonly #names = new Map<string, string>();

  constructor(registry: SchemaRegistry) {
    this.#registry = registry;
    for (const id of registry.schemaIds()) {
      const doc = registry.schema(id) as Record<string, unknown>;
      if (typeof doc['title'] === 'string' && doc['type'] !== undefined) this.#name(id, '', doc['title']);
      const defs = doc['$defs'];
      if (isObject(defs)) {
        for (const [key, def] of Object.entries(defs)) {
          if (isObject(def) && typeof def['title'] === 'string') this.#name(id, `/$defs/${key}`, def['title']);
        }
      }
    }
  }

  #name(docId: string, pointer: string, title: string): void {
    if (!IDENTIFIER.test(title)) throw new Error(`title is not an identifier: ${title} (${docId}#${pointer})`);
    if ([...this.#names.values()].includes(title)) throw new Error(`duplicate type name: ${title}`);
    this.#names.set(`${docId}#${pointer}`, title);
  }

  resolve(ref: string, baseId: string): Located {
    const url = new URL(ref, baseId);
    const pointer = decodeURIComponent(url.hash.replace(/^#/, ''));
    url.hash = '';
    const docId = url.href;
    let node: unknown = this.#registry.schema(docId);
    for (const token of pointer.split('/').slice(1).map(unescapeToken)) {
      if (!isObject(node) || !(token in node)) throw new Error(`unresolvable $ref ${ref} from ${baseId}`);
      node = node[token];
    }
    if (typeof node !== 'boolean' && !isObject(node)) throw new Error(`$ref ${ref} is not a schema`);
    return { docId, pointer, schema: node };
  }

  expr(at: Located, indent: string): string {
    const s = at.schema;
    if (s === true) return 'unknown';
    if (s === false) return 'never';
    if (typeof s['$ref'] === 'string') {
      const target = this.resolve(s['$ref'], at.docId);
      return this.#names.get(`${target.docId}#${target.pointer}`) ?? this.expr(target, indent);
    }
    if (s['const'] !== undefined) return JSON.stringify(s['const']);
    if (Array.isArray(s['enum'])) return s['enum'].map((v) => JSON.stringify(v)).join(' | ');
    const type = s['type'];
    if (type === undefined) {
      const branches = (s['anyOf'] ?? s['oneOf']) as Schema[] | undefined;
      if (!Array.isArray(branches)) throw new Error(`cannot type ${at.docId}#${at.pointer}`);
      const kind = s['anyOf'] !== undefined ? 'anyOf' : 'oneOf';
      return branches.map((b, i) => this.expr({ ...at, pointer: `${at.pointer}/${kind}/${i}`, schema: b }, indent)).join(' | ');
    }
    switch (type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      case 'array': {
        const items = s['items'];
        if (items === undefined) return 'unknown[]';
        return `Array<${this.expr({ ...at, pointer: `${at.pointer}/items`, schema: items as Schema }, indent)}>`;
      }
      case 'object':
        return this.objectLiteral(at, indent);
      default:
        throw new Error(`unsupported type ${JSON.stringify(type)} at ${at.docId}#${at.pointer}`);
    }
  }

  objectLiteral(at: Located, indent: string): string {
    const s = at.schema as Record<string, unknown>;
    const props = s['properties'];
    if (!isObject(props)) return 'Record<string, unknown>';
    const required = new Set(Array.isArray(s['required']) ? (s['required'] as string[]) : []);
    const inner = `${indent}  `;
    const lines: string[] = ['{'];
    for (const [key, prop] of Object.entries(props)) {
      const propAt: Located = { ...at, pointer: `${at.pointer}/properties/${key}`, schema: prop as Schema };
      const description = this.description(propAt);
      if (description) lines.push(`${inner}/** ${description.replace(/\*\//g, '*\\/')} */`);
      const name = IDENTIFIER.test(key) ? key : JSON.stringify(key);
      lines.push(`${inner}${name}${required.has(key) ? '' : '?'}: ${this.expr(propAt, inner)};`);
    }
    lines.push(`${indent}}`);
    return lines.join('\n');
  }

  description(at: Located): string | undefined {
    const s = at.schema;
    if (!isObject(s)) return undefined;
    if (typeof s['description'] === 'string') return s['description'];
    if (typeof s['$ref'] === 'string') return this.description(this.resolve(s['$ref'], at.docId));
    return undefined;
  }

  named(): string[] {
    const out: string[] = [];
    for (const [key, name] of this.#names) {
      const [docId, pointer] = key.split('#') as [string, string];
      const at = this.resolve(`#${pointer}`, docId);
      const s = at.schema as Record<string, unknown>;
      const doc = typeof s['description'] === 'string' ? `/** ${s['description'].replace(/\*\//g, '*\\/')} */\n` : '';
      const source = `// schemas/${docId.slice(SCHEMA_BASE.length)}#${pointer}\n`;
      // Type aliases rather than interfaces: an object type alias is assignable to
      // Record<string, unknown>, which callers that handle documents generically need.
      out.push(`${source}${doc}export type ${name} = ${this.expr(at, '')};\n`);
    }
    return out;
  }
}

/** The text of `types.generated.ts` for the schemas in `registry`. */
export function generateTypes(registry: SchemaRegistry): string {
  const header = [
    '// GENERATED FILE: do not edit. Source: schemas/**/*.json.',
    '// Regenerate with: npx tsx services/core/src/schemas/generate-types.ts',
    '',
  ].join('\n');
  return `${header}\n${new TypeWriter(registry).named().join('\n')}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(GENERATED_TYPES_FILE, generateTypes(SchemaRegistry.load()));
  process.stdout.write(`wrote ${GENERATED_TYPES_FILE}\n`);
}
